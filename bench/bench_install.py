"""Benchmark of installing, upgrading and uninstalling the addon on a database of a real company's size.

Goals (issue 9, part 3): on a database made by stock CRM with 150,000 partners, 1,000,000 deals and
3,000,000 activities, installing ``sales_discipline`` takes at most 10 minutes and no step (install,
upgrade, uninstall) needs more than 1 GiB of resident memory on the project's 2-core machine; the upgrade
keeps the data; the uninstall leaves no table, column or index of the addon and every CRM screen working.

What it does:
1. builds (or reuses, with ``--reuse-base``) a base database, ``sd_bench_install_base`` by default: stock
   ``crm`` without demo data installed through the Odoo command line; then, through the ORM, leads enabled,
   four sales teams (the stock one and three more) with a team lead and 50 salespeople, a head of sales, a
   team-specific stage, "keep done" on calls and meetings; then in SQL (``INSERT ... SELECT
   generate_series``, in chunks) the partners (two thirds companies with Russian and English legal forms,
   tax IDs, phones and emails written in various ways; one third contact persons of those companies), the
   deals (10 % leads, opportunities 35 % open, 35 % won, 30 % lost and archived; teams, owners, stages,
   dates over six years, 3 % closed within 20 hours of being recorded, 1 % closed before, 3 % without a
   date of last stage change, 2 % of opportunities and half of the leads without a stage, 5 % without a
   company) and the activities (planned ones on open deals, done ones kept archived; a quarter of the
   meetings linked to a calendar event); then ``VACUUM ANALYZE``;
2. copies the base into the measured database (``sd_bench_install``) with ``createdb --template``;
3. installs the addon (``-i``) in its own ``python3 -m odoo --stop-after-init`` process, measuring the
   wall time and the peak resident memory of that process (``wait4``); lists from the log the fields the
   ORM had to recompute on existing rows and the steps of the install hooks;
4. checks the data the install produced: every deal's start date, one open stage stay per deal that has a
   stage, and, on samples, that the columns the hooks filled in SQL equal what the ORM's compute methods
   give (recomputed in a transaction that is rolled back); opens every CRM screen as a salesperson and as
   a sales manager (information only, with the addon);
5. upgrades the addon (``-u``) the same way, and checks that the addon's data are unchanged;
6. lists the addon's tables, columns and indexes (from ``ir_model_data`` and the catalog), uninstalls it in
   an ``odoo shell`` process (``button_immediate_uninstall``), measured the same way, then checks that none
   of them is left, that no ``ir_model_data`` of the addon is left, that crm's own record rules are back,
   and opens every CRM screen (every menu of the CRM app with a window action: its views with
   ``get_views``, then the data calls the web client makes: ``web_search_read``, ``web_read_group``,
   ``web_read`` of a record, ``read_group`` for graphs and pivots, ``get_activity_data``) as a salesperson
   and as a sales manager;
7. prints the figures and a PASS/FAIL verdict per goal; the exit code is 0 whatever the verdict (non-zero
   only when the set-up fails).

Run from anywhere, with Odoo 18 importable as ``odoo`` and a local PostgreSQL the current user may
create databases on::

    python3 bench/bench_install.py                      # full size (~35 min), drops both databases at the end
    python3 bench/bench_install.py --keep               # keep the base and the measured database
    python3 bench/bench_install.py --reuse-base --keep  # reuse the kept base (its data are not regenerated)
    python3 bench/bench_install.py --scale 0.02         # 2 % of the counts, to try the script quickly

The figures are those of the machine that runs it; on a shared machine they are noisy.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta

from bench_common import DEFAULT_ADDONS_PATH, MODULE, REPO_ROOT, database_exists, drop_database, run_measured, say

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import SQL
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import dateutil as safe_dateutil
from odoo.tools.safe_eval import safe_eval
from odoo.tools.safe_eval import time as safe_time

TIME_GOAL = 600  # seconds, install
RSS_GOAL = 1024  # MiB, every step
SPEC_PARAM = "bench_install.spec"
COMPANIES, CONTACTS, DEALS, ACTIVITIES = 100_000, 50_000, 1_000_000, 3_000_000
TEAMS = (("Sales", 14), ("Key Accounts", 12), ("Distribution", 12), ("Export", 12))  # name, salespeople
SALES_LOGIN = "bench_inst_sp{:02d}"
LEAD_LOGIN = "bench_inst_lead{}"
HEAD_LOGIN = "bench_inst_head"
PARTNER_REF = "BENCH-INST-"
SAMPLE = 3000
UNINSTALL_SCRIPT = f"""
module = env["ir.module.module"].search([("name", "=", "{MODULE}")])
module.button_immediate_uninstall()
env.cr.commit()
"""
CRM_RULE_DOMAINS = {
    "crm_rule_personal_lead": "['|',('user_id','=',user.id),('user_id','=',False)]",
    "crm_activity_report_rule_personal_activities": "['|',('user_id','=',user.id),('user_id','=',False)]",
}


def draw(seed, modulo, key="id"):
    """A deterministic pseudo-random integer in [0, modulo) per key, independent from one seed to another."""
    return f"mod(hashint4extended({key}, {seed}) & 2147483647, {modulo})::int"


COMPANIES_SQL = f"""
WITH numbered AS MATERIALIZED (
    SELECT nextval('res_partner_id_seq')::int AS id, n FROM generate_series(%(lo)s, %(hi)s) AS n
), named AS (
    SELECT id, n,
           CASE {draw(41, 5, "n")} WHEN 0 THEN 'ООО «Ромашка-' || n || '»' WHEN 1 THEN 'АО "Техносила ' || n || '"'
                WHEN 2 THEN 'Client ' || n || ' LLC' WHEN 3 THEN 'Industrial Supply ' || n || ' Ltd.'
                ELSE 'ИП Ёлкин ' || n END AS name,
           to_char(7700000000 + mod(n * 7, 9999991), 'FM0000000000') AS inn,
           lpad(mod(n * 13, 10000000)::text, 7, '0') AS digits,
           {draw(43, 100, "n")} AS d_vat, {draw(44, 100, "n")} AS d_phone, {draw(45, 100, "n")} AS d_mail
      FROM numbered
)
INSERT INTO res_partner (
    id, name, complete_name, commercial_partner_id, commercial_company_name, ref, type, is_company, active,
    lang, tz, user_id, country_id, city, street, zip, vat, phone, mobile, email, email_normalized, website,
    partner_share, employee, create_uid, write_uid, create_date, write_date
)
SELECT id, name, name, id, name, %(ref)s || n, 'contact', TRUE, TRUE, 'en_US', 'Europe/Moscow',
       CASE WHEN {draw(42, 10, "n")} < 9 THEN (%(user_ids)s::int[])[1 + {draw(46, "%(n_users)s", "n")}] END,
       %(country_id)s, (ARRAY['Moscow', 'Kazan', 'Samara', 'Tver', 'Perm', 'Omsk'])[1 + {draw(47, 6, "n")}],
       'ul. Lenina, ' || (1 + {draw(48, 200, "n")}), (100000 + {draw(49, 900000, "n")})::text,
       CASE WHEN d_vat < 30 THEN 'RU' || inn WHEN d_vat < 45 THEN 'ru ' || substr(inn, 1, 4) || '-' || substr(inn, 5)
            WHEN d_vat < 60 THEN inn END,
       CASE WHEN d_phone < 40 THEN '+7 (495) ' || digits WHEN d_phone < 70 THEN '8 495 ' || digits
            WHEN d_phone < 80 THEN '12-34' END,
       CASE WHEN d_phone >= 70 THEN '+7 916 ' || digits END,
       CASE WHEN d_mail < 55 THEN 'info@client' || n || '.example.ru'
            WHEN d_mail < 70 THEN 'client' || n || '@gmail.com'
            WHEN d_mail < 75 THEN 'Sales <SALES@Client' || n || '.Example.com>' END,
       CASE WHEN d_mail < 55 THEN 'info@client' || n || '.example.ru'
            WHEN d_mail < 70 THEN 'client' || n || '@gmail.com'
            WHEN d_mail < 75 THEN 'sales@client' || n || '.example.com' END,
       CASE WHEN d_mail < 55 THEN 'https://client' || n || '.example.ru' END,
       TRUE, FALSE, %(uid)s, %(uid)s,
       %(now)s::timestamp - make_interval(days => {draw(50, 2190, "n")}), %(now)s::timestamp
  FROM named
"""

CONTACTS_SQL = f"""
WITH numbered AS MATERIALIZED (
    SELECT nextval('res_partner_id_seq')::int AS id, n,
           (%(company_ids)s::int[])[1 + {draw(51, "%(n_companies)s", "n")}] AS parent_id
      FROM generate_series(%(lo)s, %(hi)s) AS n
), named AS (
    SELECT c.id, c.n, c.parent_id, p.name AS company_name, p.user_id, p.city, p.create_date,
           (ARRAY['Ivan', 'Olga', 'Pavel', 'Anna', 'John', 'Mary'])[1 + {draw(52, 6, "c.n")}] || ' '
           || (ARRAY['Petrov', 'Smirnova', 'Ivanov', 'Orlova', 'Smith', 'Brown'])[1 + {draw(53, 6, "c.n")}]
           || ' ' || c.n AS name,
           coalesce(nullif(split_part(p.email_normalized, '@', 2), 'gmail.com'), 'mail.ru') AS domain
      FROM numbered c JOIN res_partner p ON p.id = c.parent_id
)
INSERT INTO res_partner (
    id, name, complete_name, parent_id, commercial_partner_id, commercial_company_name, ref, type, is_company,
    active, lang, tz, user_id, country_id, city, function, phone, email, email_normalized, partner_share,
    employee, create_uid, write_uid, create_date, write_date
)
SELECT id, name, company_name || ', ' || name, parent_id, parent_id, company_name, %(ref)s || 'P' || n, 'contact',
       FALSE, TRUE, 'en_US', 'Europe/Moscow', user_id, %(country_id)s, city,
       (ARRAY['Director', 'Buyer', 'Chief Engineer', NULL])[1 + {draw(54, 4, "n")}],
       CASE WHEN {draw(55, 100, "n")} < 70 THEN '+7 903 ' || lpad(mod(n * 17, 10000000)::text, 7, '0') END,
       CASE WHEN {draw(56, 100, "n")} < 80 THEN 'person' || n || '@' || domain END,
       CASE WHEN {draw(56, 100, "n")} < 80 THEN 'person' || n || '@' || domain END,
       TRUE, FALSE, %(uid)s, %(uid)s, create_date, create_date
  FROM named
"""

# One chunk of deals; every draw is keyed on the deal's id.
DEALS_SQL = f"""
WITH numbered AS MATERIALIZED (
    SELECT nextval('crm_lead_id_seq')::int AS id FROM generate_series(1, %(count)s)
), drawn AS (
    SELECT id, CASE WHEN {draw(1, 100)} < 10 THEN 'lead' ELSE 'opportunity' END AS type,
           {draw(2, 100)} AS state_draw, {draw(3, 1000)} AS team_draw, {draw(4, 1000)} AS user_draw,
           {draw(5, 1000)} AS stage_draw, {draw(6, 100000)} / 100000.0 AS age_draw, {draw(7, 100)} AS quick_draw
      FROM numbered
), stated AS (
    SELECT d.*,
           CASE WHEN type = 'lead' THEN CASE WHEN state_draw < 70 THEN 'open' ELSE 'lost' END
                WHEN state_draw < 35 THEN 'open' WHEN state_draw < 70 THEN 'won' ELSE 'lost' END AS state,
           1 + mod(team_draw, %(n_teams)s) AS t
      FROM drawn d
), placed AS (
    SELECT s.*,
           CASE WHEN team_draw < 980 THEN (%(team_ids)s::int[])[t] END AS team_id,
           CASE WHEN user_draw < 970
                THEN (%(user_ids)s::int[])[(%(user_start)s::int[])[t] + mod(user_draw, (%(user_count)s::int[])[t])]
           END AS user_id,
           CASE WHEN type = 'lead' AND stage_draw < 500 THEN NULL
                WHEN type = 'opportunity' AND stage_draw < 20 THEN NULL
                WHEN state = 'won' THEN %(won_stage_id)s
                ELSE (%(stage_ids)s::int[])[(%(stage_start)s::int[])[t] + mod(stage_draw, (%(stage_count)s::int[])[t])]
           END AS stage_id,
           %(now)s::timestamp
               - make_interval(days => CASE WHEN state = 'open' THEN floor(730 * age_draw)::int
                                            ELSE floor(2190 * age_draw)::int END,
                               secs => {draw(8, 86400)}) AS created
      FROM stated s
), dated AS (
    SELECT p.*,
           CASE WHEN state = 'open' THEN NULL
                WHEN quick_draw < 3 THEN created + make_interval(secs => {draw(9, 72000)})
                WHEN quick_draw < 4 THEN created - make_interval(hours => 1 + {draw(10, 48)})
                ELSE least(created + make_interval(days => 1 + {draw(11, 240)}, secs => {draw(12, 86400)}),
                           %(now)s::timestamp)
           END AS closed,
           (500 + {draw(13, 200000)})::numeric AS revenue
      FROM placed p
), staged AS (
    SELECT d.*,
           CASE WHEN {draw(14, 100)} < 3 THEN NULL WHEN closed IS NOT NULL THEN closed
                ELSE least(created + make_interval(days => {draw(15, 120)}), %(now)s::timestamp) END AS moved,
           CASE state WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE 10 + {draw(16, 80)} END AS probability,
           CASE WHEN type = 'lead' AND {draw(18, 100)} >= 20 THEN NULL WHEN {draw(18, 100)} >= 85 THEN NULL
                ELSE (%(partner_ids)s::int[])[1 + {draw(19, "%(n_partners)s")}] END AS partner_id
      FROM dated d
)
INSERT INTO crm_lead (
    id, name, type, active, team_id, user_id, company_id, stage_id, partner_id, contact_name, email_from,
    email_normalized, phone, priority, expected_revenue, prorated_revenue, probability, automated_probability,
    description, source_id, lost_reason_id, date_open, date_closed, date_last_stage_update, date_deadline,
    day_open, day_close, color, create_uid, write_uid, create_date, write_date
)
SELECT id, (ARRAY['Pumps', 'Valves', 'Pipes', 'Boilers', 'Filters'])[1 + {draw(20, 5)}] || ' for plant ' || id,
       type, state <> 'lost', team_id, user_id,
       CASE WHEN {draw(17, 100)} >= 5 THEN %(company_id)s END, stage_id, partner_id,
       CASE WHEN partner_id IS NULL THEN 'Visitor ' || id END,
       'buyer' || id || '@example.com', 'buyer' || id || '@example.com',
       CASE WHEN {draw(21, 100)} < 50 THEN '+7 912 ' || lpad(mod(id * 11, 10000000)::text, 7, '0') END,
       (ARRAY['0', '0', '1', '1', '2', '3'])[1 + {draw(22, 6)}], revenue,
       round(revenue * probability / 100, 2), probability, probability,
       CASE WHEN {draw(23, 100)} < 60 THEN 'The client needs equipment for a new plant.' END,
       CASE WHEN {draw(24, 100)} < 70 THEN (%(source_ids)s::int[])[1 + {draw(25, "%(n_sources)s")}] END,
       CASE WHEN state = 'lost' THEN (%(reason_ids)s::int[])[1 + {draw(26, "%(n_reasons)s")}] END,
       CASE WHEN user_id IS NOT NULL THEN created END, closed, moved,
       CASE WHEN {draw(27, 100)} < 40 THEN (created + make_interval(days => 30 + {draw(28, 90)}))::date END,
       0, CASE WHEN closed IS NOT NULL THEN abs(extract(epoch FROM closed - created) / 86400) ELSE 0 END, 0,
       coalesce(user_id, %(uid)s), coalesce(user_id, %(uid)s), created, coalesce(closed, moved, created)
  FROM staged
"""

# The activities of one range of deal ids: planned ones on 88 % of the open deals (1 to 3 each), done ones
# (archived, as types that keep done activities do) to reach the target on every deal.
ACTIVITIES_SQL = f"""
WITH deals AS (
    SELECT l.id, l.name, coalesce(l.user_id, %(uid)s) AS user_id, l.create_date AS created,
           coalesce(l.date_closed, l.date_last_stage_update, l.create_date) AS last,
           l.active AND l.date_closed IS NULL AS is_open
      FROM crm_lead l
     WHERE l.id BETWEEN %(lo)s AND %(hi)s
), counted AS (
    SELECT d.*,
           CASE WHEN is_open AND {draw(61, 100, "d.id")} >= 12 THEN 1 + {draw(62, 3, "d.id")} ELSE 0 END AS planned,
           %(done_base)s + CASE WHEN {draw(63, 1000, "d.id")} < %(done_extra)s THEN 1 ELSE 0 END AS done
      FROM deals d
), rows_ AS (
    SELECT c.*, s, s <= planned AS is_planned, c.id * 16 + s AS k
      FROM counted c CROSS JOIN LATERAL generate_series(1, c.planned + c.done) AS s
), typed AS (
    SELECT r.*,
           CASE WHEN is_planned THEN (%(planned_types)s::int[])[1 + {draw(64, 5, "k")}]
                ELSE (%(done_types)s::int[])[1 + {draw(65, 2, "k")}] END AS type_id,
           CASE WHEN is_planned THEN %(today)s::date + ({draw(66, 60, "k")} - 20)
                ELSE (created + (last - created) * ({draw(67, 1000, "k")} / 1000.0))::date END AS deadline
      FROM rows_ r
)
INSERT INTO mail_activity (
    res_model_id, res_model, res_id, res_name, activity_type_id, user_id, user_tz, summary, date_deadline,
    date_done, active, automated, create_uid, write_uid, create_date, write_date
)
SELECT %(model_id)s, 'crm.lead', id, name, type_id, user_id, 'Europe/Moscow',
       CASE WHEN {draw(68, 4, "k")} = 0 THEN 'Call back about the quote' END,
       deadline, CASE WHEN NOT is_planned THEN deadline END, is_planned, FALSE, user_id, user_id,
       CASE WHEN is_planned THEN %(now)s::timestamp - make_interval(days => {draw(69, 20, "k")})
            ELSE deadline - 3 END,
       CASE WHEN is_planned THEN %(now)s::timestamp ELSE deadline + 1 END
  FROM typed
"""

# A quarter of the meetings of one range of activity ids get their calendar event, as the calendar makes them.
EVENTS_SQL = f"""
WITH picked AS MATERIALIZED (
    SELECT a.id AS activity_id, nextval('calendar_event_id_seq')::int AS event_id, a.res_id, a.res_name,
           a.user_id, a.date_deadline + time '08:00' + make_interval(mins => 30 * {draw(71, 16, "a.id")}) AS start
      FROM mail_activity a
     WHERE a.id BETWEEN %(lo)s AND %(hi)s AND a.activity_type_id = %(meeting_id)s AND {draw(72, 4, "a.id")} = 0
), events AS (
    INSERT INTO calendar_event (
        id, name, start, stop, duration, allday, show_as, privacy, active, user_id, res_model, res_model_id,
        res_id, opportunity_id, create_uid, write_uid, create_date, write_date
    )
    SELECT event_id, 'Meeting: ' || left(res_name, 60), start, start + interval '1 hour', 1.0, FALSE, 'busy',
           'public', TRUE, user_id, 'crm.lead', %(model_id)s, res_id, res_id, user_id, user_id, start, start
      FROM picked
    RETURNING id
)
UPDATE mail_activity a SET calendar_event_id = p.event_id FROM picked p WHERE a.id = p.activity_id
"""

# What the upgrade must keep: aggregates over the addon's columns and tables.
SNAPSHOT_QUERIES = {
    "deals: start date, type, length, after the fact": """
        SELECT count(date_started), max(date_started), count(deal_type), sum(cycle_days),
               count(*) FILTER (WHERE recorded_after_fact) FROM crm_lead""",
    "stage stays": "SELECT count(*), count(date_out), sum(lead_id), max(date_in) FROM crm_lead_stage_history",
    "partners: normalised keys, status": """
        SELECT count(vat_normalized), count(phone_normalized), count(email_domain), count(name_normalized),
               count(*) FILTER (WHERE client_status = 'inquiry'), sum(data_completeness) FROM res_partner""",
    "activities: scheduled at": "SELECT count(scheduled_at), max(scheduled_at) FROM mail_activity",
    "companies: policies": """
        SELECT string_agg(concat_ws('/', id, discipline_backdate_hours, discipline_client_active_days), ','
                          ORDER BY id) FROM res_company""",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full counts (default 1.0)")
    parser.add_argument("--base-db", default="sd_bench_install_base", help="generated stock CRM database")
    parser.add_argument("--db", default="sd_bench_install", help="measured database, a copy of the base")
    parser.add_argument("--reuse-base", action="store_true", help="reuse the base database when it has this scale")
    parser.add_argument("--keep", action="store_true", help="keep the base and the measured database")
    parser.add_argument("--addons-path", default=DEFAULT_ADDONS_PATH, help="Odoo addons path (with the addon)")
    parser.add_argument("--chunk", type=int, default=200_000, help="rows per generating statement (default 200000)")
    parser.add_argument("--logs", default=None, help="folder for the Odoo logs of the steps (default: a temp folder)")
    args = parser.parse_args()
    if not (args.db.startswith("sd_bench_install") and args.base_db.startswith("sd_bench_install")):
        parser.error("database names must start with sd_bench_install")
    return args


def psql(db, query):
    subprocess.run(["psql", "-d", db, "-qc", query], check=True, capture_output=True)


def close_registry(db):
    Registry.delete(db)
    odoo.sql_db.close_db(db)


# ----------------------------------------------------------------------
# Base database: stock CRM and the generated data
# ----------------------------------------------------------------------


def build_base(args):
    say(f"Creating {args.base_db} with stock crm (no demo data) ...")
    mark = time.perf_counter()
    base_addons = ",".join(p for p in args.addons_path.split(",") if os.path.abspath(p) != REPO_ROOT)
    command = [
        sys.executable, "-m", "odoo", "-d", args.base_db, f"--addons-path={base_addons}", "-i", "crm",
        "--without-demo=all", "--stop-after-init", "--no-http", "--log-level=warn",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        say(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"installing crm on {args.base_db} failed")
    say(f"  crm installed in {time.perf_counter() - mark:.0f} s")
    registry = Registry(args.base_db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        setup = set_up_sales(env)
        cr.commit()
        generate(env, args, setup)
        env["ir.config_parameter"].set_param(SPEC_PARAM, str(args.scale))
        cr.commit()
    close_registry(args.base_db)
    mark = time.perf_counter()
    for table in ("res_partner", "crm_lead", "mail_activity", "calendar_event"):
        psql(args.base_db, f"VACUUM ANALYZE {table}")
    say(f"  VACUUM ANALYZE in {time.perf_counter() - mark:.0f} s")


def set_up_sales(env):
    """Leads enabled, four teams with a lead and their salespeople, a head of sales, a team stage."""
    env["res.config.settings"].create({"group_use_lead": True}).execute()
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True, tracking_disable=True)
    salesman = env.ref("sales_team.group_sale_salesman")
    all_leads = env.ref("sales_team.group_sale_salesman_all_leads")
    manager = env.ref("sales_team.group_sale_manager")
    Users.create(
        {"name": "Bench Head of Sales", "login": HEAD_LOGIN, "groups_id": [Command.set(manager.ids)], "tz": "UTC"}
    )
    teams, members, number = [], [], 0
    for index, (name, size) in enumerate(TEAMS, start=1):
        lead = Users.create(
            {
                "name": f"Bench Team Lead {index}",
                "login": LEAD_LOGIN.format(index),
                "groups_id": [Command.set(all_leads.ids)],
                "tz": "Europe/Moscow",
            }
        )
        people = Users.create(
            [
                {
                    "name": f"Bench Salesperson {number + i:02d}",
                    "login": SALES_LOGIN.format(number + i),
                    "groups_id": [Command.set(salesman.ids)],
                    "tz": "Europe/Moscow",
                }
                for i in range(1, size + 1)
            ]
        )
        number += size
        team = env.ref("sales_team.team_sales_department") if index == 1 else env["crm.team"].create({"name": name})
        team.write(
            {
                "user_id": lead.id,
                "use_leads": True,
                "use_opportunities": True,
                "crm_team_member_ids": [Command.create({"user_id": user.id}) for user in people],
            }
        )
        teams.append(team)
        members.append(people)
    Stage = env["crm.stage"]
    open_stages = Stage.search([("is_won", "=", False), ("team_id", "=", False)], order="sequence, id")
    team_stage = Stage.create({"name": "Samples Sent", "sequence": 2, "team_id": teams[2].id})
    stages = [open_stages if i != 2 else open_stages | team_stage for i in range(len(teams))]
    keep_done = env.ref("mail.mail_activity_data_call") | env.ref("mail.mail_activity_data_meeting")
    keep_done.write({"keep_done": True})
    return {"teams": teams, "members": members, "stages": stages}


def chunks(total, size):
    done = 0
    while done < total:
        count = min(size, total - done)
        yield done + 1, done + count
        done += count


def generate(env, args, setup):
    cr = env.cr
    now = datetime.utcnow().replace(microsecond=0)
    counts = {name: max(1, round(full * args.scale)) for name, full in (
        ("companies", COMPANIES), ("contacts", CONTACTS), ("deals", DEALS), ("activities", ACTIVITIES))}  # fmt: skip
    user_ids, user_start, user_count = [], [], []
    for people in setup["members"]:
        user_start.append(len(user_ids) + 1)
        user_count.append(len(people))
        user_ids += people.ids
    base = {"now": now, "uid": SUPERUSER_ID, "ref": PARTNER_REF, "country_id": env.ref("base.ru").id}
    mark = time.perf_counter()
    for lo, hi in chunks(counts["companies"], args.chunk):
        cr.execute(COMPANIES_SQL, {**base, "lo": lo, "hi": hi, "user_ids": user_ids, "n_users": len(user_ids)})
        cr.commit()
    cr.execute("SELECT id FROM res_partner WHERE is_company AND ref LIKE %s ORDER BY id", [PARTNER_REF + "%"])
    company_ids = [row[0] for row in cr.fetchall()]
    for lo, hi in chunks(counts["contacts"], args.chunk):
        cr.execute(
            CONTACTS_SQL, {**base, "lo": lo, "hi": hi, "company_ids": company_ids, "n_companies": len(company_ids)}
        )
        cr.commit()
    cr.execute("SELECT id FROM res_partner WHERE ref LIKE %s ORDER BY id", [PARTNER_REF + "%"])
    partner_ids = [row[0] for row in cr.fetchall()]
    say(f"  partners: {len(partner_ids):,} ({time.perf_counter() - mark:.0f} s)")

    stage_ids, stage_start, stage_count = [], [], []
    for stages in setup["stages"]:
        stage_start.append(len(stage_ids) + 1)
        stage_count.append(len(stages))
        stage_ids += stages.ids
    cr.execute("SELECT id FROM utm_source ORDER BY id")
    source_ids = [row[0] for row in cr.fetchall()] or [None]
    reason_ids = env["crm.lost.reason"].search([]).ids
    deal_params = {
        **base,
        "company_id": env.company.id,
        "n_teams": len(setup["teams"]),
        "team_ids": [team.id for team in setup["teams"]],
        "user_ids": user_ids,
        "user_start": user_start,
        "user_count": user_count,
        "stage_ids": stage_ids,
        "stage_start": stage_start,
        "stage_count": stage_count,
        "won_stage_id": env["crm.stage"].search([("is_won", "=", True)], limit=1).id,
        "partner_ids": partner_ids,
        "n_partners": len(partner_ids),
        "source_ids": source_ids,
        "n_sources": len(source_ids),
        "reason_ids": reason_ids,
        "n_reasons": len(reason_ids),
    }
    for _lo, hi in chunks(counts["deals"], args.chunk):
        cr.execute(DEALS_SQL, {**deal_params, "count": args.chunk if hi % args.chunk == 0 else hi % args.chunk})
        cr.commit()
        say(f"  deals: {hi:,}/{counts['deals']:,} ({time.perf_counter() - mark:.0f} s)")

    # done activities fill what the planned ones leave of the target, spread over all the deals
    cr.execute(
        "SELECT count(*) FILTER (WHERE active AND date_closed IS NULL), count(*), min(id), max(id) FROM crm_lead"
    )
    open_deals, deals, low, high = cr.fetchone()
    planned = open_deals * 0.88 * 2
    done_per_deal = max(counts["activities"] - planned, 0) / max(deals, 1)
    ref = env.ref
    activity_params = {
        **base,
        "today": now.date(),
        "model_id": env["ir.model"]._get_id("crm.lead"),
        "done_base": int(done_per_deal),
        "done_extra": round((done_per_deal - int(done_per_deal)) * 1000),
        "planned_types": [
            ref(f"mail.mail_activity_data_{name}").id for name in ("call", "meeting", "email", "todo", "call")
        ],
        "done_types": [ref("mail.mail_activity_data_call").id, ref("mail.mail_activity_data_meeting").id],
    }
    inserted = 0
    step = max(1, args.chunk // 3)
    for lo in range(low, high + 1, step):
        cr.execute(ACTIVITIES_SQL, {**activity_params, "lo": lo, "hi": min(lo + step - 1, high)})
        inserted += cr.rowcount
        cr.commit()
        say(f"  activities: {inserted:,} ({time.perf_counter() - mark:.0f} s)")
    cr.execute("SELECT min(id), max(id) FROM mail_activity")
    low, high = cr.fetchone()
    events = 0
    for lo in range(low, high + 1, args.chunk * 3):
        cr.execute(
            EVENTS_SQL,
            {
                "lo": lo,
                "hi": lo + args.chunk * 3 - 1,
                "meeting_id": ref("mail.mail_activity_data_meeting").id,
                "model_id": activity_params["model_id"],
            },
        )
        events += cr.rowcount
        cr.commit()
    say(f"  calendar events linked to meetings: {events:,} ({time.perf_counter() - mark:.0f} s)")


def report_data(db):
    registry = Registry(db)
    with registry.cursor() as cr:
        cr.execute("SELECT count(*), count(*) FILTER (WHERE is_company) FROM res_partner")
        partners, companies = cr.fetchone()
        cr.execute(
            """SELECT count(*), count(*) FILTER (WHERE type = 'lead'), count(*) FILTER (WHERE NOT active),
                      count(*) FILTER (WHERE s.is_won), count(*) FILTER (WHERE stage_id IS NULL),
                      min(l.create_date)::date, max(l.create_date)::date
                 FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id"""
        )
        deals, leads, lost, won, no_stage, first, last = cr.fetchone()
        cr.execute("SELECT count(*), count(*) FILTER (WHERE active), count(calendar_event_id) FROM mail_activity")
        activities, planned, with_event = cr.fetchone()
    close_registry(db)
    say(
        f"Data: {partners:,} partners ({companies:,} companies); {deals:,} deals ({leads:,} leads, {won:,} won, "
        f"{lost:,} lost, {no_stage:,} without stage, created {first} .. {last}); {activities:,} activities "
        f"({planned:,} planned, {with_event:,} with a calendar event)"
    )
    return {"partners": partners, "deals": deals, "activities": activities}


# ----------------------------------------------------------------------
# Measured steps
# ----------------------------------------------------------------------


def odoo_step(args, name, option=None, stdin=None):
    """Install (-i), upgrade (-u) or, with ``stdin``, run a shell script; measured in its own process."""
    command = [sys.executable, "-m", "odoo"]
    if stdin is not None:
        command.append("shell")
    command += ["-d", args.db, f"--addons-path={args.addons_path}", "--no-http", "--log-level=info"]
    if option:
        command += [option, MODULE, "--without-demo=all", "--stop-after-init"]
    log_path = os.path.join(args.logs, f"{name}.log")
    say(f"{name.capitalize()} ({' '.join(command[3:])}) ...")
    step = run_measured(command, log_path, stdin=stdin)
    step["ok"] = step["returncode"] == 0 and not step["errors"]
    say(
        f"  {name}: {step['seconds']:.1f} s, peak RSS {step['peak_rss_mib']:.0f} MiB, exit code {step['returncode']}, "
        f"{len(step['errors'])} error lines; log {log_path}"
    )
    for line in step["errors"][:5]:
        say(f"    {line[:300]}")
    lines = step["log"].splitlines()
    recomputed = sorted(
        {line.split("Prepare computation of ", 1)[1].strip() for line in lines if "Prepare computation of" in line}
    )
    step["recomputed"] = recomputed
    if recomputed:
        say(f"  fields the ORM recomputed on existing rows: {', '.join(recomputed)}")
    for line in lines:
        if (
            f"{MODULE}.hooks" in line
            or f"Module {MODULE} loaded" in line
            or "odoo.addons.sales_discipline.migrations" in line
        ):
            say(f"    {line.split(' ', 4)[-1][:200]}")
    return step


# ----------------------------------------------------------------------
# Checks in this process
# ----------------------------------------------------------------------


def normalise(value):
    if value is None or value is False:
        return None
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value


def compare_with_orm(env, model_name, field_names, ids):
    """Recompute ``field_names`` on ``ids`` with the ORM (after blanking them) and compare with what is stored."""
    cr = env.cr
    Model = env[model_name].with_context(active_test=False)
    table = SQL.identifier(Model._table)
    columns = SQL(", ").join(SQL.identifier(name) for name in field_names)
    select = SQL("SELECT id, %s FROM %s WHERE id = ANY(%s) ORDER BY id", columns, table, ids)
    cr.execute(select)
    stored = {row[0]: tuple(map(normalise, row[1:])) for row in cr.fetchall()}
    blank = SQL(", ").join(SQL("%s = NULL", SQL.identifier(name)) for name in field_names)
    cr.execute(SQL("UPDATE %s SET %s WHERE id = ANY(%s)", table, blank, ids))
    env.invalidate_all()
    records = Model.browse(ids)
    for name in field_names:
        env.add_to_compute(Model._fields[name], records)
    env.flush_all()
    cr.execute(select)
    computed = {row[0]: tuple(map(normalise, row[1:])) for row in cr.fetchall()}
    cr.rollback()
    env.invalidate_all()
    mismatches = [
        (record_id, stored[record_id], computed[record_id])
        for record_id in ids
        if stored[record_id] != computed[record_id]
    ]
    return mismatches


def sample_ids(cr, query, *params):
    cr.execute(query, params)
    return [row[0] for row in cr.fetchall()]


def check_install_data(db):
    """The install filled what the ORM would have: start dates, stage stays, and computed columns (samples)."""
    checks = []
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SELECT count(*) FILTER (WHERE date_started IS DISTINCT FROM create_date) FROM crm_lead")
        wrong_start = cr.fetchone()[0]
        checks.append(("every deal's start date is its creation date", wrong_start == 0, f"{wrong_start} differ"))
        cr.execute(
            """SELECT count(*) FILTER (WHERE l.stage_id IS NOT NULL),
                      (SELECT count(*) FROM crm_lead_stage_history),
                      (SELECT count(*) FROM crm_lead_stage_history h JOIN crm_lead l ON l.id = h.lead_id
                        WHERE h.date_out IS NULL AND h.stage_id = l.stage_id
                          AND h.date_in = coalesce(l.date_last_stage_update, l.create_date))
                 FROM crm_lead l"""
        )
        with_stage, stays, right = cr.fetchone()
        checks.append(
            (
                "one open stay in its stage per deal that has a stage",
                with_stage == stays == right,
                f"{with_stage:,} deals with a stage, {stays:,} stays, {right:,} matching",
            )
        )
        samples = {
            ("crm.lead", ("deal_type", "cycle_days", "recorded_after_fact")): sample_ids(
                cr,
                """(SELECT id FROM crm_lead ORDER BY hashint4(id) LIMIT %s)
                   UNION (SELECT id FROM crm_lead WHERE recorded_after_fact LIMIT 300)
                   UNION (SELECT id FROM crm_lead WHERE date_closed < create_date LIMIT 100)
                   UNION (SELECT id FROM crm_lead WHERE type = 'lead' LIMIT 100)""",
                SAMPLE,
            ),
            ("res.partner", ("vat_normalized", "phone_normalized", "email_domain", "name_normalized")): sample_ids(
                cr, "SELECT id FROM res_partner ORDER BY hashint4(id) LIMIT %s", SAMPLE
            ),
            ("mail.activity", ("scheduled_at",)): sample_ids(
                cr,
                """(SELECT id FROM mail_activity ORDER BY hashint4(id) LIMIT %s)
                   UNION (SELECT id FROM mail_activity WHERE calendar_event_id IS NOT NULL LIMIT 500)""",
                SAMPLE,
            ),
        }
        for (model, names), ids in samples.items():
            present = [name for name in names if name in env[model]._fields and env[model]._fields[name].store]
            mismatches = compare_with_orm(env, model, present, ids)
            detail = f"{len(ids):,} records, {len(mismatches)} differ"
            if mismatches:
                detail += "; e.g. " + "; ".join(f"#{i}: stored {s}, ORM {c}" for i, s, c in mismatches[:3])
            checks.append((f"{model} {', '.join(present)} equal the ORM's computes", not mismatches, detail))
        cr.rollback()
    close_registry(db)
    return checks


def snapshot(db):
    result = {}
    for label, query in SNAPSHOT_QUERIES.items():
        result[label] = subprocess.run(
            ["psql", "-d", db, "-qAtc", query], capture_output=True, text=True, check=True
        ).stdout.strip()
    return result


def addon_schema(db):
    """The tables, columns and indexes that exist because of the addon, listed from ir_model_data and the catalog."""
    registry = Registry(db)
    tables, columns, indexes, fields = set(), set(), set(), set()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        only_ours = """NOT EXISTS (SELECT 1 FROM ir_model_data o WHERE o.model = d.model AND o.res_id = d.res_id
                                  AND o.module <> d.module)"""
        cr.execute(
            f"""SELECT m.model FROM ir_model m JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
                 WHERE d.module = %s AND {only_ours}""",
            [MODULE],
        )
        for (model,) in cr.fetchall():
            if model in env and env[model]._table:
                tables.add(env[model]._table)
        cr.execute(
            f"""SELECT f.model, f.name, f.ttype, f.store, f.relation_table FROM ir_model_fields f
                  JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
                 WHERE d.module = %s AND {only_ours}""",
            [MODULE],
        )
        for model, name, ttype, store, relation_table in cr.fetchall():
            fields.add((model, name))
            if not store or ttype == "one2many" or model not in env:
                continue
            if ttype == "many2many":
                if relation_table:
                    tables.add(relation_table)
            elif env[model]._auto and env[model]._table not in tables:
                columns.add((env[model]._table, name))
        cr.execute(
            """SELECT r.name FROM ir_model_relation r JOIN ir_module_module m ON m.id = r.module WHERE m.name = %s""",
            [MODULE],
        )
        tables.update(row[0] for row in cr.fetchall())
        cr.execute(
            """SELECT i.indexname, i.tablename FROM pg_indexes i WHERE i.schemaname = 'public'
                AND (i.indexname ILIKE '%%discipline%%'
                     OR EXISTS (SELECT 1 FROM unnest(%s::text[], %s::text[]) c(t, n)
                                 WHERE c.t = i.tablename AND i.indexdef ~ ('\\m' || c.n || '\\M')))""",
            [[t for t, _n in columns], [n for _t, n in columns]],
        )
        indexes = {name for name, table in cr.fetchall() if table not in tables}
    close_registry(db)
    return {"tables": tables, "columns": columns, "indexes": indexes, "fields": fields}


def check_uninstalled(db, schema):
    checks = []
    registry = Registry(db)
    with registry.cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [MODULE])
        state = cr.fetchone()[0]
        checks.append(("the module is uninstalled", state == "uninstalled", state))
        cr.execute("SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL", [sorted(schema["tables"])])
        left = [row[0] for row in cr.fetchall()]
        checks.append(
            (f"none of the addon's {len(schema['tables'])} tables and views left", not left, ", ".join(left) or "none")
        )
        cr.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")
        existing = set(cr.fetchall())
        left = sorted(f"{t}.{c}" for t, c in schema["columns"] & existing)
        checks.append(
            (
                f"none of the addon's {len(schema['columns'])} columns on other tables is left",
                not left,
                ", ".join(left) or "none",
            )
        )
        cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [sorted(schema["indexes"])])
        left = sorted(row[0] for row in cr.fetchall())
        checks.append(
            (f"none of the addon's {len(schema['indexes'])} indexes is left", not left, ", ".join(left) or "none")
        )
        cr.execute(
            "SELECT count(*) FROM ir_model_fields WHERE (model || '.' || name) = ANY(%s)",
            [sorted(f"{m}.{n}" for m, n in schema["fields"])],
        )
        left = cr.fetchone()[0]
        checks.append(("no field of the addon left in ir_model_fields", left == 0, f"{left} left"))
        cr.execute("SELECT count(*) FROM ir_model_data WHERE module = %s", [MODULE])
        left = cr.fetchone()[0]
        checks.append(("no ir_model_data of the addon left", left == 0, f"{left} left"))
        cr.execute(
            """SELECT d.name, r.domain_force FROM ir_rule r JOIN ir_model_data d ON d.model = 'ir.rule'
                AND d.res_id = r.id AND d.module = 'crm' WHERE d.name = ANY(%s)""",
            [list(CRM_RULE_DOMAINS)],
        )
        rules = dict(cr.fetchall())
        wrong = [name for name, domain in CRM_RULE_DOMAINS.items() if rules.get(name) != domain]
        checks.append(("crm's own-documents rules have their domains back", not wrong, ", ".join(wrong) or "both"))
        cr.execute("SELECT key FROM ir_config_parameter WHERE key LIKE %s", [f"{MODULE}.%"])
        params = [row[0] for row in cr.fetchall()]
        say(f"  info: system parameters of the addon left: {', '.join(params) or 'none'}")
    close_registry(db)
    return checks


# ----------------------------------------------------------------------
# CRM screens, opened the way the web client does
# ----------------------------------------------------------------------


def eval_context(env):
    company = env.company.id
    return {
        "uid": env.uid,
        "user": env.user,
        "allowed_company_ids": [company],
        "current_company_id": company,
        "active_id": False,
        "active_ids": [],
        "active_model": False,
        "context_today": safe_datetime.date.today,
        "datetime": safe_datetime,
        "relativedelta": safe_dateutil.relativedelta.relativedelta,
        "time": safe_time,
    }


def view_fields_spec(fields_info):
    spec = {}
    for name, info in fields_info.items():
        relational = info.get("type") in ("many2one", "one2many", "many2many")
        spec[name] = {"fields": {"display_name": {}}} if relational else {}
    return spec


def open_screen(env, action):
    """Load one window action's views and fetch their data as the web client does; raise on any error."""
    values = eval_context(env)
    context = dict(env.context, **safe_eval(action.context or "{}", values))
    context = {k: v for k, v in context.items() if not k.startswith("search_default") and k != "group_by"}
    domain = safe_eval(action.domain or "[]", values)
    Model = env[action.res_model].with_context(context)
    views = [[view_id, view_type] for view_id, view_type in action.views]
    if action.search_view_id:
        views.append([action.search_view_id.id, "search"])
    elif "search" not in [v for _i, v in views]:
        views.append([False, "search"])
    options = {"action_id": action.id, "toolbar": True, "load_filters": True}
    Model.get_views(views, options)  # what the client loads first, all views at once
    record_id = None
    for view_id, view_type in views:
        if view_type != "search":
            record_id = fetch_view_data(
                Model, domain, Model.get_views([[view_id, view_type]], options), view_type, record_id
            )


def fetch_view_data(Model, domain, result, view_type, record_id):
    """The data calls the web client makes for one view; returns the id of a record to open in the form."""
    env, context = Model.env, Model.env.context
    view = result["views"][view_type]
    spec = view_fields_spec(result["models"].get(Model._name, {}).get("fields", {}))
    if view_type in ("list", "kanban"):
        data = Model.web_search_read(domain, spec, limit=40 if view_type == "kanban" else 80, count_limit=10001)
        if data["records"] and record_id is None:
            record_id = data["records"][0]["id"]
        found = re.search(r'default_group_by="([^"]+)"', view["arch"])
        group_by = context.get("default_group_by") or (found and found.group(1))
        if view_type == "kanban" and group_by:
            Model.web_read_group(domain, [], [group_by], lazy=True)
    elif view_type == "form":
        if record_id:
            Model.browse(record_id).web_read(spec)
        else:
            Model.onchange({}, [], spec)
    elif view_type in ("pivot", "graph"):
        # the first dimension of the view (a field that is not a measure), as the client groups by it first
        names = re.findall(r'<field name="([^"]+)"(?![^>]*type="measure")', view["arch"])
        field = next((name for name in names if Model._fields[name].store and Model._fields[name].column_type), None)
        field = field or "create_date"
        group = f"{field}:month" if Model._fields[field].type in ("date", "datetime") else field
        Model.read_group(domain, ["__count"], [group], lazy=True)
    elif view_type == "calendar":
        found = re.search(r'date_start="([^"]+)"', view["arch"])
        if found:
            start, today = found.group(1), date.today()
            window = [(start, ">=", str(today - timedelta(days=35))), (start, "<", str(today + timedelta(days=35)))]
            Model.web_search_read(domain + window, spec, limit=200)
    elif view_type == "activity":
        env["mail.activity"].with_context(context).get_activity_data(Model._name, domain, limit=80)
    return record_id


def check_screens(db, logins, label):
    """Open every window action of the CRM app's menus the user sees; return (ok, problems, count)."""
    registry = Registry(db)
    problems, opened = [], 0
    with registry.cursor() as cr:
        root_env = api.Environment(cr, SUPERUSER_ID, {})
        crm_root = root_env.ref("crm.crm_menu_root")
        for login in logins:
            user = root_env["res.users"].search([("login", "=", login)])
            env = api.Environment(cr, user.id, {"lang": "en_US", "tz": user.tz or "UTC"})
            menus = env["ir.ui.menu"].search([("id", "child_of", crm_root.id)])
            for menu in menus:
                action = menu.sudo().action
                if not action or action._name != "ir.actions.act_window":
                    continue
                action = action.sudo()
                cr.execute("SAVEPOINT screen")
                try:
                    open_screen(env, action)
                    opened += 1
                except Exception as error:  # every failure is reported, none stops the check
                    where = f"{login}: {menu.complete_name} ({action.res_model})"
                    problems.append(f"{where}: {type(error).__name__}: {error}")
                finally:
                    cr.execute("ROLLBACK TO SAVEPOINT screen")
                    env.invalidate_all()
        cr.rollback()
    close_registry(db)
    say(f"  {label}: {opened} screens opened, {len(problems)} failed")
    for problem in problems[:10]:
        say(f"    {problem[:400]}")
    return not problems, problems, opened


# ----------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------


def main():
    args = parse_args()
    started = time.perf_counter()
    args.logs = args.logs or tempfile.mkdtemp(prefix="sd_bench_install_")
    os.makedirs(args.logs, exist_ok=True)
    odoo.tools.config.parse_config(["--addons-path=" + args.addons_path, "--log-level=warn", "--no-http"])
    if database_exists(args.db):
        raise SystemExit(f"database {args.db} exists: drop it or choose another --db")
    base_built = False
    if database_exists(args.base_db):
        spec = subprocess.run(
            ["psql", "-d", args.base_db, "-qAtc", f"SELECT value FROM ir_config_parameter WHERE key = '{SPEC_PARAM}'"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
        if not args.reuse_base or spec != str(args.scale):
            raise SystemExit(
                f"database {args.base_db} exists (scale {spec or '?'}): "
                "pass --reuse-base with the same --scale, or drop it"
            )
        say(f"Reusing the base {args.base_db} (scale {spec})")
    else:
        mark = time.perf_counter()
        build_base(args)
        base_built = True
        say(f"Base built in {time.perf_counter() - mark:.0f} s")
    try:
        run(args)
    finally:
        if not args.keep:
            for db in (args.db, args.base_db) if base_built else (args.db,):
                say(f"Dropping database {db}")
                drop_database(db)
        else:
            say(f"Kept databases {args.base_db} and {args.db}")
    say(f"Total {time.perf_counter() - started:.0f} s; logs in {args.logs}")


def run(args):
    data = report_data(args.base_db)
    say(f"Copying {args.base_db} to {args.db} ...")
    mark = time.perf_counter()
    subprocess.run(["createdb", "-T", args.base_db, args.db], check=True)
    say(f"  copied in {time.perf_counter() - mark:.0f} s")
    checks = []
    steps = {}
    steps["install"] = install = odoo_step(args, "install", "-i")
    if not install["ok"]:
        say(install["log"][-4000:])
        raise SystemExit("the install failed")
    big = ("crm.lead.", "res.partner.", "mail.activity.")
    heavy = [name for name in install["recomputed"] if name.startswith(big)]
    say("Checking the installed data ...")
    checks += check_install_data(args.db)
    sales_login, manager_login = SALES_LOGIN.format(1), HEAD_LOGIN
    check_screens(args.db, [sales_login, manager_login], "CRM screens with the addon (information)")
    before = snapshot(args.db)
    steps["upgrade"] = upgrade = odoo_step(args, "upgrade", "-u")
    after = snapshot(args.db)
    changed = [label for label in before if before[label] != after[label]]
    schema = addon_schema(args.db)
    say(
        f"The addon's schema: {len(schema['tables'])} tables and views, {len(schema['columns'])} columns on other "
        f"tables, {len(schema['indexes'])} indexes on them, {len(schema['fields'])} fields"
    )
    steps["uninstall"] = uninstall = odoo_step(args, "uninstall", stdin=UNINSTALL_SCRIPT)
    uninstall_checks = check_uninstalled(args.db, schema) if uninstall["returncode"] == 0 else []
    screens_ok, problems, opened = check_screens(args.db, [sales_login, manager_login], "CRM screens after uninstall")

    say("")
    say(f"Data: {data['partners']:,} partners, {data['deals']:,} deals, {data['activities']:,} activities")
    say("| step | wall time | peak RSS | exit code |")
    say("|---|---|---|---|")
    for name, step in steps.items():
        say(f"| {name} | {step['seconds']:.0f} s | {step['peak_rss_mib']:.0f} MiB | {step['returncode']} |")
    say("")
    verdicts = [
        (f"install ≤ {TIME_GOAL} s", install["ok"] and install["seconds"] <= TIME_GOAL, f"{install['seconds']:.0f} s"),
        *[
            (f"{name} peak RSS ≤ {RSS_GOAL} MiB", step["peak_rss_mib"] <= RSS_GOAL, f"{step['peak_rss_mib']:.0f} MiB")
            for name, step in steps.items()
        ],
        (
            "install: no field of deals, partners or activities recomputed by the ORM on existing rows",
            not heavy,
            ", ".join(heavy) or "none",
        ),
        *checks,
        ("upgrade runs without error", upgrade["ok"], f"exit code {upgrade['returncode']}"),
        ("upgrade keeps the addon's data", not changed, ", ".join(changed) or f"{len(before)} aggregates equal"),
        ("uninstall runs without error", uninstall["ok"], f"exit code {uninstall['returncode']}"),
        *uninstall_checks,
        ("every CRM screen opens after uninstall", screens_ok and opened > 0, f"{opened}, {len(problems)} failed"),
    ]
    for label, ok, detail in verdicts:
        say(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    uninstall_clean = uninstall["ok"] and all(ok for _l, ok, _d in uninstall_checks) and screens_ok
    summary = {
        f"install ≤ {TIME_GOAL} s": install["ok"] and install["seconds"] <= TIME_GOAL,
        f"peak RSS ≤ {RSS_GOAL} MiB": all(step["peak_rss_mib"] <= RSS_GOAL for step in steps.values()),
        "upgrade": upgrade["ok"] and not changed,
        "uninstall clean": uninstall_clean,
    }
    say("Verdict: " + ", ".join(f"{label} {'PASS' if ok else 'FAIL'}" for label, ok in summary.items()))
    counts = Counter(ok for _l, ok, _d in verdicts)
    say(f"{counts[True]} checks passed, {counts[False]} failed")


if __name__ == "__main__":
    main()
