"""Benchmark of the deal discipline at a real company's size: 1,000,000 deals and 3,000,000 activities.

Goals (issue "Fast at a real company's size"):
- the "without next step", "overdue" and "stale" searches are each one (anti-)join query, never
  ``activity_ids = False``, ``activity_state = False`` or a Python filter; the stale and without-next-step
  searches cost at most 1.2x the equivalent hand-written SQL;
- the addon costs at most 5 % more time on batch create and on stage write than the same calls on a database
  with stock CRM only (the baseline users care about), and at most 3 more SQL queries per call, none per extra
  record; the ratio to the addon with only its final check switched off is printed too, for information.

What it does:
1. creates the database (default ``sd_bench_deals``) and installs ``sales_discipline`` without demo data
   through the Odoo command line, and its stock twin (default ``sd_bench_deals_stock``) with stock ``crm``
   only, unless ``--reuse`` is given and they are set up;
2. adds 50 salespeople and 3 team leads (through the ORM) to three pipelines: the two shipped ones, whose
   next-step policy is "refuse", and a "Bench Distribution" one that only flags (on stock: teams with the same
   names and stages); then generates in SQL on both, with the same statements, seeds and first deal id
   (``INSERT ... SELECT generate_series``, in chunks; the addon's columns only where it is installed)
   50,000 client companies, 1,000,000 opportunities (60 % open, 25 % won, 15 % lost and archived; stages,
   owners, dates of the last stage change over the last year, last touches), about 3,000,000 activities
   (planned ones on 90 % of the open deals, done and archived ones on every deal), and on the addon one open
   stage stay per deal and each client's status as the addon's refresh leaves it, then ``VACUUM ANALYZE``;
3. times the three searches (``search`` and ``search_count``) against hand-written SQL anti-joins run
   through the same cursor, interleaved, and prints the plan (EXPLAIN ANALYZE) of the query the ORM sends;
   optionally times once the naive domains (``activity_ids = False``, ``activity_state = False``) under a
   statement timeout;
4. as a salesperson of a "refuse" pipeline, times batch creates (10 and 100 deals with their next step;
   on stock, the deals then ``activity_schedule()`` of the same step) and stage writes (10 and 100 deals) in
   three modes interleaved call by call: the addon as shipped, the addon with ``_discipline_enforce`` patched
   to a no-op, and stock CRM (both registries are open in this process); each call is what one request does
   (fresh ORM cache, the call, flush, pre-commit hooks) and is rolled back;
5. times one batch of the stale-deal cron (rolled back) and counts its queries;
6. prints a verdict per goal; the exit code is 0 whatever the verdict (non-zero only when the set-up fails).

Run from anywhere, with Odoo 18 importable as ``odoo`` and a local PostgreSQL the current user may
create databases on::

    python3 bench/bench_deal_discipline.py                 # full run (~30 min), drops its databases at the end
    python3 bench/bench_deal_discipline.py --keep          # keep both databases for later runs
    python3 bench/bench_deal_discipline.py --reuse --keep  # reuse them (installs and data are skipped)
    python3 bench/bench_deal_discipline.py --reuse --update --keep  # same, after the addon's code changed
    python3 bench/bench_deal_discipline.py --deals 100000 --activities 300000   # a smaller data set

A database is dropped at the end only when this run created it and ``--keep`` is not given.
"""

import argparse
import contextlib
import gc
import logging
import os
import re
import statistics
import subprocess
import threading
import time
from datetime import date, datetime, timedelta
from unittest import mock

import psycopg2.errors
from bench_common import (
    CLIENT_STATUS_SQL,
    DEFAULT_ADDONS_PATH,
    HISTORY_SQL,
    MODULE,
    _no_op,
    captured_queries,
    client_status_params,
    delete_bench_data,
    drop_database,
    prepare_database,
    say,
)
from bench_stock import check_columns, insert_select, prepare_stock_database

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import ValidationError
from odoo.modules.registry import Registry

SEARCH_GOAL = 1.2
TIME_GOAL = 1.05
QUERY_GOAL = 3
MARKER = "bench-deals"  # crm_lead.referred of the generated deals
PARTNER_REF = "BENCH-DP"
SPEC_PARAM = "sales_discipline.bench_deals_spec"
SALES_LOGINS = [f"bench_deal_sp{i:02d}" for i in range(1, 51)]
LEAD_LOGINS = [f"bench_deal_lead{i}" for i in range(1, 4)]
TEAM_SIZES = (20, 18, 12)  # salespeople of New Clients, Current Clients, Bench Distribution
TEAM_SHARES = (45, 80)  # cumulative % of the deals in the first two pipelines
DISTRIBUTION_TEAM = "Bench Distribution"
SHIPPED_PIPELINES = ("sales_discipline.crm_team_new_clients", "sales_discipline.crm_team_current_clients")
OPEN_SHARE, WON_SHARE = 60, 85  # cumulative %: open, won, then lost
NO_STEP_SHARE = 10  # % of the open deals without any planned activity
PLANNED_PER_STEPPED_DEAL = 4 / 3  # one planned activity, a second one on a third of them
MODES = ("on", "off", "stock")  # the addon as shipped, its rules patched out, stock CRM
OPERATION_LABELS = {"create": "batch create", "write": "stage write"}
STEP_DEADLINE = date.today() + timedelta(days=7)


def draw(seed, modulo, key="id"):
    """A deterministic pseudo-random integer in [0, modulo) per key, independent from one seed to another."""
    return f"mod(hashint4extended({key}, {seed}) & 2147483647, {modulo})::int"


PARTNER_COLUMNS = [
    ("name", "'Bench Client ' || n || ' LLC'"),
    ("complete_name", "'Bench Client ' || n || ' LLC'"),
    ("commercial_company_name", "'Bench Client ' || n || ' LLC'"),
    ("ref", "%(ref)s || n"),
    ("type", "'contact'"),
    ("is_company", "TRUE"),
    ("active", "TRUE"),
    ("lang", "'en_US'"),
    ("tz", "'Europe/Moscow'"),
    ("user_id", f"(%(user_ids)s::int[])[1 + {draw(31, '%(n_users)s', 'n')}]"),
    ("country_id", "%(country_id)s"),
    ("city", f"(ARRAY['Moscow', 'Kazan', 'Samara', 'Tver', 'Perm', 'Omsk'])[1 + {draw(32, 6, 'n')}]"),
    ("partner_share", "TRUE"),
    ("employee", "FALSE"),
    ("create_uid", "%(uid)s"),
    ("write_uid", "%(uid)s"),
    ("create_date", "now() at time zone 'UTC'"),
    ("write_date", "now() at time zone 'UTC'"),
    # the addon's columns (third item True): filled only where the addon is installed
    ("client_type", f"(ARRAY['end_customer', 'reseller', 'distributor', 'partner'])[1 + {draw(33, 4, 'n')}]", True),
    ("company_size", f"(ARRAY['micro', 'small', 'medium', 'large', 'enterprise'])[1 + {draw(34, 5, 'n')}]", True),
    ("client_status", "'inquiry'", True),
    ("data_completeness", "100", True),
    ("is_data_complete", "TRUE", True),
]
PARTNERS_SOURCE = "generate_series(1, %(count)s) AS n"

# One chunk of deals. Every draw is keyed on the deal's id so that the activities can be derived from it.
DEALS_SOURCE = f"""
WITH numbered AS MATERIALIZED (
    SELECT nextval('crm_lead_id_seq')::int AS id FROM generate_series(1, %(count)s)
), drawn AS (
    SELECT id,
           CASE WHEN {draw(1, 100)} < %(share_1)s THEN 1 WHEN {draw(1, 100)} < %(share_2)s THEN 2 ELSE 3 END AS t,
           CASE WHEN {draw(3, 100)} < %(open_share)s THEN 'open'
                WHEN {draw(3, 100)} < %(won_share)s THEN 'won' ELSE 'lost' END AS state,
           {draw(2, 1000)} AS user_draw,
           {draw(4, 1000)} AS stage_draw,
           {draw(5, 1000)} / 1000.0 AS age_draw
      FROM numbered
), placed AS (
    SELECT d.*,
           (%(team_ids)s::int[])[t] AS team_id,
           (%(user_ids)s::int[])[(%(user_start)s::int[])[t] + mod(user_draw, (%(user_count)s::int[])[t])] AS user_id,
           CASE WHEN state = 'won' THEN (%(won_stage_ids)s::int[])[t]
                ELSE (%(stage_ids)s::int[])[(%(stage_start)s::int[])[t] + mod(stage_draw, (%(stage_count)s::int[])[t])]
           END AS stage_id,
           %(now)s::timestamp
               - make_interval(days => CASE WHEN state = 'open' THEN floor(120 * age_draw * age_draw)::int
                                            ELSE floor(365 * age_draw)::int END,
                               secs => {draw(6, 86400)}) AS moved
      FROM drawn d
), dated AS (
    SELECT p.*,
           moved - make_interval(days => {draw(7, 90)}, secs => {draw(8, 86400)}) AS created,
           (1000 + {draw(18, 500000)})::numeric AS revenue,
           CASE state WHEN 'open' THEN 10 + {draw(10, 80)} WHEN 'won' THEN 100 ELSE 0 END AS probability
      FROM placed p
)
dated"""
DEAL_COLUMNS = [
    ("id", "id"),
    ("name", f"'Deal ' || id || ': ' || (ARRAY['pumps', 'valves', 'pipes', 'boilers', 'filters'])[1 + {draw(9, 5)}]"),
    ("referred", "%(marker)s"),
    ("type", "'opportunity'"),
    ("active", "state <> 'lost'"),
    ("team_id", "team_id"),
    ("user_id", "user_id"),
    ("company_id", "%(company_id)s"),
    ("stage_id", "stage_id"),
    ("partner_id", f"(%(partner_ids)s::int[])[1 + {draw(15, '%(n_partners)s')}]"),
    ("priority", f"(ARRAY['0', '0', '1', '1', '2', '3'])[1 + {draw(16, 6)}]"),
    ("expected_revenue", "revenue"),
    ("prorated_revenue", "round(revenue * probability / 100, 2)"),
    ("probability", "probability"),
    ("automated_probability", "probability"),
    ("description", f"CASE WHEN {draw(12, 100)} < 80 THEN 'The client needs equipment for a new plant.' END"),
    ("source_id", f"CASE WHEN {draw(13, 100)} < 85 THEN (%(source_ids)s::int[])[1 + {draw(14, '%(n_sources)s')}] END"),
    ("lost_reason_id", f"CASE WHEN state = 'lost' THEN (%(reason_ids)s::int[])[1 + {draw(11, '%(n_reasons)s')}] END"),
    ("date_open", "created"),
    ("date_closed", "CASE WHEN state <> 'open' THEN moved END"),
    ("date_last_stage_update", "moved"),
    ("day_open", "0"),
    ("day_close", "CASE WHEN state <> 'open' THEN extract(epoch FROM moved - created) / 86400 ELSE 0 END"),
    ("color", "0"),
    ("create_uid", "user_id"),
    ("write_uid", "user_id"),
    ("create_date", "created"),
    ("write_date", "moved"),
    # the addon's columns (third item True)
    ("deal_type", f"(ARRAY['new_sale', 'returning', 'expansion', 'promo'])[1 + {draw(17, 4)}]", True),
    ("lost_stage_id", "CASE WHEN state = 'lost' THEN stage_id END", True),
    ("lost_comment", "CASE WHEN state = 'lost' THEN 'Details given by the client.' END", True),
    ("date_started", "created", True),
    (
        "last_touch_date",
        f"""CASE WHEN {draw(19, 100)} < 50
                 THEN greatest(created, %(now)s::timestamp
                                        - make_interval(days => {draw(20, 45)}, secs => {draw(21, 86400)}))
            END""",
        True,
    ),
    ("stale_notified", "FALSE", True),
    (
        "cycle_days",
        "CASE WHEN state <> 'open' THEN round((extract(epoch FROM moved - created) / 86400)::numeric, 1) ELSE 0 END",
        True,
    ),
    ("recorded_after_fact", "FALSE", True),
]

# The activities of one range of deal ids: planned ones on open deals that have a next step, done
# (archived) ones on every deal; the deal's state and "has a next step" are re-drawn from its id.
ACTIVITIES_SOURCE = f"""
WITH deals AS (
    SELECT l.id, l.name, l.user_id, l.date_last_stage_update AS moved,
           CASE WHEN {draw(3, 100, "l.id")} < %(open_share)s AND {draw(22, 100, "l.id")} >= %(no_step_share)s
                THEN 1 + (CASE WHEN {draw(23, 3, "l.id")} = 0 THEN 1 ELSE 0 END) ELSE 0 END AS planned,
           %(done_base)s + (CASE WHEN {draw(24, 1000, "l.id")} < %(done_extra)s THEN 1 ELSE 0 END) AS done
      FROM crm_lead l
     WHERE l.referred = %(marker)s AND l.id BETWEEN %(lo)s AND %(hi)s
), rows AS (
    SELECT d.*, s, s <= planned AS is_planned, d.id * 16 + s AS k,
           {draw(25, 4, "d.id * 16 + s")} + 1 AS type_index
      FROM deals d CROSS JOIN LATERAL generate_series(1, d.planned + d.done) AS s
), dated AS (
    SELECT r.*,
           CASE WHEN is_planned THEN %(today)s::date + ({draw(26, 100, "k")} - 25)
                ELSE moved::date - {draw(27, 60, "k")} END AS deadline
      FROM rows r
)
dated"""
ACTIVITY_COLUMNS = [
    ("res_model_id", "%(model_id)s"),
    ("res_model", "'crm.lead'"),
    ("res_id", "id"),
    ("res_name", "name"),
    ("activity_type_id", "(%(type_ids)s::int[])[type_index]"),
    ("user_id", "user_id"),
    ("user_tz", "'Europe/Moscow'"),
    ("summary", f"CASE WHEN {draw(28, 4, 'k')} = 0 THEN 'Call back about the quote' END"),
    ("date_deadline", "deadline"),
    ("date_done", f"CASE WHEN NOT is_planned THEN least(deadline + {draw(29, 5, 'k')}, %(today)s::date) END"),
    ("active", "is_planned"),
    ("automated", "FALSE"),
    ("create_uid", "user_id"),
    ("write_uid", "user_id"),
    (
        "create_date",
        f"CASE WHEN is_planned THEN %(now)s::timestamp - make_interval(days => {draw(30, 20, 'k')}) "
        "ELSE deadline - 3 END",
    ),
    ("write_date", "CASE WHEN is_planned THEN %(now)s::timestamp ELSE deadline + 1 END"),
    # the addon's columns (third item True)
    ("goal", "(%(goals)s::text[])[type_index]", True),
    (
        "scheduled_at",
        "CASE WHEN (%(type_ids)s::int[])[type_index] = %(meeting_id)s THEN deadline + time '10:00' END",
        True,
    ),
]

# On the addon: each generated client's status as the addon's daily refresh leaves it (a won deal within the
# company's active window: Active; older won deals only: Lost; none: Inquiry), so that a deal's save does not
# change it as a side effect of the generated data.
# Hand-written equivalents of the three searches, run through the same cursor. The stale one is written
# as a real anti-join: the "recently touched" condition moves inside NOT EXISTS, which is equivalent.
RAW_WITHOUT_NEXT_STEP = """
    FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id
   WHERE l.active AND l.type = 'opportunity' AND s.is_won IS NOT TRUE
     AND NOT EXISTS (SELECT 1 FROM mail_activity a
                      WHERE a.res_model = 'crm.lead' AND a.active AND a.res_id = l.id)
"""
RAW_OVERDUE = """
    FROM crm_lead l
   WHERE l.active
     AND EXISTS (SELECT 1 FROM mail_activity a
                  WHERE a.res_model = 'crm.lead' AND a.active AND a.res_id = l.id AND a.date_deadline < %(today)s)
"""
RAW_STALE = """
    FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id
   WHERE l.active AND l.type = 'opportunity' AND s.is_won IS NOT TRUE AND s.max_days > 0
     AND l.date_last_stage_update < %(now)s - make_interval(days => s.max_days)
     AND NOT EXISTS (SELECT 1 FROM mail_activity a
                      WHERE a.res_model = 'crm.lead' AND a.active AND a.res_id = l.id
                        AND a.date_deadline <= %(today)s + s.max_days
                        AND l.last_touch_date >= %(now)s - make_interval(days => s.max_days))
"""
SEARCHES = (
    # key, label, ORM domain, raw SQL body, counts for the 1.2x goal
    ("no_step", "without next step (has_next_step = False)", [("has_next_step", "=", False)], RAW_WITHOUT_NEXT_STEP),
    ("stale", "stale (is_stale = True)", [("is_stale", "=", True)], RAW_STALE),
    ("overdue", "overdue (has_overdue_step = True)", [("has_overdue_step", "=", True)], RAW_OVERDUE),
)
GOAL_SEARCHES = ("no_step", "stale")


class _Rollback(Exception):
    """Raised inside a savepoint to undo an operation that was accepted."""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", default="sd_bench_deals", help="database name (default: %(default)s)")
    parser.add_argument("--stock-db", help="the stock CRM database (default: the addon's name + _stock)")
    parser.add_argument("--reuse", action="store_true", help="reuse the database when the module is installed")
    parser.add_argument("--update", action="store_true", help="with --reuse: upgrade the module first (-u)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--addons-path", default=DEFAULT_ADDONS_PATH, help="Odoo addons path")
    parser.add_argument("--deals", type=int, default=1_000_000, help="opportunities to generate (default 1000000)")
    parser.add_argument(
        "--activities", type=int, default=3_000_000, help="activities to generate, about (default 3000000)"
    )
    parser.add_argument("--chunk", type=int, default=250_000, help="deals per generating statement (default 250000)")
    parser.add_argument("--search-reps", type=int, default=7, help="measured runs of each search (default 7)")
    parser.add_argument("--reps", type=int, default=25, help="measured calls per operation and mode (default 25)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured calls per operation and mode (default 2)")
    parser.add_argument("--cron-reps", type=int, default=3, help="measured cron batches (default 3)")
    parser.add_argument(
        "--naive-timeout",
        type=int,
        default=60,
        help="statement timeout in seconds for the naive domains, 0 to skip them (default 60)",
    )
    args = parser.parse_args()
    args.stock_db = args.stock_db or f"{args.db}_stock"
    return args


# ----------------------------------------------------------------------
# Database life cycle (command-line tools), as in bench_partner_duplicates.py
# ----------------------------------------------------------------------


def vacuum_analyze(db, tables):
    for table in tables:
        subprocess.run(["psql", "-d", db, "-qc", f"VACUUM ANALYZE {table}"], check=True)


# ----------------------------------------------------------------------
# Data set
# ----------------------------------------------------------------------


def shipped_pipelines(env):
    """The addon's two shipped pipelines as its database has them (name, sequence, stages), to copy on stock."""
    result = []
    for xmlid in SHIPPED_PIPELINES:
        team = env.ref(xmlid)
        stages = env["crm.stage"].search([("team_id", "=", team.id)], order="sequence, id")
        result.append(
            {
                "name": team.name,
                "sequence": team.sequence,
                "stages": [(s.name, s.sequence, s.is_won, s.fold) for s in stages],
            }
        )
    return result


def stock_pipelines(env, definition):
    """On the stock database: teams with the names and stages of the addon's shipped pipelines."""
    teams = []
    for spec in definition:
        team = env["crm.team"].search([("name", "=", spec["name"])], limit=1)
        if not team:
            team = env["crm.team"].create(
                {"name": spec["name"], "sequence": spec["sequence"], "use_opportunities": True}
            )
            env["crm.stage"].create(
                [
                    {"name": name, "sequence": sequence, "is_won": is_won, "fold": fold, "team_id": team.id}
                    for name, sequence, is_won, fold in spec["stages"]
                ]
            )
        teams.append(team)
    return teams


def ensure_pipelines(env, addon=True, definition=None):
    """Three pipelines with their salespeople and team leads; the benchmark acts as the first salesperson.

    On the stock database (``addon`` false) the two shipped pipelines are copied from ``definition`` and the
    users get the stock groups the addon's roles imply; the addon's team and stage settings are left out."""
    Users = env["res.users"].with_context(active_test=False, no_reset_password=True, mail_create_nolog=True)
    salespeople = Users.search([("login", "in", SALES_LOGINS)]).sorted("login")
    leads = Users.search([("login", "in", LEAD_LOGINS)]).sorted("login")
    teams = [env.ref(xmlid) for xmlid in SHIPPED_PIPELINES] if addon else stock_pipelines(env, definition)
    distribution = env["crm.team"].search([("name", "=", DISTRIBUTION_TEAM)], limit=1)
    if len(salespeople) != len(SALES_LOGINS) or len(leads) != len(LEAD_LOGINS) or not distribution:
        if salespeople or leads or distribution:
            raise SystemExit("partial bench set-up found in the database: drop it and run again")
        if addon:
            salesperson_group = env.ref("sales_discipline.group_salesperson")
            lead_group = env.ref("sales_discipline.group_team_lead")
        else:
            salesperson_group = lead_group = env.ref("sales_team.group_sale_salesman") | env.ref(
                "base.group_partner_manager"
            )
        salespeople = Users.create(
            [
                {
                    "name": f"Bench Salesperson {login[-2:]}",
                    "login": login,
                    "email": f"{login}@bench.example",
                    "tz": "Europe/Moscow",
                    "groups_id": [Command.set(salesperson_group.ids)],
                }
                for login in SALES_LOGINS
            ]
        ).sorted("login")
        leads = Users.create(
            [
                {
                    "name": f"Bench Team Lead {login[-1]}",
                    "login": login,
                    "email": f"{login}@bench.example",
                    "tz": "Europe/Moscow",
                    "groups_id": [Command.set(lead_group.ids)],
                }
                for login in LEAD_LOGINS
            ]
        ).sorted("login")
        distribution = env["crm.team"].create(
            {"name": DISTRIBUTION_TEAM, **({"next_step_policy": "flag"} if addon else {})}
        )
        field = env["ir.model.fields"]._get
        discipline = (  # the addon's stage settings: maximum stay, required fields
            [
                {"max_days": 10},
                {"max_days": 20, "required_field_ids": [Command.set([field("crm.lead", "description").id])]},
                {},
            ]
            if addon
            else [{}, {}, {}]
        )
        env["crm.stage"].create(
            [
                {"name": "Quote Requested", "sequence": 121, "team_id": distribution.id, **discipline[0]},
                {"name": "Samples Sent", "sequence": 122, "team_id": distribution.id, **discipline[1]},
                {
                    "name": "Shipped",
                    "sequence": 123,
                    "team_id": distribution.id,
                    "is_won": True,
                    "fold": True,
                    **discipline[2],
                },
            ]
        )
        teams.append(distribution)
        start = 0
        for team, lead, size in zip(teams, leads, TEAM_SIZES, strict=True):
            members = salespeople[start : start + size]
            start += size
            team.write(
                {"user_id": lead.id, "crm_team_member_ids": [Command.create({"user_id": u.id}) for u in members]}
            )
    else:
        teams.append(distribution)
    members = [team.crm_team_member_ids.user_id.sorted("login") for team in teams]
    stages = []
    for team in teams:
        team_stages = env["crm.stage"].search([("team_id", "=", team.id)], order="sequence, id")
        stages.append((team_stages.filtered(lambda s: not s.is_won), team_stages.filtered("is_won")[:1]))
    return {"salespeople": salespeople, "leads": leads, "teams": teams, "members": members, "stages": stages}


def bench_counts(cr):
    cr.execute(
        """SELECT count(*), count(*) FILTER (WHERE l.active),
                  count(*) FILTER (WHERE l.active AND s.is_won IS NOT TRUE),
                  count(*) FILTER (WHERE s.is_won)
             FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id WHERE l.referred = %s""",
        [MARKER],
    )
    deals, active, open_, won = cr.fetchone()
    cr.execute(
        """SELECT count(*), count(*) FILTER (WHERE a.active) FROM mail_activity a
            WHERE a.res_model = 'crm.lead' AND a.res_id IN (SELECT id FROM crm_lead WHERE referred = %s)""",
        [MARKER],
    )
    activities, planned = cr.fetchone()
    return {"deals": deals, "active": active, "open": open_, "won": won, "activities": activities, "planned": planned}


def generate_data(env, args, setup, *, addon=True, now, first_id):  # noqa: PLR0915 (one linear generator)
    """Partners, deals, stage stays and activities in SQL, in chunks; committed chunk by chunk.

    The same statements fill the stock database, without the addon's columns and stage stays; the deals get
    ids from ``first_id`` on both databases, so that every draw keyed on the id gives the same deal."""
    cr = env.cr
    check_columns(cr, "res_partner", PARTNER_COLUMNS, addon=addon)
    check_columns(cr, "crm_lead", DEAL_COLUMNS, addon=addon)
    check_columns(cr, "mail_activity", ACTIVITY_COLUMNS, addon=addon)
    delete_bench_data(cr, MARKER, PARTNER_REF)
    cr.commit()
    today = now.date()
    salespeople = setup["salespeople"]
    partner_count = max(1000, args.deals // 20)
    cr.execute(
        insert_select("res_partner", PARTNER_COLUMNS, PARTNERS_SOURCE, addon=addon),
        {
            "ref": PARTNER_REF,
            "count": partner_count,
            "user_ids": salespeople.ids,
            "n_users": len(salespeople),
            "country_id": env.ref("base.ru").id,
            "uid": SUPERUSER_ID,
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE ref LIKE %s", [PARTNER_REF + "%"])
    cr.execute("SELECT id FROM res_partner WHERE ref LIKE %s ORDER BY id", [PARTNER_REF + "%"])
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.commit()
    user_ids, user_start, user_count = [], [], []
    for members in setup["members"]:
        user_start.append(len(user_ids) + 1)
        user_count.append(len(members))
        user_ids += members.ids
    stage_ids, stage_start, stage_count = [], [], []
    for open_stages, _won in setup["stages"]:
        stage_start.append(len(stage_ids) + 1)
        stage_count.append(len(open_stages))
        stage_ids += open_stages.ids
    cr.execute("SELECT id FROM utm_source ORDER BY id")
    source_ids = [row[0] for row in cr.fetchall()]
    reason_ids = env["crm.lost.reason"].search([]).ids
    deal_params = {
        "marker": MARKER,
        "now": now,
        "company_id": env.company.id,
        "share_1": TEAM_SHARES[0],
        "share_2": TEAM_SHARES[1],
        "open_share": OPEN_SHARE,
        "won_share": WON_SHARE,
        "team_ids": [team.id for team in setup["teams"]],
        "user_ids": user_ids,
        "user_start": user_start,
        "user_count": user_count,
        "stage_ids": stage_ids,
        "stage_start": stage_start,
        "stage_count": stage_count,
        "won_stage_ids": [won.id for _open, won in setup["stages"]],
        "partner_ids": partner_ids,
        "n_partners": len(partner_ids),
        "source_ids": source_ids,
        "n_sources": len(source_ids),
        "reason_ids": reason_ids,
        "n_reasons": len(reason_ids),
    }
    mark = time.perf_counter()
    cr.execute("SELECT setval('crm_lead_id_seq', %s, false)", [first_id])
    deals_sql = insert_select("crm_lead", DEAL_COLUMNS, DEALS_SOURCE, addon=addon)
    done = 0
    while done < args.deals:
        count = min(args.chunk, args.deals - done)
        cr.execute(deals_sql, {**deal_params, "count": count})
        cr.commit()
        done += count
        say(f"  [{cr.dbname}] deals: {done:,}/{args.deals:,} ({time.perf_counter() - mark:.0f} s)")
    if addon:
        cr.execute(HISTORY_SQL, {"marker": MARKER})
        stays = cr.rowcount
        cr.execute(CLIENT_STATUS_SQL, client_status_params(env, today, MARKER, PARTNER_REF))
        cr.commit()
        say(f"  [{cr.dbname}] stage stays: {stays:,} ({time.perf_counter() - mark:.0f} s)")

    # Done activities fill what the planned ones leave of the target, spread evenly over all the deals.
    planned_per_deal = OPEN_SHARE / 100 * (1 - NO_STEP_SHARE / 100) * PLANNED_PER_STEPPED_DEAL
    done_per_deal = max(args.activities / max(args.deals, 1) - planned_per_deal, 0)
    types = [
        (env.ref("mail.mail_activity_data_call"), "Sell the meeting"),
        (env.ref("mail.mail_activity_data_meeting"), "Agree the terms of the contract"),
        (env.ref("mail.mail_activity_data_email"), "Send the quote"),
        (env.ref("mail.mail_activity_data_todo"), "Prepare the specification"),
    ]
    activity_params = {
        "marker": MARKER,
        "now": now,
        "today": today,
        "open_share": OPEN_SHARE,
        "no_step_share": NO_STEP_SHARE,
        "done_base": int(done_per_deal),
        "done_extra": round((done_per_deal - int(done_per_deal)) * 1000),
        "model_id": env["ir.model"]._get_id("crm.lead"),
        "type_ids": [activity_type.id for activity_type, _goal in types],
        "goals": [goal for _type, goal in types],
        "meeting_id": types[1][0].id,
    }
    cr.execute("SELECT min(id), max(id) FROM crm_lead WHERE referred = %s", [MARKER])
    low, high = cr.fetchone()
    activities_sql = insert_select("mail_activity", ACTIVITY_COLUMNS, ACTIVITIES_SOURCE, addon=addon)
    inserted = 0
    for lo in range(low, high + 1, args.chunk):
        cr.execute(activities_sql, {**activity_params, "lo": lo, "hi": min(lo + args.chunk - 1, high)})
        inserted += cr.rowcount
        cr.commit()
        say(f"  [{cr.dbname}] activities: {inserted:,} ({time.perf_counter() - mark:.0f} s)")
    env["ir.config_parameter"].set_param(SPEC_PARAM, f"{args.deals}/{args.activities}")
    cr.commit()


# ----------------------------------------------------------------------
# Measurement helpers
# ----------------------------------------------------------------------


@contextlib.contextmanager
def no_gc():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def rules(mode, lead_class):
    """The addon as shipped, or with _discipline_enforce (every deal rule) patched to a no-op."""
    if mode == "off":
        return mock.patch.object(lead_class, "_discipline_enforce", _no_op)
    return contextlib.nullcontext()  # "on", and "stock" (another database)


def timed_call(env, func):
    """One call as one request makes it: fresh ORM cache, the call, flush, pre-commit hooks; then rolled back."""
    cr = env.cr
    with contextlib.closing(cr.savepoint()):
        env.invalidate_all()
        queries = cr.sql_log_count
        start = time.perf_counter()
        func()
        env.flush_all()
        cr.precommit.run()
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - queries
    cr.postcommit.clear()
    return elapsed, queries


def timed_read(env, func):
    """A read-only call with a fresh ORM cache: its time, its result and its number of queries."""
    cr = env.cr
    env.invalidate_all()
    queries = cr.sql_log_count
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result, cr.sql_log_count - queries


def attempt(env, func):
    """Run func in a savepoint and undo it: the refusal message, or None when it was accepted.

    A database error is returned as "DATABASE ERROR: ..." (and not logged by Odoo meanwhile).
    """
    sql_logger = logging.getLogger("odoo.sql_db")
    level = sql_logger.level
    sql_logger.setLevel(logging.CRITICAL)
    try:
        with env.cr.savepoint():
            func()
            env.flush_all()
            env.cr.precommit.run()
            raise _Rollback
    except ValidationError as refusal:
        return str(refusal)
    except psycopg2.Error as error:
        return f"DATABASE ERROR: {type(error).__name__}: {str(error).splitlines()[0]}"
    except _Rollback:
        return None
    finally:
        sql_logger.setLevel(level)
        env.cr.postcommit.clear()


def ms(seconds):
    return f"{seconds * 1000:.1f}"


def median(values):
    return statistics.median(values)


def verdict(ok):
    return "PASS" if ok else "FAIL"


# ----------------------------------------------------------------------
# Searches
# ----------------------------------------------------------------------


def raw_sql(body, count):
    select = "SELECT count(*)" if count else "SELECT l.id"
    order = "" if count else " ORDER BY l.priority DESC, l.id DESC"  # the ORM's default order on crm.lead
    return select + body + order


def raw_params(**extra):
    """Today and now as the addon takes them (UTC, no user time zone for the superuser), at call time."""
    now = datetime.utcnow().replace(microsecond=0)
    return {"today": now.date(), "now": now, **extra}


def measure_searches(env, reps):
    """ORM search and search_count against the hand-written SQL, the four interleaved with a rotating order."""
    Lead = env["crm.lead"]
    cr = env.cr
    results = {}
    for key, _label, domain, body in SEARCHES:
        ids_sql, count_sql = raw_sql(body, False), raw_sql(body, True)

        def raw_ids(sql=ids_sql):
            cr.execute(sql, raw_params())
            return [row[0] for row in cr.fetchall()]

        def raw_count(sql=count_sql):
            cr.execute(sql, raw_params())
            return cr.fetchone()[0]

        calls = {
            "orm_search": lambda domain=domain: Lead.search(domain).ids,
            "raw_ids": raw_ids,
            "orm_count": lambda domain=domain: Lead.search_count(domain),
            "raw_count": raw_count,
        }
        names = list(calls)
        times = {name: [] for name in names}
        queries = {name: [] for name in names}
        outputs = {}
        with no_gc():
            for rep in range(reps + 1):  # the first round warms the caches and is not counted
                order = names[rep % 4 :] + names[: rep % 4]
                for name in order:
                    elapsed, output, count = timed_read(env, calls[name])
                    outputs[name] = output
                    if rep:
                        times[name].append(elapsed)
                        queries[name].append(count)
        # Deals crossing a time limit between two calls may differ: a handful at most.
        differing = len(set(outputs["orm_search"]) ^ set(outputs["raw_ids"]))
        differing = max(differing, abs(outputs["orm_count"] - outputs["raw_count"]))
        results[key] = {
            "times": times,
            "queries": queries,
            "rows": outputs["raw_count"],
            "differing": differing,
            "same": differing <= max(5, outputs["raw_count"] // 100_000),
        }
    return results


def measure_own_search(env, reps):
    """Informative: a salesperson's own deals without next step (record rules apply), against SQL."""
    cr = env.cr
    sql = raw_sql(RAW_WITHOUT_NEXT_STEP + " AND l.user_id = %(uid)s", True)

    def raw():
        cr.execute(sql, raw_params(uid=env.uid))
        return cr.fetchone()[0]

    calls = {"orm": lambda: env["crm.lead"].search_count([("has_next_step", "=", False)]), "raw": raw}
    times = {"orm": [], "raw": []}
    outputs = {}
    for rep in range(reps + 1):
        for name in ("orm", "raw") if rep % 2 else ("raw", "orm"):
            elapsed, outputs[name], _count = timed_read(env, calls[name])
            if rep:
                times[name].append(elapsed)
    return times, outputs


def explain_orm_query(env, domain):
    """The query the ORM sends for search(domain), its EXPLAIN ANALYZE plan, and how many queries read deals."""
    env.invalidate_all()
    with captured_queries() as captured:
        env["crm.lead"].search(domain)
    on_deals = [(str(q), p) for q, p in captured if "crm_lead" in str(q) or "mail_activity" in str(q)]
    query, params = next((q, p) for q, p in on_deals if "mail_activity" in q)
    env.cr.execute("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + query, params)
    return query, [row[0] for row in env.cr.fetchall()], len(on_deals)


def plan_summary(plan):
    text = "\n".join(plan)
    return {
        "anti_join": "Anti Join" in text,
        "semi_join": "Semi Join" in text or "Hash Join" in text,
        "index": "mail_activity_discipline_step_idx" in text,
        "seq_scan_activity": bool(re.search(r"Seq Scan on mail_activity", text)),
        "subplan": "SubPlan" in text,
        "execution": float((re.findall(r"Execution Time: ([\d.]+) ms", text) or ["nan"])[0]),
    }


class _Timeout(Exception):
    """Raised by a query hook once a naive search has run longer than allowed."""


def time_naive(env, domain, timeout):
    """One search_count on a naive domain, stopped after timeout seconds (rolled back).

    Odoo may run such a domain as many queries and Python work, so besides a statement timeout, a query hook
    stops it at the first query that ends after the time limit. Returns (seconds or None, rows, queries).
    """
    cr = env.cr
    sql_logger = logging.getLogger("odoo.sql_db")
    level = sql_logger.level
    sql_logger.setLevel(logging.CRITICAL)  # a cancelled statement is expected: do not log the whole query
    thread = threading.current_thread()
    previous = getattr(thread, "query_hooks", ())
    start = time.perf_counter()
    sent = []

    def guard(*_args):
        sent.append(1)
        if time.perf_counter() - start > timeout:
            raise _Timeout

    try:
        with contextlib.closing(cr.savepoint(flush=False)):
            cr.execute(f"SET LOCAL statement_timeout = '{int(timeout)}s'")
            env.invalidate_all()
            start = time.perf_counter()
            thread.query_hooks = (*previous, guard)
            try:
                count = env["crm.lead"].search_count(domain)
            except (psycopg2.errors.QueryCanceled, _Timeout):
                return None, None, len(sent)
            finally:
                thread.query_hooks = previous
            return time.perf_counter() - start, count, len(sent)
    finally:
        sql_logger.setLevel(level)
        env.invalidate_all()


# ----------------------------------------------------------------------
# Enforcement: batch create and stage write, rules on and off
# ----------------------------------------------------------------------


class DealValues:
    """Values of new deals of the strict pipeline with their next step, as the form sends them (on stock, where
    the Next Step fields do not exist, without them: the step is scheduled as an activity afterwards)."""

    def __init__(self, env, salesperson, team, stage, partner_ids, *, next_step=True):
        self.counter = 0
        self.common = {
            "type": "opportunity",
            "team_id": team.id,
            "user_id": salesperson.id,
            "stage_id": stage.id,
            "source_id": env["utm.source"].search([], limit=1).id,
            "description": "The client needs pumps for a new line.",
            "next_step_type_id": env.ref("mail.mail_activity_data_call").id,
            "next_step_goal": "Sell the meeting",
            "next_step_deadline": STEP_DEADLINE,
        }
        if not next_step:
            for name in ("next_step_type_id", "next_step_goal", "next_step_deadline"):
                del self.common[name]
        self.partner_ids = partner_ids

    def batch(self, size, **overrides):
        vals_list = []
        for _ in range(size):
            self.counter += 1
            vals_list.append(
                {
                    **self.common,
                    "name": f"Bench new deal {self.counter}",
                    "partner_id": self.partner_ids[self.counter % len(self.partner_ids)],
                    "expected_revenue": 1000.0 + self.counter,
                    **overrides,
                }
            )
        return vals_list


def write_pool(cr, salesperson, stage, size):
    """Open deals of the salesperson in the stage that satisfy the next stage's requirements and have a step."""
    cr.execute(
        """SELECT l.id FROM crm_lead l
            WHERE l.referred = %s AND l.user_id = %s AND l.stage_id = %s AND l.active
              AND l.description IS NOT NULL AND l.source_id IS NOT NULL AND l.expected_revenue > 0
              AND EXISTS (SELECT 1 FROM mail_activity a
                           WHERE a.res_model = 'crm.lead' AND a.active AND a.res_id = l.id)
            ORDER BY l.id LIMIT %s""",
        [MARKER, salesperson.id, stage.id, size],
    )
    return [row[0] for row in cr.fetchall()]


class StockSide:
    """The same calls on the stock CRM database: its salesperson, deal values, write pool and target stage."""

    def __init__(self, env, values, pool, target_stage):
        self.env = env
        self.values = values
        self.pool = pool
        self.target_stage = target_stage

    def create_call(self, size):
        """Create the deals, then schedule their next step the stock way (one activity each, in one batch)."""
        vals_list = self.values.batch(size)
        Lead = self.env["crm.lead"]

        def call():
            leads = Lead.create(vals_list)
            leads.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=STEP_DEADLINE,
                summary="Sell the meeting",
                user_id=self.env.uid,
            )

        return call

    def write_call(self, start, size):
        ids = self.pool[start : start + size]
        return lambda: self.env["crm.lead"].browse(ids).write({"stage_id": self.target_stage.id})


def measure_enforcement(env, create_env, values, pool, target_stage, *, sizes, reps, warmup, stock):
    """Interleave rules on, rules off and stock CRM call by call (the order rotating) for each operation and
    size; the write works on the same deals in the three modes (it is rolled back)."""
    lead_class = type(env["crm.lead"])
    Lead = env["crm.lead"]
    operations = []
    for size in sizes:
        operations.append(("create", size))
    for size in sizes:
        operations.append(("write", size))
    results = {op: {mode: {"times": [], "queries": []} for mode in MODES} for op in operations}
    paired = {op: {"off": [], "stock": []} for op in operations}
    cursor = {"write": 0}

    def make_call(kind, size, mode):
        start = cursor["write"] % max(len(pool) - size + 1, 1)
        if mode == "stock":
            return stock.create_call(size) if kind == "create" else stock.write_call(start, size)
        if kind == "create":
            vals_list = values.batch(size)
            return lambda: create_env["crm.lead"].create(vals_list)
        ids = pool[start : start + size]
        return lambda: Lead.browse(ids).write({"stage_id": target_stage.id})

    with no_gc():
        for step in range(warmup + reps):
            for op in operations:
                times = {}
                order = MODES[step % 3 :] + MODES[: step % 3]
                if op[0] == "write":
                    cursor["write"] += op[1]
                for mode in order:
                    call = make_call(*op, mode)
                    with rules(mode, lead_class):
                        elapsed, queries = timed_call(stock.env if mode == "stock" else env, call)
                    times[mode] = elapsed
                    if step >= warmup:
                        results[op][mode]["times"].append(elapsed)
                        results[op][mode]["queries"].append(queries)
                if step >= warmup:
                    for base in ("off", "stock"):
                        paired[op][base].append(times["on"] / times[base])
                gc.collect()
    return results, paired


def query_shape(query):
    """What a query does and on which table, without its columns and values: "SELECT crm_stage"."""
    text = re.sub(r"\s+", " ", str(query)).strip()
    verb = text.split(" ", 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return None  # the savepoint around each measured call, outside the timed part
    table = re.search(r'(?:FROM|UPDATE|INSERT INTO|DELETE FROM)\s+"?(\w+)"?', text)
    shape = f"{verb} {table.group(1) if table else '?'}"
    if "mail_activity act" in text:
        shape += " (the addon's next-step query)"
    return shape


def extra_queries(env, make_call, lead_class, *, base="off", base_env=None, make_base_call=None):
    """Queries per shape that one call sends with the rules on minus the base mode (non-zero ones)."""
    counts = {}
    for mode, sign in (("on", 1), (base, -1)):
        call = make_base_call() if mode == "stock" else make_call()
        with rules(mode, lead_class), captured_queries() as captured:
            timed_call(base_env if mode == "stock" else env, call)
        for query, _params in captured:
            shape = query_shape(query)
            if shape:
                counts[shape] = counts.get(shape, 0) + sign
    return {shape: count for shape, count in sorted(counts.items()) if count}


def enforcement_sanity(env, values, lead_class):
    """The rules are live for the salesperson in this data set, and switched off by the patch."""
    Lead = env["crm.lead"]
    no_step = dict.fromkeys(("next_step_type_id", "next_step_goal", "next_step_deadline"), False)
    cases = [
        ("create without next step", lambda: Lead.create(values.batch(1, **no_step)), "Plan the next step"),
        (
            "create in Meeting Held without description",
            lambda: Lead.create(
                values.batch(
                    1,
                    stage_id=env.ref("sales_discipline.crm_stage_new_meeting_held").id,
                    description=False,
                )
            ),
            "requires",
        ),
    ]
    ok, lines = True, []
    for label, func, expected in cases:
        refusal = attempt(env, func)
        refused = bool(refusal) and expected in refusal
        with rules("off", lead_class):
            accepted = attempt(env, func) is None
        ok &= refused and accepted
        lines.append(
            f"  {label:<44} rules on: {'refused' if refused else 'NOT REFUSED'}; "
            f"rules off: {'accepted' if accepted else 'REFUSED'}"
        )
    return ok, lines


# ----------------------------------------------------------------------
# Cron
# ----------------------------------------------------------------------


def measure_cron(env, batch_size, reps):
    """Time one cron batch (rolled back) reps times; also the share of its stale queries and its recipients."""
    Lead = env["crm.lead"]
    times, queries, stale_times, remaining = [], [], [], None
    thread = threading.current_thread()
    for _ in range(reps):
        outcome, stale = {}, []

        def call(outcome=outcome):
            outcome["remaining"] = Lead._cron_discipline_notify_stale(batch_size=batch_size)

        def hook(_cr, query, _params, _start, delay, stale=stale):
            if "mail_activity act" in str(query):
                stale.append(delay)

        previous = getattr(thread, "query_hooks", ())
        thread.query_hooks = (*previous, hook)
        try:
            elapsed, count = timed_call(env, call)
        finally:
            thread.query_hooks = previous
        times.append(elapsed)
        queries.append(count)
        stale_times.append((sum(stale), len(stale)))
        remaining = outcome["remaining"]
    todo = Lead.search([("is_stale", "=", True), ("stale_notified", "=", False)], limit=batch_size, order="id")
    recipients = {user.partner_id for lead in todo for user in (lead.user_id | lead.team_id.user_id)}
    return {
        "times": times,
        "queries": queries,
        "stale": (median(t for t, _n in stale_times), max(n for _t, n in stale_times)),
        "remaining": remaining,
        "recipients": len(recipients),
    }


# ----------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------


def main():
    args = parse_args()
    started = time.perf_counter()
    phases = {}
    odoo.tools.config.parse_config(
        ["-d", args.db, f"--addons-path={args.addons_path}", "--log-level=warn", "--no-http"]
    )
    created = []
    try:
        if prepare_database(args, phases):
            created.append(args.db)
        if prepare_stock_database(args.stock_db, args, phases, MODULE):
            created.append(args.stock_db)
        run(args, phases, created)
    finally:
        for db in created:
            if args.keep:
                say(f"Kept database {db} (rerun with --reuse)")
            else:
                say(f"Dropping database {db}")
                drop_database(db)
    say(
        "Timings: "
        + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items())
        + f"; total {time.perf_counter() - started:.1f}s"
    )


def first_free_id(crs):
    """The first deal id free on every database: both generate their deals from it."""
    first = 1
    for cr in crs:
        cr.execute("SELECT greatest(max(id), 0) + 1 FROM crm_lead")
        first = max(first, cr.fetchone()[0])
        cr.execute("SELECT last_value + 1 FROM crm_lead_id_seq")
        first = max(first, cr.fetchone()[0])
    return first


def run(args, phases, created):  # noqa: PLR0915 (one linear script, printed step by step)
    mark = time.perf_counter()
    registry = Registry(args.db)
    stock_registry = Registry(args.stock_db)
    phases["registries"] = time.perf_counter() - mark
    cr = registry.cursor()
    stock_cr = stock_registry.cursor()
    try:
        env = api.Environment(cr, SUPERUSER_ID, {})
        stock_root = api.Environment(stock_cr, SUPERUSER_ID, {})
        setup = ensure_pipelines(env)
        stock_setup = ensure_pipelines(stock_root, addon=False, definition=shipped_pipelines(env))
        cr.commit()
        stock_cr.commit()
        spec = f"{args.deals}/{args.activities}"
        stale = [e for e in (env, stock_root) if e["ir.config_parameter"].get_param(SPEC_PARAM) != spec]
        if stale:  # both are generated again, from the same first id, so that the draws give the same deals
            say(f"Generating {args.deals:,} deals and about {args.activities:,} activities in SQL, on both databases")
            for e in (env, stock_root):
                delete_bench_data(e.cr, MARKER, PARTNER_REF)
                e.cr.commit()
            first_id = first_free_id([cr, stock_cr])
            now = datetime.utcnow().replace(microsecond=0)
            for e, side_setup, addon in ((env, setup, True), (stock_root, stock_setup, False)):
                mark = time.perf_counter()
                generate_data(e, args, side_setup, addon=addon, now=now, first_id=first_id)
                phases[f"data {e.cr.dbname}"] = time.perf_counter() - mark
                mark = time.perf_counter()
                tables = ["res_partner", "crm_lead", "mail_activity"] + (["crm_lead_stage_history"] if addon else [])
                vacuum_analyze(e.cr.dbname, tables)
                phases[f"vacuum {e.cr.dbname}"] = time.perf_counter() - mark
                say(
                    f"  [{e.cr.dbname}] generated in {phases[f'data {e.cr.dbname}']:.0f} s, VACUUM ANALYZE in "
                    f"{phases[f'vacuum {e.cr.dbname}']:.0f} s"
                )
        elif not created:
            say("Deals and activities already generated with these counts on both databases: kept")
        env.invalidate_all()
        report_data(env, stock_cr)
        checks = []
        search_checks, no_step_count_time = report_searches(env, args, phases)
        checks += search_checks
        salesperson = setup["members"][0][0]
        context = {"lang": "en_US", "tz": "Europe/Moscow", "allowed_company_ids": [env.company.id]}
        sales_env = api.Environment(cr, salesperson.id, context)
        stock_salesperson = stock_setup["members"][0][0]
        stock_context = dict(context, allowed_company_ids=[stock_root.company.id])
        stock_env = api.Environment(stock_cr, stock_salesperson.id, stock_context)
        checks += report_own_search(sales_env, args)
        if args.naive_timeout:
            report_naive(env, args, phases, no_step_count_time)
        checks += report_enforcement(sales_env, setup, args, phases, stock_env=stock_env, stock_setup=stock_setup)
        checks += report_cron(env, args, phases)
        report_verdict(checks)
    finally:
        for cursor in (cr, stock_cr):
            cursor.rollback()
            cursor.close()


def report_data(env, stock_cr):
    cr = env.cr
    counts = bench_counts(cr)
    stock_counts = bench_counts(stock_cr)
    cr.execute(
        """SELECT count(*) FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id
            WHERE l.referred = %s AND l.active AND s.is_won IS NOT TRUE
              AND NOT EXISTS (SELECT 1 FROM mail_activity a
                               WHERE a.res_model = 'crm.lead' AND a.active AND a.res_id = l.id)""",
        [MARKER],
    )
    open_without = cr.fetchone()[0]
    cr.execute("SHOW server_version")
    version = cr.fetchone()[0]
    cr.execute(
        "SELECT pg_size_pretty(pg_total_relation_size('crm_lead')), "
        "pg_size_pretty(pg_total_relation_size('mail_activity'))"
    )
    sizes = cr.fetchone()
    say()
    say("=== sales_discipline: deal discipline at a real company's size ===")
    say(
        f"Odoo {odoo.release.version}, PostgreSQL {version}, {os.cpu_count()} CPUs. The machine is shared and "
        "noisy: compare the modes measured within this run (interleaved), not figures across runs."
    )
    say(
        f"Data: {counts['deals']:,} generated opportunities ({counts['open']:,} open, {counts['won']:,} won, "
        f"{counts['deals'] - counts['active']:,} lost and archived); {counts['activities']:,} activities on "
        f"them ({counts['planned']:,} planned, the rest done and archived);"
    )
    say(
        f"  {open_without:,} open deals ({open_without / max(counts['open'], 1):.1%}) without a planned activity; "
        f"crm_lead {sizes[0]}, mail_activity {sizes[1]} with their indexes."
    )
    same = "the same counts" if stock_counts == counts else f"DIFFERENT counts: {stock_counts}"
    say(
        f"Stock CRM twin {stock_cr.dbname}: the same generator and seeds without the addon's columns, stage stays and "
        f"settings: {same}."
    )


def report_searches(env, args, phases):
    say()
    say(
        f"Searches, as the superuser (no record rule), {args.search_reps} runs each after one warm-up, "
        "interleaved with a rotating order; ORM search() returns"
    )
    say(
        "  ids in the default order (priority desc, id desc) and the raw SQL has the same ORDER BY; "
        "search_count vs SELECT count(*)."
    )
    say("  Raw SQL: hand-written NOT EXISTS / EXISTS on mail_activity, run with cr.execute.")
    mark = time.perf_counter()
    results = measure_searches(env, args.search_reps)
    phases["searches"] = time.perf_counter() - mark
    say(
        f"  {'search':<38} {'rows':>9} {'ORM ms':>8} {'SQL ms':>8} {'ratio':>6}   "
        f"{'count ms':>8} {'SQL ms':>8} {'ratio':>6}  {'queries':>7}  same rows"
    )
    for key, label, _domain, _body in SEARCHES:
        res = results[key]
        times = {name: median(values) for name, values in res["times"].items()}
        res["ratios"] = (times["orm_search"] / times["raw_ids"], times["orm_count"] / times["raw_count"])
        res["orm_queries"] = max(*res["queries"]["orm_search"], *res["queries"]["orm_count"])
        same = "yes" if not res["differing"] else f"{res['differing']} differ"
        say(
            f"  {label:<38} {res['rows']:>9,} {ms(times['orm_search']):>8} {ms(times['raw_ids']):>8} "
            f"{res['ratios'][0]:>5.2f}x   {ms(times['orm_count']):>8} {ms(times['raw_count']):>8} "
            f"{res['ratios'][1]:>5.2f}x  {res['orm_queries']:>7}  {same}"
        )
    say(
        "  (ratio = median ORM / median raw SQL; queries = SQL queries one ORM call sends with a fresh cache, "
        "the user's time zone read included)"
    )

    checks = []
    for key, label, domain, _body in SEARCHES:
        query, plan, on_deals = explain_orm_query(env, domain)
        summary = plan_summary(plan)
        say()
        say(f"EXPLAIN ANALYZE of the query the ORM sends for {label}:")
        for line in wrap_query(query):
            say(f"  > {line}")
        for line in plan:
            say(f"  | {line}")
        say(
            f"  anti-join: {'yes' if summary['anti_join'] else 'no'}; semi-join: "
            f"{'yes' if summary['semi_join'] else 'no'}; mail_activity_discipline_step_idx: "
            f"{'used' if summary['index'] else 'not used'}; seq scan of mail_activity: "
            f"{'yes' if summary['seq_scan_activity'] else 'no'}; SubPlan (per-row subquery): "
            f"{'YES' if summary['subplan'] else 'no'}"
        )
        res = results[key]
        join = "semi" if key == "overdue" else "anti"
        shape = summary["semi_join"] if key == "overdue" else summary["anti_join"]
        checks.append(
            (
                on_deals == 1 and shape and res["same"],
                f"{label}: {on_deals} query on deals/activities ({res['orm_queries']} in all), {join}-join in its "
                f"plan: {'yes' if shape else 'NO'}, "
                f"per-row SubPlan: {'YES' if summary['subplan'] else 'no'}, same rows as the SQL: "
                f"{'yes' if res['same'] else 'NO'}",
            )
        )
        goal = key in GOAL_SEARCHES
        checks.append(
            (
                max(res["ratios"]) <= SEARCH_GOAL if goal else None,
                f"{label}: ORM/SQL search {res['ratios'][0]:.2f}x, search_count {res['ratios'][1]:.2f}x "
                + (f"(goal <= {SEARCH_GOAL}x)" if goal else "(no ratio goal)"),
            )
        )
    return checks, median(results["no_step"]["times"]["orm_count"])


def report_own_search(sales_env, args):
    times, outputs = measure_own_search(sales_env, args.search_reps)
    ratio = median(times["orm"]) / median(times["raw"])
    say()
    say(
        f"[info] {sales_env.user.login}'s own deals without next step (search_count, record rules apply): "
        f"{outputs['orm']:,} rows, ORM {ms(median(times['orm']))} ms vs SQL with user_id = "
        f"{ms(median(times['raw']))} ms ({ratio:.2f}x)"
    )
    return [(None, f"a salesperson's own deals without next step: ORM/SQL {ratio:.2f}x")]


def report_naive(env, args, phases, reference):
    say()
    say(
        f"Naive domains, once each, search_count stopped after {args.naive_timeout} s (statement timeout and a "
        "query hook); they also count won deals:"
    )
    for label, domain in (
        ("activity_ids = False", [("type", "=", "opportunity"), ("activity_ids", "=", False)]),
        ("activity_state = False", [("type", "=", "opportunity"), ("activity_state", "=", False)]),
    ):
        mark = time.perf_counter()
        elapsed, count, queries = time_naive(env, domain, args.naive_timeout)
        phases[f"naive {label}"] = time.perf_counter() - mark
        if elapsed is None:
            say(f"  {label:<24} STOPPED after {args.naive_timeout} s ({queries:,} queries sent by then)")
        else:
            say(
                f"  {label:<24} {elapsed * 1000:,.0f} ms, {queries:,} queries ({count:,} rows; "
                f"{elapsed / reference:.1f}x the addon's has_next_step = False count)"
            )


def describe_enforcement(salesperson, team, stages, pool_size, args, *, stock_db):
    first_stage, target_stage = stages
    required = ", ".join(target_stage.sudo().required_field_ids.mapped("name")) or "nothing"
    say()
    say(
        f"Enforcement, as {salesperson.login} (Salesperson, member of {team.name}, next-step policy "
        f"{team.next_step_policy!r}), tracking on; three modes, interleaved call by call:"
    )
    say("  on    = the addon as shipped;")
    say(
        "  off   = the same database with _discipline_enforce patched to a no-op (unittest.mock.patch.object on the "
        "registry class): no deal-type,"
    )
    say(
        "          stage-field, loss nor next-step check; the start-date stamp, the stage history, the next-step "
        "inverse, routing and the activity checks still run;"
    )
    say(
        f"  stock = the same calls on {stock_db}, stock CRM only, same generated data, the same salesperson's "
        "stock groups (Sales: User: Own Documents Only, Contact Creation)."
    )
    say(
        f"  each call: fresh ORM cache, the call, flush, pre-commit hooks, then ROLLBACK TO SAVEPOINT; "
        f"{args.reps} calls per mode after {args.warmup} warm-up ones, the order of the modes rotating."
    )
    say(
        f"  create: N deals in {first_stage.name} with client, source, description and next step (call, goal, "
        "due in 7 days); on stock the deals without"
    )
    say(
        "    the Next Step fields, then activity_schedule() of a call with the same summary and date on them "
        "(one batch)."
    )
    say(
        f"  write: stage_id {first_stage.name} -> {target_stage.name} (requires {required}) on N of the "
        f"{pool_size} generated deals that satisfy it (the same deals on stock)."
    )


def report_extra_queries(sales_env, create_env, values, *, pool, target_stage, size, stock):
    lead_class = type(sales_env["crm.lead"])
    for base in ("off", "stock"):
        say(f"  queries with the rules on minus {base}, by statement and table (one call each, N={size}):")
        for kind in ("create", "write"):
            if kind == "create":

                def make_call():
                    vals_list = values.batch(size)
                    return lambda: create_env["crm.lead"].create(vals_list)

                def make_stock_call():
                    return stock.create_call(size)

            else:

                def make_call():
                    ids = pool[:size]
                    return lambda: sales_env["crm.lead"].browse(ids).write({"stage_id": target_stage.id})

                def make_stock_call():
                    return stock.write_call(0, size)

            extra = extra_queries(
                sales_env, make_call, lead_class, base=base, base_env=stock.env, make_base_call=make_stock_call
            )
            say(
                f"    {OPERATION_LABELS[kind]}: "
                + (", ".join(f"{n:+d} {shape}" for shape, n in extra.items()) or "none")
            )


def new_clients(cr, salesperson):
    """The salesperson's generated clients without a won deal: a new deal of a hunter's pipeline is for them (for a
    current client the addon logs an off-role assignment, which is not the everyday case measured here)."""
    cr.execute(
        """SELECT p.id FROM res_partner p
            WHERE p.ref LIKE %s AND p.user_id = %s
              AND NOT EXISTS (SELECT 1 FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id AND s.is_won
                               WHERE l.partner_id = p.id)
            ORDER BY p.id LIMIT 200""",
        [PARTNER_REF + "%", salesperson.id],
    )
    return [row[0] for row in cr.fetchall()] or [salesperson.partner_id.id]


def stock_side(stock_env, stock_setup, size):
    """The stock database's salesperson (the same position in the same team), values and write pool."""
    cr = stock_env.cr
    salesperson = stock_env.user
    team = stock_setup["teams"][0]
    first_stage, target_stage = stock_setup["stages"][0][0][:2]
    partner_ids = new_clients(cr, salesperson)
    values = DealValues(stock_env, salesperson, team, first_stage, partner_ids, next_step=False)
    pool = write_pool(cr, salesperson, first_stage, size)
    return StockSide(stock_env, values, pool, target_stage.with_env(stock_env))


def report_enforcement(sales_env, setup, args, phases, *, stock_env, stock_setup):  # noqa: PLR0915 (printed step by step)
    cr = sales_env.cr
    salesperson = sales_env.user
    team = setup["teams"][0]
    first_stage, target_stage = setup["stages"][0][0][:2]
    partner_ids = new_clients(cr, salesperson)
    values = DealValues(sales_env, salesperson, team, first_stage, partner_ids)
    sizes = (10, 100)
    pool = write_pool(cr, salesperson, first_stage, 10 * max(sizes))
    stock = stock_side(stock_env, stock_setup, 10 * max(sizes))
    describe_enforcement(salesperson, team, (first_stage, target_stage), len(pool), args, stock_db=stock_env.cr.dbname)
    lead_class = type(sales_env["crm.lead"])
    checks = []
    create_env = sales_env
    crash = attempt(sales_env, lambda: sales_env["crm.lead"].create(values.batch(1)))
    if crash:
        create_env = sales_env(context=dict(sales_env.context, mail_create_nosubscribe=True))
        say(f"  ADDON BUG: a valid deal with its next step, created in the web client's context, fails: {crash}")
        say(
            "    (the next-step inverse creates the activity, which subscribes its assignee, before mail.thread's "
            "create inserts the creator"
        )
        say(
            "    as follower without checking: same partner twice). Creates below run with "
            "mail_create_nosubscribe=True, which ends with the same followers."
        )
    checks.append((not crash, "a deal with its next step can be created in the web client's context"))
    sane, lines = enforcement_sanity(create_env, values, lead_class)
    say("  sanity (rolled back):")
    for line in lines:
        say(line)
    same_pool = len(pool) == len(stock.pool) and [i - pool[0] for i in pool] == [i - stock.pool[0] for i in stock.pool]
    say(
        f"  write pools: {len(pool)} deals on the addon, {len(stock.pool)} on stock, "
        f"{'the same deals (ids and data generated alike)' if same_pool else 'NOT THE SAME DEALS'}"
    )
    pool_size = min(len(pool), len(stock.pool))
    if pool_size < max(sizes):
        sizes = tuple(size for size in sizes if size <= pool_size) or (pool_size,)
        say(f"  only {pool_size} deals fit the stage write: sizes {sizes}")
    mark = time.perf_counter()
    results, paired = measure_enforcement(
        sales_env,
        create_env,
        values,
        pool[:pool_size],
        target_stage,
        sizes=sizes,
        reps=args.reps,
        warmup=args.warmup,
        stock=stock,
    )
    phases["enforcement"] = time.perf_counter() - mark
    say(
        f"  {'operation':<13} {'N':>4} {'on ms':>9} {'off ms':>9} {'stock ms':>9} {'on/stock':>9} {'paired':>7} "
        f"{'on/off':>7} {'paired':>7} {'q on':>5} {'q off':>6} {'q stock':>8} {'+q stock':>9} {'+q off':>7}"
    )
    rows = {}
    for op, modes in results.items():
        on_t, off_t, stock_t = (median(modes[mode]["times"]) for mode in MODES)
        on_q, off_q, stock_q = (median(modes[mode]["queries"]) for mode in MODES)
        rows[op] = {
            "stock_ratio": on_t / stock_t,
            "stock_paired": median(paired[op]["stock"]),
            "stock_q": on_q - stock_q,
            "off_ratio": on_t / off_t,
            "off_paired": median(paired[op]["off"]),
            "off_q": on_q - off_q,
        }
        row = rows[op]
        say(
            f"  {OPERATION_LABELS[op[0]]:<13} {op[1]:>4} {ms(on_t):>9} {ms(off_t):>9} {ms(stock_t):>9} "
            f"{row['stock_ratio']:>9.3f} {row['stock_paired']:>7.3f} {row['off_ratio']:>7.3f} "
            f"{row['off_paired']:>7.3f} "
            f"{on_q:>5g} {off_q:>6g} {stock_q:>8g} {row['stock_q']:>+9g} {row['off_q']:>+7g}"
        )
    say(
        "  (on/stock, on/off = ratios of the medians; paired = median of the per-step ratios; q = queries per call; "
        "+q = queries on minus stock, on minus off)"
    )
    report_extra_queries(
        sales_env, create_env, values, pool=pool, target_stage=target_stage, size=sizes[-1], stock=stock
    )

    checks.append((sane, "rules live for the salesperson and switched off by the patch"))
    for op, row in rows.items():
        name = f"{OPERATION_LABELS[op[0]]} N={op[1]}"
        checks.append(
            (
                row["stock_ratio"] <= TIME_GOAL,
                f"{name}: time addon/stock CRM {row['stock_ratio']:.3f} (paired {row['stock_paired']:.3f}; "
                f"goal <= {TIME_GOAL})",
            )
        )
        checks.append(
            (
                row["stock_q"] <= QUERY_GOAL,
                f"{name}: {row['stock_q']:+g} queries vs stock CRM (goal <= +{QUERY_GOAL})",
            )
        )
        checks.append(
            (
                None,
                f"{name}: rules on/off {row['off_ratio']:.3f} (paired {row['off_paired']:.3f}), {row['off_q']:+g} "
                "queries (the final check alone)",
            )
        )
    for kind in ("create", "write"):
        small, large = (kind, sizes[0]), (kind, sizes[-1])
        if small != large:
            growth = rows[large]["stock_q"] - rows[small]["stock_q"]
            checks.append(
                (
                    growth <= 0,
                    f"{OPERATION_LABELS[kind]}: extra queries vs stock at N={large[1]} minus at N={small[1]}: "
                    f"{growth:+g} (goal: none per extra record)",
                )
            )
            growth_off = rows[large]["off_q"] - rows[small]["off_q"]
            checks.append(
                (
                    None,
                    f"{OPERATION_LABELS[kind]}: extra queries vs rules off at N={large[1]} minus at N={small[1]}: "
                    f"{growth_off:+g}",
                )
            )
    return checks


def report_cron(env, args, phases):
    say()
    say(
        "Cron _cron_discipline_notify_stale as the superuser, one batch per call, rolled back "
        f"({args.cron_reps} calls per batch size):"
    )
    cron = {}
    mark = time.perf_counter()
    for batch_size in (100, 500):
        res = measure_cron(env, batch_size, args.cron_reps)
        times, queries = res["times"], res["queries"]
        cron[batch_size] = (median(times), median(queries))
        say(
            f"  batch_size={batch_size:<4} median {ms(median(times))} ms, of which {ms(res['stale'][0])} ms in its "
            f"{res['stale'][1]} stale-deal queries; {median(queries):g} queries (min {min(queries)}, max "
            f"{max(queries)}) for {res['recipients']} recipients; {res['remaining']:,} stale deals left"
        )
    phases["cron"] = time.perf_counter() - mark
    growth = cron[500][1] - cron[100][1]
    say(f"  queries for 500 deals minus for 100: {growth:+g} (the messages are one per recipient, not per deal)")
    return [
        (None, f"stale cron: one batch of 500 in {ms(cron[500][0])} ms, {cron[500][1]:g} queries ({growth:+g} vs 100)")
    ]


def report_verdict(checks):
    say()
    say("=== VERDICT (figures from a noisy shared machine; the ratios compare modes of this run) ===")
    for ok, text in checks:
        say(f"  {'info' if ok is None else verdict(ok):<4}  {text}")
    judged = [ok for ok, _text in checks if ok is not None]
    failed = judged.count(False)
    say(f"OVERALL: {verdict(not failed)} ({failed} of {len(judged)} checks failed)")


def wrap_query(query, width=116):
    """The query on a few lines, whitespace collapsed."""
    text = re.sub(r"\s+", " ", query).strip()
    return [text[i : i + width] for i in range(0, len(text), width)]


if __name__ == "__main__":
    main()
