"""Benchmark of the duplicate check (CL-5) on company creation, on a base of 100,000 companies.

Goal (CL-5): a company create with the check costs at most 1.2x one without it, both measured in the
same run on 100,000 partners, because matching runs on indexed normalised columns, not a Python scan.

What it does:
1. creates the database (default ``sd_bench_partners``) and installs ``sales_discipline`` without demo
   data through the Odoo command line, unless ``--reuse`` is given and the module is already installed;
2. adds six salespeople in a sales team (through the ORM), then generates the partners in SQL
   (``INSERT ... SELECT generate_series``): 100,000 companies and 50,000 contact persons by default,
   with the normalised columns filled the way the addon computes them (checked on a sample against
   the addon's own normalisers), then ``VACUUM ANALYZE``;
3. in this one process (Odoo registry and cursor), as a salesperson (enforcement is skipped for the
   superuser), measures single-company creates in three modes, interleaved create by create so that
   drift on a noisy machine hits every mode alike:
   - ``with check``: the addon as shipped;
   - ``no duplicate check``: ``_discipline_check_duplicates`` patched to a no-op;
   - ``no enforcement``: ``_discipline_enforce`` patched to a no-op (no required fields, salesperson or
     duplicate check), the stricter baseline, on which the verdict is given;
   each timed create is what one request does: ``create``, flush, pre-commit hooks (tracking), with a
   fresh ORM cache; nothing is committed (one transaction, rolled back at the end);
4. measures the duplicate query alone (``_discipline_find_duplicates``) and prints its EXPLAIN plan,
   checking that it uses the indexes on the normalised columns;
5. prints medians, p90s, ratios, queries per create and PASS/FAIL against the 1.2x goal; the exit code
   is 0 whatever the verdict (non-zero only when the set-up fails).

Run from anywhere, with Odoo 18 importable as ``odoo`` and a local PostgreSQL the current user may
create databases on::

    python3 bench/bench_partner_duplicates.py                 # full run, drops its database at the end
    python3 bench/bench_partner_duplicates.py --keep          # keep the database for later runs
    python3 bench/bench_partner_duplicates.py --reuse --keep  # reuse it (install and data are skipped)
    python3 bench/bench_partner_duplicates.py --reuse --update --keep  # same, after the addon's code changed
    python3 bench/bench_partner_duplicates.py --creates 500   # more creates per mode, tighter figures

The database is dropped at the end only when this run created it and ``--keep`` is not given.
"""

import argparse
import contextlib
import gc
import os
import random
import re
import statistics
import subprocess
import textwrap
import time
from unittest import mock

from bench_common import (
    DEFAULT_ADDONS_PATH,
    _no_op,
    captured_queries,
    drop_database,
    prepare_database,
    say,
)

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import ValidationError
from odoo.modules.registry import Registry

GOAL = 1.2
BENCH_LOGINS = [f"bench_sales{i}" for i in range(1, 7)]
COMPANY_REF = "BENCH-C"
CONTACT_REF = "BENCH-P"
MODES = ("with", "no_dup", "off")
MODE_LABELS = {
    "with": "with check (as shipped)",
    "no_dup": "no duplicate check",
    "off": "no enforcement at all",
}
INDEXES = {
    "vat_normalized": "res_partner__vat_normalized_index",
    "phone_normalized": "res_partner__phone_normalized_index",
    "email_domain": "res_partner__email_domain_index",
}
# Pieces of the generated companies: brands are a prefix and a suffix, often followed by a city.
LATIN_PREFIXES = [
    "Stroy", "Techno", "Agro", "Prom", "Energo", "Neft", "Gaz", "Med", "Trans", "Auto",
    "Info", "Soft", "Metal", "Les", "Khim", "Elektro", "Teplo", "Santekh", "Mebel", "Tekstil",
    "Pisch", "Bio", "Eko", "Geo", "Alfa", "Vega", "Orion", "Sever", "Vostok", "Zapad",
    "Ural", "Sibir", "Volga", "Baikal", "Kama", "Neva", "Amur", "Polar", "Granit", "Kristall",
]  # fmt: skip
LATIN_SUFFIXES = [
    "trade", "service", "snab", "group", "invest", "systems", "logistic", "resurs", "komplekt",
    "montazh", "proekt", "stroy", "market", "tekh", "lab", "plast", "holding", "opt", "consult", "nova",
]  # fmt: skip
CYRILLIC_PREFIXES = [
    "Ромашка", "Берёзка", "Сибирь", "Восток", "Урал", "Волга", "Нева", "Алмаз", "Гранит", "Рассвет",
]  # fmt: skip
CYRILLIC_SUFFIXES = ["торг", "сервис", "снаб", "строй", "импорт", "пром", "опт", "тех"]
LATIN_FORMS = ["LLC", "Ltd", "Inc", "GmbH", "Corp"]
CYRILLIC_FORMS = ["ООО", "АО", "ПАО", "ЗАО", "ИП"]
CITIES = ["Moscow", "Kazan", "Samara", "Tver", "Perm", "Omsk", "Tula", "Ufa", "Sochi", "Vologda"]
AREA_CODES = ["495", "499", "812", "343", "383", "846", "843", "861", "863", "831"]
MOBILE_CODES = ["903", "916", "926", "985", "910", "921"]
PUBLIC_DOMAINS = ["gmail.com", "mail.ru", "yandex.ru"]
MAILBOXES = ["info", "sales", "office", "zakaz"]
FIRST_NAMES = ["Ivan", "Anna", "Sergey", "Olga", "Pavel", "Maria", "Иван", "Пётр", "Елена", "Ольга"]
LAST_NAMES = ["Petrov", "Ivanova", "Smirnov", "Kuznetsova", "Popov", "Волков", "Соколова", "Лебедев"]
FUNCTIONS = ["Purchasing Director", "Chief Engineer", "Accountant", "General Director", "Buyer"]
CLIENT_TYPES = ["end_customer", "reseller", "distributor", "partner"]
COMPANY_SIZES = ["micro", "small", "medium", "large", "enterprise"]

COMPANIES_SQL = """
WITH numbered AS MATERIALIZED (
    SELECT nextval('res_partner_id_seq') AS id, n
      FROM generate_series(1, %(count)s) AS n
), picked AS (
    SELECT id, n,
           mod(n, 5) = 0 AS cyrillic,
           mod(n, 7) = 0 AS public_mail,
           mod(n, 25) = 0 AS in_holding,
           mod(n, 10) < 7 AS has_vat,
           (7700000000 + n)::text AS inn,
           %(areas)s::text[] AS areas,
           lpad(mod(n::bigint * 7919, 10000000)::text, 7, '0') AS local7
      FROM numbered
), branded AS (
    SELECT p.*,
           CASE WHEN cyrillic
                THEN (%(cyr_prefixes)s::text[])[1 + mod(n / 5, %(n_cyr_prefixes)s)]
                     || (%(cyr_suffixes)s::text[])[1 + mod(n / 50, %(n_cyr_suffixes)s)]
                ELSE (%(lat_prefixes)s::text[])[1 + mod(n, %(n_lat_prefixes)s)]
                     || (%(lat_suffixes)s::text[])[1 + mod(n / %(n_lat_prefixes)s, %(n_lat_suffixes)s)]
           END
           || CASE WHEN mod(n, 3) = 0 THEN ' ' || (%(cities)s::text[])[1 + mod(n / 3, %(n_cities)s)] ELSE '' END
           AS brand,
           CASE WHEN cyrillic THEN (%(cyr_forms)s::text[])[1 + mod(n, %(n_forms)s)]
                ELSE (%(lat_forms)s::text[])[1 + mod(n, %(n_forms)s)] END AS form,
           areas[1 + mod(n, array_length(areas, 1))] AS area
      FROM picked p
), shaped AS (
    SELECT b.*,
           CASE WHEN mod(n, 2) = 0 THEN form || ' "' || brand || '"' ELSE brand || ' ' || form END AS name,
           CASE mod(n, 4)
                WHEN 0 THEN '+7 (' || area || ') ' || substr(local7, 1, 3) || '-' || substr(local7, 4, 2)
                            || '-' || substr(local7, 6, 2)
                WHEN 1 THEN '8 ' || area || ' ' || substr(local7, 1, 3) || ' ' || substr(local7, 4, 2)
                            || ' ' || substr(local7, 6, 2)
                WHEN 2 THEN '+7' || area || local7
                ELSE '(' || area || ') ' || substr(local7, 1, 3) || '-' || substr(local7, 4, 4)
           END AS phone,
           CASE WHEN NOT has_vat THEN NULL
                WHEN mod(n, 3) = 0 THEN 'RU' || inn
                WHEN mod(n, 3) = 1 THEN inn
                ELSE substr(inn, 1, 4) || ' ' || substr(inn, 5, 6)
           END AS vat,
           CASE WHEN public_mail
                THEN 'firm' || n || '@' || (%(public_domains)s::text[])[1 + mod(n, %(n_public)s)]
                ELSE (%(mailboxes)s::text[])[1 + mod(n, %(n_mailboxes)s)] || '@'
                     || CASE WHEN in_holding THEN 'holding' || mod(n / 25, 500) || '.ru'
                             WHEN cyrillic THEN 'firma' || n || '.ru'
                             ELSE lower(replace(brand, ' ', '-')) || '-' || n || '.ru' END
           END AS email
      FROM branded b
)
INSERT INTO res_partner (
    id, commercial_partner_id, name, complete_name, commercial_company_name, ref, type, is_company,
    active, lang, tz, user_id, country_id, city, zip, street, phone, phone_sanitized, email,
    email_normalized, vat, industry_id, acquisition_source_id, client_type, company_size, client_status,
    data_completeness, is_data_complete, partner_share, employee, vat_normalized, phone_normalized,
    email_domain, name_normalized, create_uid, write_uid, create_date, write_date
)
SELECT id, id, name, name, name, %(ref)s || n, 'contact', TRUE,
       TRUE, 'en_US', 'Europe/Moscow',
       (%(user_ids)s::int[])[1 + mod(n, %(n_users)s)],
       %(country_id)s,
       (%(cities)s::text[])[1 + mod(n, %(n_cities)s)],
       lpad((100000 + mod(n::bigint * 31, 900000))::text, 6, '0'),
       'ul. Lenina, ' || (1 + mod(n, 250)) || ', office ' || (1 + mod(n, 40)),
       phone, '+7' || area || local7, email,
       lower(email), vat,
       (%(industry_ids)s::int[])[1 + mod(n, %(n_industries)s)],
       (%(source_ids)s::int[])[1 + mod(n, %(n_sources)s)],
       (%(client_types)s::text[])[1 + mod(n, %(n_client_types)s)],
       (%(sizes)s::text[])[1 + mod(n, %(n_sizes)s)],
       'inquiry',
       100, TRUE, TRUE, FALSE,
       upper(regexp_replace(vat, '[\\W_]+', '', 'g')),
       right(regexp_replace(phone, '\\D', '', 'g'), 10),
       CASE WHEN public_mail THEN NULL ELSE lower(split_part(email, '@', 2)) END,
       replace(lower(regexp_replace(brand, '[\\W_]+', '', 'g')), 'ё', 'е'),
       %(creator_id)s, %(creator_id)s,
       now() - make_interval(days => mod(n, 2000)), now() - make_interval(days => mod(n, 300))
  FROM shaped
"""

CONTACTS_SQL = """
WITH numbered AS (
    SELECT m,
           %(company_ref)s || (1 + mod(m::bigint * 7, %(companies)s)) AS company_ref,
           (%(first_names)s::text[])[1 + mod(m, %(n_first)s)] AS first_name,
           (%(last_names)s::text[])[1 + mod(m / %(n_first)s, %(n_last)s)] AS last_name,
           (%(mobiles)s::text[])[1 + mod(m, %(n_mobiles)s)] AS mobile_code,
           lpad(mod(m::bigint * 104729, 10000000)::text, 7, '0') AS local7
      FROM generate_series(1, %(count)s) AS m
), shaped AS (
    SELECT nb.*, c.id AS company_id, c.name AS company_name, c.vat, c.vat_normalized, c.user_id,
           c.country_id, c.city, c.zip, c.street, c.email_domain,
           first_name || ' ' || last_name AS name,
           '+7 ' || mobile_code || ' ' || substr(local7, 1, 3) || '-' || substr(local7, 4, 2) || '-'
               || substr(local7, 6, 2) AS phone,
           lower(replace(first_name, 'ё', 'е')) || '.' || lower(last_name) || m || '@'
               || coalesce(c.email_domain, 'gmail.com') AS email
      FROM numbered nb
      JOIN res_partner c ON c.ref = nb.company_ref
)
INSERT INTO res_partner (
    parent_id, commercial_partner_id, name, complete_name, commercial_company_name, ref, type,
    is_company, active, lang, tz, user_id, country_id, city, zip, street, function, phone, phone_sanitized,
    email, email_normalized, vat, client_status, data_completeness, is_data_complete, partner_share,
    employee, vat_normalized, phone_normalized, email_domain, name_normalized, create_uid, write_uid,
    create_date, write_date
)
SELECT company_id, company_id, name, company_name || ', ' || name, company_name, %(ref)s || m, 'contact',
       FALSE, TRUE, 'en_US', 'Europe/Moscow', user_id, country_id, city, zip, street,
       (%(functions)s::text[])[1 + mod(m, %(n_functions)s)],
       phone, '+7' || mobile_code || local7,
       email, lower(email), vat, 'inquiry', 100, TRUE, TRUE,
       FALSE, vat_normalized, right(regexp_replace(phone, '\\D', '', 'g'), 10), email_domain,
       replace(lower(regexp_replace(name, '[\\W_]+', '', 'g')), 'ё', 'е'),
       %(creator_id)s, %(creator_id)s, now() - make_interval(days => mod(m, 1500)), now()
  FROM shaped
"""


class _Rollback(Exception):
    """Raised inside a savepoint to undo a create that was accepted."""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", default="sd_bench_partners", help="database name (default: %(default)s)")
    parser.add_argument("--reuse", action="store_true", help="reuse the database when the module is installed")
    parser.add_argument("--update", action="store_true", help="with --reuse: upgrade the module first (-u)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--addons-path", default=DEFAULT_ADDONS_PATH, help="Odoo addons path")
    parser.add_argument("--companies", type=int, default=100_000, help="companies to generate (default 100000)")
    parser.add_argument("--contacts", type=int, default=50_000, help="contact persons to generate (default 50000)")
    parser.add_argument("--creates", type=int, default=200, help="measured creates per mode (default 200)")
    parser.add_argument("--warmup", type=int, default=15, help="unmeasured creates per mode first (default 15)")
    parser.add_argument("--seed", type=int, default=18, help="random seed for the sampled partners")
    return parser.parse_args()


# ----------------------------------------------------------------------
# Database life cycle (command-line tools)
# ----------------------------------------------------------------------


# ----------------------------------------------------------------------
# Data set
# ----------------------------------------------------------------------


def ensure_salespeople(env):
    """Six salespeople of one sales team: the benchmark runs as the first one."""
    users = env["res.users"].with_context(active_test=False).search([("login", "in", BENCH_LOGINS)])
    if len(users) == len(BENCH_LOGINS):
        return users.sorted("login")
    group = env.ref("sales_discipline.group_salesperson")
    users = (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True)
        .create(
            [
                {
                    "name": f"Bench Salesperson {index}",
                    "login": login,
                    "email": f"{login}@bench.example",
                    "groups_id": [Command.set(group.ids)],
                }
                for index, login in enumerate(BENCH_LOGINS, start=1)
            ]
        )
    )
    env["crm.team"].create(
        {
            "name": "Bench Team",
            "crm_team_member_ids": [Command.create({"user_id": user.id}) for user in users],
        }
    )
    return users.sorted("login")


def bench_partner_count(cr, prefix):
    cr.execute("SELECT count(*) FROM res_partner WHERE ref LIKE %s", [prefix + "%"])
    return cr.fetchone()[0]


def generate_partners(env, companies, contacts, users):
    """Insert the companies, then the contact persons of some of them, in two SQL statements."""
    cr = env.cr
    cr.execute("DELETE FROM res_partner WHERE ref LIKE %s OR ref LIKE %s", [CONTACT_REF + "%", COMPANY_REF + "%"])
    cr.execute("SELECT id FROM res_partner_industry ORDER BY id")
    industry_ids = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT id FROM utm_source ORDER BY id")
    source_ids = [row[0] for row in cr.fetchall()]
    arrays = {
        "areas": AREA_CODES,
        "cyr_prefixes": CYRILLIC_PREFIXES,
        "cyr_suffixes": CYRILLIC_SUFFIXES,
        "lat_prefixes": LATIN_PREFIXES,
        "lat_suffixes": LATIN_SUFFIXES,
        "cities": CITIES,
        "public_domains": PUBLIC_DOMAINS,
        "mailboxes": MAILBOXES,
        "user_ids": users.ids,
        "industry_ids": industry_ids,
        "source_ids": source_ids,
        "client_types": CLIENT_TYPES,
        "sizes": COMPANY_SIZES,
    }
    params = {
        **arrays,
        "count": companies,
        "ref": COMPANY_REF,
        "lat_forms": LATIN_FORMS,
        "cyr_forms": CYRILLIC_FORMS,
        "n_forms": len(LATIN_FORMS),
        "n_cyr_prefixes": len(CYRILLIC_PREFIXES),
        "n_cyr_suffixes": len(CYRILLIC_SUFFIXES),
        "n_lat_prefixes": len(LATIN_PREFIXES),
        "n_lat_suffixes": len(LATIN_SUFFIXES),
        "n_cities": len(CITIES),
        "n_public": len(PUBLIC_DOMAINS),
        "n_mailboxes": len(MAILBOXES),
        "n_users": len(users),
        "n_industries": len(industry_ids),
        "n_sources": len(source_ids),
        "n_client_types": len(CLIENT_TYPES),
        "n_sizes": len(COMPANY_SIZES),
        "country_id": env.ref("base.ru").id,
        "creator_id": users[0].id,
    }
    cr.execute(COMPANIES_SQL, params)
    if contacts:
        cr.execute(
            CONTACTS_SQL,
            {
                "count": contacts,
                "companies": companies,
                "company_ref": COMPANY_REF,
                "ref": CONTACT_REF,
                "first_names": FIRST_NAMES,
                "n_first": len(FIRST_NAMES),
                "last_names": LAST_NAMES,
                "n_last": len(LAST_NAMES),
                "mobiles": MOBILE_CODES,
                "n_mobiles": len(MOBILE_CODES),
                "functions": FUNCTIONS,
                "n_functions": len(FUNCTIONS),
                "creator_id": users[0].id,
            },
        )
    cr.commit()


def vacuum_analyze(db):
    subprocess.run(["psql", "-d", db, "-qc", "VACUUM ANALYZE res_partner"], check=True)


def check_normalisation(cr, sample_size, seed):
    """Compare the SQL-filled normalised columns with the addon's normalisers on a random sample."""
    from odoo.addons.sales_discipline.models import res_partner as addon  # noqa: PLC0415 (needs the registry)

    cr.execute("SELECT setseed(%s)", [1 / (seed + 1)])
    cr.execute(
        """
        SELECT name, vat, phone, mobile, email, vat_normalized, phone_normalized, email_domain, name_normalized
          FROM res_partner WHERE ref LIKE 'BENCH-%%' ORDER BY random() LIMIT %s
        """,
        [sample_size],
    )
    rows = cr.fetchall()
    mismatches = []
    for name, vat, phone, mobile, email, *stored in rows:
        expected = [
            addon.normalize_vat(vat),
            addon.normalize_phone(phone) or addon.normalize_phone(mobile),
            addon.email_domain(email),
            addon.normalize_company_name(name),
        ]
        if [value or None for value in expected] != [value or None for value in stored]:
            mismatches.append((name, expected, stored))
    return len(rows), mismatches


# ----------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------


class CompanyValues:
    """Values of new, complete and unique companies, as a salesperson would enter them in the form."""

    def __init__(self, env, user):
        self.counter = 0
        self.user = user
        self.common = {
            "is_company": True,
            "country_id": env.ref("base.ru").id,
            "acquisition_source_id": env["utm.source"].search([], limit=1).id,
            "industry_id": env["res.partner.industry"].search([], limit=1).id,
        }
        env.cr.execute(
            "SELECT DISTINCT email_domain FROM res_partner WHERE ref LIKE %s AND email_domain LIKE 'holding%%'",
            [COMPANY_REF + "%"],
        )
        self.holding_domains = sorted(row[0] for row in env.cr.fetchall()) or ["holding0.ru"]

    def next(self, kind):
        """kind 0-9 spreads the cases: no VAT, a public mailbox, a holding's domain shared with others."""
        self.counter += 1
        i = self.counter
        local = f"{i:07d}"
        if kind == 0:
            email = f"zarya{i}@gmail.com"
        elif kind == 5:
            email = f"zarya{i}@{self.holding_domains[i % len(self.holding_domains)]}"
        else:
            email = f"info@zarya-{i}.ru"
        return {
            **self.common,
            "name": f'LLC "Zarya {i}"',
            "client_type": CLIENT_TYPES[i % len(CLIENT_TYPES)],
            "street": f"pr. Lenina, {i}",
            "city": "Chelyabinsk",
            "phone": f"+7 (351) {local[:3]}-{local[3:5]}-{local[5:]}",
            "email": email,
            "vat": False if kind in (3, 7, 9) else f"RU{5400000000 + i}",
            "user_id": self.user.id,
        }


def enforcement(mode, partner_class):
    """The addon as shipped, without the duplicate check, or without any enforcement."""
    if mode == "off":
        return mock.patch.object(partner_class, "_discipline_enforce", _no_op)
    if mode == "no_dup":
        return mock.patch.object(partner_class, "_discipline_check_duplicates", _no_op)
    return contextlib.nullcontext()


def timed_create(env, vals):
    """One create as one request does it: fresh cache, create, flush, pre-commit hooks (no commit)."""
    cr = env.cr
    env.invalidate_all()
    queries = cr.sql_log_count
    start = time.perf_counter()
    env["res.partner"].create(vals)
    env.flush_all()
    cr.precommit.run()
    return time.perf_counter() - start, cr.sql_log_count - queries


def measure_creates(env, values, creates, warmup):
    """Interleave the modes create by create, the order rotating, so that drift hits every mode alike."""
    partner_class = type(env["res.partner"])
    results = {mode: {"times": [], "queries": []} for mode in MODES}
    paired = {mode: [] for mode in MODES}
    gc.collect()
    gc.disable()
    try:
        for step in range(warmup + creates):
            order = MODES[step % 3 :] + MODES[: step % 3]
            times = {}
            for mode in order:
                vals = values.next(kind=step % 10)
                with enforcement(mode, partner_class):
                    elapsed, queries = timed_create(env, vals)
                times[mode] = elapsed
                if step >= warmup:
                    results[mode]["times"].append(elapsed)
                    results[mode]["queries"].append(queries)
            if step >= warmup:
                for mode in MODES:
                    paired[mode].append(times["with"] / times[mode])
            if step % 25 == 24:
                gc.collect()
    finally:
        gc.enable()
    return results, paired


def measure_find_duplicates(env, company_ids):
    times = []
    for partner_id in company_ids:
        partner = env["res.partner"].browse(partner_id)
        env.invalidate_all()
        start = time.perf_counter()
        partner._discipline_find_duplicates()
        times.append(time.perf_counter() - start)
    return times


def explain_duplicate_query(env, partner):
    with captured_queries() as captured:
        partner._discipline_find_duplicates()
    query, params = next((q, p) for q, p in captured if "UNION ALL" in q and "vat_normalized" in q)
    env.cr.execute("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + query, params)
    return [row[0] for row in env.cr.fetchall()]


def attempt_create(env, vals):
    """Create in a savepoint and undo it: the refusal message, or None when the create was accepted."""
    try:
        with env.cr.savepoint():
            env["res.partner"].create(vals)
            env.flush_all()
            raise _Rollback
    except ValidationError as refusal:
        return str(refusal)
    except _Rollback:
        return None


def sanity_checks(env, values):
    """The check is live for the salesperson on this data set, and switched off in the baseline."""
    env.cr.execute(
        """
        SELECT vat, phone_normalized, email_domain, name FROM res_partner
         WHERE ref LIKE %s AND is_company AND vat IS NOT NULL AND email_domain IS NOT NULL
           AND email_domain NOT LIKE 'holding%%'
         ORDER BY id DESC LIMIT 1
        """,
        [COMPANY_REF + "%"],
    )
    vat, phone, domain, name = env.cr.fetchone()
    spaced_vat = "-".join(textwrap.wrap(re.sub(r"\W", "", vat), 4)).lower()
    cases = [
        ("same VAT, other spelling", {"vat": f" {spaced_vat} "}, "tax ID"),
        ("same phone, other format", {"phone": f"8 ({phone[:3]}) {phone[3:6]} {phone[6:8]} {phone[8:]}"}, "phone"),
        (
            "same domain, similar name",
            {"email": f"sales@{domain}", "name": f"{name} (branch)"},
            "email domain and name",
        ),
    ]
    lines, ok = [], True
    partner_class = type(env["res.partner"])
    for label, overrides, criterion in cases:
        refusal = attempt_create(env, {**values.next(kind=1), **overrides})
        refused = bool(refusal) and f"same {criterion}" in refusal
        ok &= refused
        lines.append(f"  {label:<28} {'refused (same ' + criterion + ')' if refused else 'NOT REFUSED'}")
        with enforcement("off", partner_class):
            accepted = attempt_create(env, {**values.next(kind=1), **overrides}) is None
        ok &= accepted
        lines[-1] += f"; without enforcement: {'accepted' if accepted else 'REFUSED'}"
    return ok, lines


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1000:8.2f}"


def p90(values):
    return statistics.quantiles(values, n=10)[8] if len(values) > 1 else values[0]


def print_results(results, paired):
    say(f"  {'mode':<26} {'median ms':>10} {'p90 ms':>9} {'mean ms':>9} {'queries/create':>15}")
    for mode in MODES:
        times, queries = results[mode]["times"], results[mode]["queries"]
        say(
            f"  {MODE_LABELS[mode]:<26} {ms(statistics.median(times)):>10} {ms(p90(times)):>9} "
            f"{ms(statistics.fmean(times)):>9} {statistics.median(queries):>15g}"
        )
    ratios = {}
    for mode in ("off", "no_dup"):
        ratios[mode] = statistics.median(results["with"]["times"]) / statistics.median(results[mode]["times"])
        say(
            f"  ratio with check / {MODE_LABELS[mode]}: {ratios[mode]:.3f} "
            f"(median of paired ratios {statistics.median(paired[mode]):.3f}) "
            f"-> {'PASS' if ratios[mode] <= GOAL else 'FAIL'} (goal <= {GOAL})"
        )
    return ratios


def plan_uses_indexes(plan):
    text = "\n".join(plan)
    used = {column: index in text for column, index in INDEXES.items()}
    return used, "Seq Scan on res_partner" in text


def plan_times(plan):
    """Planning and execution times (ms) that EXPLAIN ANALYZE reports."""
    found = dict(re.findall(r"(Planning|Execution) Time: ([\d.]+) ms", "\n".join(plan)))
    return float(found.get("Planning", "nan")), float(found.get("Execution", "nan"))


def main():
    args = parse_args()
    started = time.perf_counter()
    phases = {}
    odoo.tools.config.parse_config(
        ["-d", args.db, f"--addons-path={args.addons_path}", "--log-level=warn", "--no-http"]
    )
    created = prepare_database(args, phases)
    try:
        run(args, phases, created)
    finally:
        if created and not args.keep:
            say(f"Dropping database {args.db}")
            drop_database(args.db)
        elif created:
            say(f"Kept database {args.db} (rerun with --reuse)")
    say(
        "Timings: "
        + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items())
        + f"; total {time.perf_counter() - started:.1f}s"
    )


def run(args, phases, created):  # noqa: PLR0915 (one linear script, printed step by step)
    mark = time.perf_counter()
    registry = Registry(args.db)
    phases["registry"] = time.perf_counter() - mark
    cr = registry.cursor()
    try:
        env = api.Environment(cr, SUPERUSER_ID, {})
        users = ensure_salespeople(env)
        cr.commit()
        companies = bench_partner_count(cr, COMPANY_REF)
        contacts = bench_partner_count(cr, CONTACT_REF)
        if (companies, contacts) != (args.companies, args.contacts):
            say(f"Generating {args.companies:,} companies and {args.contacts:,} contacts in SQL ...")
            mark = time.perf_counter()
            generate_partners(env, args.companies, args.contacts, users)
            vacuum_analyze(args.db)
            phases["data"] = time.perf_counter() - mark
        elif not created:
            say("Partners already generated with these counts: kept")
        env.invalidate_all()
        cr.execute("SELECT count(*), count(*) FILTER (WHERE is_company) FROM res_partner")
        total, total_companies = cr.fetchone()
        sample, mismatches = check_normalisation(cr, 2000, args.seed)

        cr.execute("SHOW server_version")
        say()
        say("=== sales_discipline: cost of the duplicate check (CL-5) on company create ===")
        say(
            f"Odoo {odoo.release.version}, PostgreSQL {cr.fetchone()[0]}, {os.cpu_count()} CPUs "
            "(shared, noisy machine: compare the modes of one run, not runs with each other)"
        )
        say(f"Partners: {total:,} in res_partner, of which {total_companies:,} companies")
        say(
            f"Normalised columns of generated rows vs the addon's normalisers: {sample - len(mismatches)}/{sample} "
            "consistent"
        )
        for name, expected, stored in mismatches[:5]:
            say(f"  MISMATCH {name!r}: python {expected} vs sql {stored}")

        salesperson = users[0]
        context = {"lang": "en_US", "tz": "Europe/Moscow", "allowed_company_ids": [env.company.id]}
        sales_env = api.Environment(cr, salesperson.id, context)
        values = CompanyValues(sales_env, salesperson)
        say(f"Acting as {salesperson.login} (Salesperson, member of a sales team): the policy applies to them")
        say()
        say("Sanity checks (each in a rolled-back savepoint):")
        sane, lines = sanity_checks(sales_env, values)
        for line in lines:
            say(line)

        say()
        say(
            f"Company creates: {args.creates} per mode after {args.warmup} warm-up ones, the three modes "
            "interleaved create by create"
        )
        say(
            "  each create: fresh ORM cache, create(), flush, pre-commit hooks; not committed. The verdict "
            "uses the stricter baseline,"
        )
        say(
            "  'no enforcement' (_discipline_enforce patched to a no-op: no required-field, salesperson nor "
            "duplicate check); 'no duplicate"
        )
        say("  check' patches only _discipline_check_duplicates and isolates the duplicate query.")
        mark = time.perf_counter()
        results, paired = measure_creates(sales_env, values, args.creates, args.warmup)
        phases["creates"] = time.perf_counter() - mark
        ratios = print_results(results, paired)

        say()
        cr.execute("SELECT id FROM res_partner WHERE ref LIKE %s AND is_company ORDER BY id", [COMPANY_REF + "%"])
        company_ids = [row[0] for row in cr.fetchall()]
        sampled = random.Random(args.seed).sample(company_ids, min(args.creates, len(company_ids)))
        mark = time.perf_counter()
        query_times = measure_find_duplicates(sales_env, sampled)
        phases["query"] = time.perf_counter() - mark
        share = statistics.median(query_times) / statistics.median(results["with"]["times"])
        say(
            f"Duplicate query alone (_discipline_find_duplicates on {len(sampled)} existing companies): "
            f"median {ms(statistics.median(query_times)).strip()} ms, p90 {ms(p90(query_times)).strip()} ms, "
            f"{share:.1%} of a create with the check"
        )

        probe = sales_env["res.partner"].create(values.next(kind=5))
        plan = explain_duplicate_query(sales_env, probe)
        used, seq_scan = plan_uses_indexes(plan)
        say("EXPLAIN ANALYZE of the duplicate query for a new company (VAT, phone, a holding's shared domain):")
        for line in plan:
            say(f"  | {line}")
        say(
            "  indexes used: "
            + ", ".join(f"{column} {'yes' if hit else 'NO'}" for column, hit in used.items())
            + f"; sequential scan of res_partner: {'YES' if seq_scan else 'none'}"
        )
        planning, execution = plan_times(plan)
        say(f"  this query: planning {planning:.3f} ms, execution {execution:.3f} ms")

        indexed = all(used.values()) and not seq_scan
        passed = ratios["off"] <= GOAL and indexed and sane and not mismatches
        say()
        say(
            f"VERDICT: {'PASS' if passed else 'FAIL'} on {total:,} partners - create with the check costs "
            f"{ratios['off']:.2f}x one without any enforcement (goal <= {GOAL}x; {ratios['no_dup']:.2f}x one "
            f"without the duplicate check only); duplicate query {'on' if indexed else 'NOT on'} the indexes"
            + ("" if sane else "; SANITY CHECKS FAILED")
            + ("" if not mismatches else "; NORMALISATION MISMATCHES")
        )
    finally:
        cr.rollback()
        cr.close()


if __name__ == "__main__":
    main()
