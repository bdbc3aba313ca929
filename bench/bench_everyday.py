"""Benchmark of a salesperson's everyday calls: stock CRM against the addon, on the same generated data.

Goal (issue "Everyday speed against stock CRM"): each call the web client makes in a salesperson's day costs at
most 1.15x the same call on a database with stock CRM only, and at most 6 more SQL queries.

What it does:
1. creates two databases (default ``sd_bench_everyday`` with ``sales_discipline``, ``sd_bench_everyday_stock``
   with stock ``crm`` only, both without demo data) through the Odoo command line, unless ``--reuse`` is given;
2. on both, through the ORM: 30 salespeople (``--salespeople``) in two pipelines, the addon's shipped *New
   Clients* and *Current Clients* (next-step policy *refuse*) and, on stock, two teams with the same names and
   the same stages; then, with the same generating SQL and the same seeds (the addon's columns filled only where
   the addon is installed): client companies with complete cards (and prospects without deals, the clients of
   the new deals), 20,000 opportunities (``--deals``; 60 % open, 25 % won, 15 % lost and archived, every field
   the stages require filled), 18,000 planned activities (``--planned``; every open deal has a next step, as
   the *refuse* policy wants), one done activity per deal (``--done``), and on the addon one open stage stay
   per deal and each client's status as the addon's refresh leaves it; then ``VACUUM ANALYZE``;
3. opens both registries in this process and, as the first salesperson of *New Clients* (record rules on),
   times the web client's own calls with the fields each database's views request (``get_views`` of the
   actions' views on each database): create a deal with its next step, move a deal to the next stage (kanban
   drag), mark a step done and plan the next, open the pipeline kanban, the list, a deal form, "My Activities",
   "Late Activities", and the sales teams dashboard; the two databases interleaved call by call, the order
   alternating, ``--reps`` (15) runs each after ``--warmup`` (2); each call is one request: fresh record
   cache, the calls, flush, pre-commit hooks, then rolled back; SQL queries counted per call;
4. prints per call the median times, the time ratio addon/stock, the queries and a verdict (<= 1.15x, <= +6
   queries); with ``--profile``, the statements each database sends for the chosen calls (count and time by
   statement template, addon minus stock), the addon call with the stock view's fields only, with crm's own
   record rule, and the addon's Python functions by cumulative time;
5. exits 0 whatever the verdict (non-zero only when the set-up fails).

Run from anywhere, with Odoo 18 importable as ``odoo`` and a local PostgreSQL the current user may create
databases on::

    python3 bench/bench_everyday.py                          # 20,000 deals: install, data, measures, drop
    python3 bench/bench_everyday.py --keep                   # keep both databases for later runs
    python3 bench/bench_everyday.py --reuse --keep           # rerun on them (data kept when the counts match)
    python3 bench/bench_everyday.py --reuse --update --keep  # same, after the addon's code changed
    python3 bench/bench_everyday.py --deals 1000000 --keep   # a real company's size (900,000 planned steps)
    python3 bench/bench_everyday.py --reuse --keep --profile kanban,form   # where the extra time goes
"""

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import time
from datetime import datetime, timedelta

from bench_common import (
    CLIENT_STATUS_SQL,
    DEFAULT_ADDONS_PATH,
    HISTORY_SQL,
    client_status_params,
    delete_bench_data,
    drop_database,
    prepare_database,
    say,
)
from bench_stock import (
    COUNT_LIMIT,
    View,
    action_views,
    check_columns,
    insert_select,
    prepare_stock_database,
    python_profile,
    statements,
    timed_request,
)

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

MODULE = "sales_discipline"
TIME_GOAL = 1.15
QUERY_GOAL = 6
MARKER = "bench-everyday"  # crm_lead.referred of the generated deals
PARTNER_REF = "BENCH-EV"
SPEC_PARAM = "sales_discipline.bench_everyday_spec"
DATA_VERSION = 4  # bumped when the generator changes, so that --reuse generates again
LOGIN_PREFIX = "bench_ev_sp"
PIPELINES = ("sales_discipline.crm_team_new_clients", "sales_discipline.crm_team_current_clients")
FIRST_TEAM_SHARE = 55  # % of the salespeople and of the deals in New Clients
OPEN_SHARE, WON_SHARE = 60, 85  # cumulative %: open, won, then lost
OVERDUE_SHARE = 30  # % of the planned steps already late
TZ = "Europe/Moscow"
SIDES = ("stock", "addon")
CALLS = (
    ("create", "create a deal with its next step"),
    ("move", "move a deal to the next stage (kanban drag)"),
    ("done_next", "mark the step done, plan the next"),
    ("kanban", "open the pipeline (kanban)"),
    ("list", "open the list (80 deals)"),
    ("form", "open a deal form"),
    ("my_activities", "My Activities"),
    ("late_activities", "Late Activities"),
    ("dashboard", "sales teams dashboard"),
)
CALL_LABELS = dict(CALLS)


def draw(seed, modulo, key="n"):
    """A deterministic pseudo-random integer in [0, modulo) per key, independent from one seed to another."""
    return f"mod(hashint4extended({key}, {seed}) & 2147483647, {modulo})::int"


# ----------------------------------------------------------------------
# Generating SQL: the same statements on both databases, the addon's columns flagged (third item True)
# ----------------------------------------------------------------------

PARTNER_COLUMNS = [
    ("name", "'Bench Client ' || n || ' LLC'"),
    ("complete_name", "'Bench Client ' || n || ' LLC'"),
    ("commercial_company_name", "'Bench Client ' || n || ' LLC'"),
    ("ref", "%(ref)s || n"),
    ("type", "'contact'"),
    ("is_company", "TRUE"),
    ("active", "TRUE"),
    ("lang", "'en_US'"),
    ("tz", f"'{TZ}'"),
    ("user_id", f"(%(user_ids)s::int[])[1 + {draw(31, '%(n_users)s')}]"),
    ("country_id", "%(country_id)s"),
    ("city", f"(ARRAY['Moscow', 'Kazan', 'Samara', 'Tver', 'Perm', 'Omsk'])[1 + {draw(32, 6)}]"),
    ("email", "'office@client' || n || '.example'"),
    ("phone", "'+7 495 ' || lpad(n::text, 7, '0')"),
    ("street", "n || ' Industrial Avenue'"),
    ("industry_id", f"(%(industry_ids)s::int[])[1 + {draw(35, '%(n_industries)s')}]"),
    ("partner_share", "TRUE"),
    ("employee", "FALSE"),
    ("create_uid", "%(uid)s"),
    ("write_uid", "%(uid)s"),
    ("create_date", "now() at time zone 'UTC'"),
    ("write_date", "now() at time zone 'UTC'"),
    ("client_type", f"(ARRAY['end_customer', 'reseller', 'distributor', 'partner'])[1 + {draw(33, 4)}]", True),
    ("company_size", f"(ARRAY['micro', 'small', 'medium', 'large', 'enterprise'])[1 + {draw(34, 5)}]", True),
    ("client_status", "'inquiry'", True),
    ("data_completeness", "100", True),
    ("is_data_complete", "TRUE", True),
    ("acquisition_source_id", f"(%(source_ids)s::int[])[1 + {draw(36, '%(n_sources)s')}]", True),
]
PARTNERS_SOURCE = "generate_series(1, %(count)s) AS n"

# One chunk of deals, n = its ordinal in the whole data set: every draw is keyed on n, so that both databases
# get the same deals whatever their ids.
DEALS_SOURCE = f"""
WITH numbered AS MATERIALIZED (
    SELECT n, nextval('crm_lead_id_seq')::int AS id FROM generate_series(%(first)s, %(last)s) AS n ORDER BY n
), drawn AS (
    SELECT id, n,
           CASE WHEN {draw(1, 100)} < %(team_share)s THEN 1 ELSE 2 END AS t,
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
               - make_interval(days => CASE WHEN state = 'open' THEN floor(60 * age_draw * age_draw)::int
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
    ("name", f"'Deal ' || n || ': ' || (ARRAY['pumps', 'valves', 'pipes', 'boilers', 'filters'])[1 + {draw(9, 5)}]"),
    ("referred", "%(marker)s"),
    ("type", "'opportunity'"),
    ("active", "state <> 'lost'"),
    ("team_id", "team_id"),
    ("user_id", "user_id"),
    ("company_id", "%(company_id)s"),
    ("stage_id", "stage_id"),
    ("partner_id", f"(%(partner_ids)s::int[])[1 + {draw(15, '%(n_partners)s')}]"),
    ("contact_name", "'Buyer ' || n"),
    ("priority", f"(ARRAY['0', '0', '1', '1', '2', '3'])[1 + {draw(16, 6)}]"),
    ("expected_revenue", "revenue"),
    ("prorated_revenue", "round(revenue * probability / 100, 2)"),
    ("probability", "probability"),
    ("automated_probability", "probability"),
    ("description", "'<p>The client needs equipment for a new plant.</p>'"),
    ("source_id", f"(%(source_ids)s::int[])[1 + {draw(14, '%(n_sources)s')}]"),
    ("lost_reason_id", f"CASE WHEN state = 'lost' THEN (%(reason_ids)s::int[])[1 + {draw(11, '%(n_reasons)s')}] END"),
    ("date_open", "created"),
    ("date_closed", "CASE WHEN state <> 'open' THEN moved END"),
    ("date_last_stage_update", "moved"),
    ("date_deadline", f"CASE WHEN state = 'open' THEN (moved + make_interval(days => 20 + {draw(19, 90)}))::date END"),
    ("day_open", "0"),
    ("day_close", "CASE WHEN state <> 'open' THEN extract(epoch FROM moved - created) / 86400 ELSE 0 END"),
    ("color", "0"),
    ("create_uid", "user_id"),
    ("write_uid", "user_id"),
    ("create_date", "created"),
    ("write_date", "moved"),
    ("deal_type", f"(ARRAY['new_sale', 'returning', 'expansion', 'promo'])[1 + {draw(17, 4)}]", True),
    ("lost_stage_id", "CASE WHEN state = 'lost' THEN stage_id END", True),
    ("lost_comment", "CASE WHEN state = 'lost' THEN 'Details given by the client.' END", True),
    ("date_started", "created", True),
    (
        "last_touch_date",
        f"""CASE WHEN {draw(20, 100)} < 50
                 THEN greatest(created, %(now)s::timestamp - make_interval(days => {draw(21, 45)}))
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

# The activities of one range of deals: planned ones on the open deals, done (archived) ones on every deal.
# k = the deal's ordinal (its id minus the first generated id) keeps the draws identical on both databases.
ACTIVITIES_SOURCE = f"""
WITH deals AS (
    SELECT l.id, l.name, l.user_id, l.date_last_stage_update AS moved, l.id - %(first_id)s AS k,
           CASE WHEN l.active AND s.is_won IS NOT TRUE
                THEN %(planned_base)s + (CASE WHEN {draw(23, 1000, "l.id - %(first_id)s")} < %(planned_extra)s
                                              THEN 1 ELSE 0 END)
                ELSE 0 END AS planned,
           %(done_base)s + (CASE WHEN {draw(24, 1000, "l.id - %(first_id)s")} < %(done_extra)s THEN 1 ELSE 0 END)
               AS done
      FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id
     WHERE l.referred = %(marker)s AND l.id BETWEEN %(lo)s AND %(hi)s
), rows AS (
    SELECT d.*, s, s <= planned AS is_planned, d.k * 16 + s AS r,
           {draw(25, 4, "d.k * 16 + s")} + 1 AS type_index
      FROM deals d CROSS JOIN LATERAL generate_series(1, d.planned + d.done) AS s
), dated AS (
    SELECT w.*,
           CASE WHEN is_planned THEN %(today)s::date + ({draw(26, 100, "r")} - %(overdue_share)s)
                ELSE moved::date - {draw(27, 60, "r")} END AS deadline
      FROM rows w
)
dated"""
ACTIVITY_COLUMNS = [
    ("res_model_id", "%(model_id)s"),
    ("res_model", "'crm.lead'"),
    ("res_id", "id"),
    ("res_name", "name"),
    ("activity_type_id", "(%(type_ids)s::int[])[type_index]"),
    ("user_id", "user_id"),
    ("user_tz", f"'{TZ}'"),
    ("summary", "(%(goals)s::text[])[type_index]"),
    ("date_deadline", "deadline"),
    ("date_done", f"CASE WHEN NOT is_planned THEN least(deadline + {draw(29, 5, 'r')}, %(today)s::date) END"),
    ("active", "is_planned"),
    ("automated", "FALSE"),
    ("create_uid", "user_id"),
    ("write_uid", "user_id"),
    ("create_date", "CASE WHEN is_planned THEN %(now)s::timestamp - interval '3 days' ELSE deadline - 3 END"),
    ("write_date", "CASE WHEN is_planned THEN %(now)s::timestamp - interval '3 days' ELSE deadline + 1 END"),
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
def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", default="sd_bench_everyday", help="the addon's database (default: %(default)s)")
    parser.add_argument("--stock-db", help="the stock CRM database (default: the addon's name + _stock)")
    parser.add_argument("--reuse", action="store_true", help="reuse the databases when they are set up")
    parser.add_argument("--update", action="store_true", help="with --reuse: upgrade the addon first (-u)")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases at the end")
    parser.add_argument("--addons-path", default=DEFAULT_ADDONS_PATH, help="Odoo addons path")
    parser.add_argument("--deals", type=int, default=20_000, help="opportunities to generate (default 20000)")
    parser.add_argument("--planned", type=int, help="planned activities (default: 0.9 per deal)")
    parser.add_argument("--done", type=int, help="done (archived) activities (default: one per deal)")
    parser.add_argument("--salespeople", type=int, default=30, help="salespeople (default 30)")
    parser.add_argument("--chunk", type=int, default=250_000, help="deals per generating statement (default 250000)")
    parser.add_argument("--reps", type=int, default=15, help="measured runs of each call per database (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured runs per call and database (default 2)")
    parser.add_argument("--calls", help="comma-separated subset of: " + ", ".join(key for key, _label in CALLS))
    parser.add_argument(
        "--cold", action="store_true", help="also empty the registries' ormcaches before each call (default: warm)"
    )
    parser.add_argument("--show-specs", action="store_true", help="print the field specification of each view")
    parser.add_argument(
        "--profile", help="comma-separated calls (or 'all') to profile after the measures: statements, variants"
    )
    args = parser.parse_args()
    args.stock_db = args.stock_db or f"{args.db}_stock"
    args.planned = round(0.9 * args.deals) if args.planned is None else args.planned
    args.done = args.deals if args.done is None else args.done
    args.calls = [key for key, _label in CALLS if not args.calls or key in args.calls.split(",")]
    if args.profile:
        wanted = args.profile.split(",")
        args.profile = [key for key, _label in CALLS if "all" in wanted or key in wanted]
    return args


# ----------------------------------------------------------------------
# Set-up through the ORM: salespeople and pipelines
# ----------------------------------------------------------------------


def pipeline_definition(env):
    """The shipped pipelines as the addon database has them: team name and sequence, stages."""
    result = []
    for xmlid in PIPELINES:
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


def ensure_setup(env, addon, definition, count):
    """Salespeople and the two pipelines (shipped on the addon, created alike on stock); idempotent."""
    Users = env["res.users"].with_context(active_test=False, no_reset_password=True, mail_create_nolog=True)
    logins = [f"{LOGIN_PREFIX}{i:02d}" for i in range(1, count + 1)]
    users = Users.search([("login", "like", LOGIN_PREFIX + "%")]).sorted("login")
    if users.mapped("login") != logins:
        if users:
            raise SystemExit(f"{env.cr.dbname} holds other bench salespeople: drop it and run again")
        if addon:
            groups = env.ref("sales_discipline.group_salesperson")
        else:  # what the addon's Salesperson role implies
            groups = env.ref("sales_team.group_sale_salesman") | env.ref("base.group_partner_manager")
        users = Users.create(
            [
                {
                    "name": f"Bench Salesperson {login[-2:]}",
                    "login": login,
                    "email": f"{login}@bench.example",
                    "tz": TZ,
                    "groups_id": [Command.set(groups.ids)],
                }
                for login in logins
            ]
        ).sorted("login")
    if addon:
        teams = [env.ref(xmlid) for xmlid in PIPELINES]
    else:
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
    first = max(1, round(count * FIRST_TEAM_SHARE / 100))
    split = [users[:first], users[first:]]
    for team, members in zip(teams, split, strict=True):
        if team.crm_team_member_ids.user_id != members:
            team.write(
                {"crm_team_member_ids": [Command.clear()] + [Command.create({"user_id": u.id}) for u in members]}
            )
    stages = []
    for team in teams:
        team_stages = env["crm.stage"].search([("team_id", "=", team.id)], order="sequence, id")
        stages.append((team_stages.filtered(lambda s: not s.is_won), team_stages.filtered("is_won")[:1]))
    return {"users": users, "teams": teams, "members": split, "stages": stages}


# ----------------------------------------------------------------------
# Data in SQL
# ----------------------------------------------------------------------


def spec_value(args):
    return f"{DATA_VERSION}:{args.deals}/{args.planned}/{args.done}/{args.salespeople}"


def client_counts(args):
    """Client companies that get the deals, and prospects without any deal yet (the new deals are for them)."""
    return max(200, args.deals // 20), max(300, args.deals // 50)


def generate_data(env, args, setup, addon, now):  # noqa: PLR0915 (one linear generator)
    """Partners, deals, activities (and, on the addon, stage stays) in SQL; committed chunk by chunk."""
    cr = env.cr
    check_columns(cr, "res_partner", PARTNER_COLUMNS, addon=addon)
    check_columns(cr, "crm_lead", DEAL_COLUMNS, addon=addon)
    check_columns(cr, "mail_activity", ACTIVITY_COLUMNS, addon=addon)
    delete_bench_data(cr, MARKER, PARTNER_REF)
    cr.commit()
    mark = time.perf_counter()
    today = now.date()
    users = setup["users"]
    clients, prospects = client_counts(args)
    cr.execute("SELECT id FROM utm_source ORDER BY id")
    source_ids = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT id FROM res_partner_industry ORDER BY id")
    industry_ids = [row[0] for row in cr.fetchall()]
    # client cards complete for the addon's shipped client policy (name, type, street, phone, email, channel,
    # industry), so that saving a deal does not stumble on its client's card
    cr.execute(
        insert_select("res_partner", PARTNER_COLUMNS, PARTNERS_SOURCE, addon=addon),
        {
            "ref": PARTNER_REF,
            "count": clients + prospects,
            "user_ids": users.ids,
            "n_users": len(users),
            "country_id": env.ref("base.ru").id,
            "uid": SUPERUSER_ID,
            "source_ids": source_ids,
            "n_sources": len(source_ids),
            "industry_ids": industry_ids,
            "n_industries": len(industry_ids),
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE ref LIKE %s RETURNING id", [PARTNER_REF + "%"])
    partner_ids = sorted(row[0] for row in cr.fetchall())
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
    cr.execute("SELECT id FROM crm_lost_reason ORDER BY id")
    reason_ids = [row[0] for row in cr.fetchall()]
    deal_params = {
        "marker": MARKER,
        "now": now,
        "company_id": env.company.id,
        "team_share": FIRST_TEAM_SHARE,
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
        "partner_ids": partner_ids[:clients],  # the prospects get no deal
        "n_partners": clients,
        "source_ids": source_ids,
        "n_sources": len(source_ids),
        "reason_ids": reason_ids,
        "n_reasons": len(reason_ids),
    }
    deals_sql = insert_select("crm_lead", DEAL_COLUMNS, DEALS_SOURCE, addon=addon)
    done = 0
    while done < args.deals:
        count = min(args.chunk, args.deals - done)
        cr.execute(deals_sql, {**deal_params, "first": done + 1, "last": done + count})
        cr.commit()
        done += count
        say(f"  [{cr.dbname}] deals: {done:,}/{args.deals:,} ({time.perf_counter() - mark:.0f} s)")
    # the deal's email and phone are its client's, as crm computes them (else the form saves them back)
    cr.execute(
        """UPDATE crm_lead l SET email_from = p.email, email_normalized = p.email, phone = p.phone
             FROM res_partner p WHERE p.id = l.partner_id AND l.referred = %s""",
        [MARKER],
    )
    cr.commit()
    if addon:
        cr.execute(HISTORY_SQL, {"marker": MARKER})
        say(f"  [{cr.dbname}] stage stays: {cr.rowcount:,} ({time.perf_counter() - mark:.0f} s)")
        cr.execute(CLIENT_STATUS_SQL, client_status_params(env, today, MARKER, PARTNER_REF))
        cr.commit()

    cr.execute(
        """SELECT min(l.id), max(l.id), count(*) FILTER (WHERE l.active AND s.is_won IS NOT TRUE)
             FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id WHERE l.referred = %s""",
        [MARKER],
    )
    low, high, open_deals = cr.fetchone()
    planned_per_open = args.planned / max(open_deals, 1)
    done_per_deal = args.done / max(args.deals, 1)
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
        "first_id": low,
        "overdue_share": OVERDUE_SHARE,
        "planned_base": int(planned_per_open),
        "planned_extra": round((planned_per_open - int(planned_per_open)) * 1000),
        "done_base": int(done_per_deal),
        "done_extra": round((done_per_deal - int(done_per_deal)) * 1000),
        "model_id": env["ir.model"]._get_id("crm.lead"),
        "type_ids": [activity_type.id for activity_type, _goal in types],
        "goals": [goal for _type, goal in types],
        "meeting_id": types[1][0].id,
    }
    activities_sql = insert_select("mail_activity", ACTIVITY_COLUMNS, ACTIVITIES_SOURCE, addon=addon)
    inserted = 0
    for lo in range(low, high + 1, args.chunk):
        cr.execute(activities_sql, {**activity_params, "lo": lo, "hi": min(lo + args.chunk - 1, high)})
        inserted += cr.rowcount
        cr.commit()
        say(f"  [{cr.dbname}] activities: {inserted:,} ({time.perf_counter() - mark:.0f} s)")
    env["ir.config_parameter"].set_param(SPEC_PARAM, spec_value(args))
    cr.commit()
    tables = ["res_partner", "crm_lead", "mail_activity"] + (["crm_lead_stage_history"] if addon else [])
    for table in tables:
        subprocess.run(["psql", "-d", cr.dbname, "-qc", f"VACUUM ANALYZE {table}"], check=True)
    say(f"  [{cr.dbname}] generated and analysed in {time.perf_counter() - mark:.0f} s")


def data_counts(cr, uid):
    cr.execute(
        """SELECT count(*), count(*) FILTER (WHERE l.active AND s.is_won IS NOT TRUE), count(*) FILTER (WHERE s.is_won),
                  count(*) FILTER (WHERE NOT l.active), count(*) FILTER (WHERE l.user_id = %s),
                  count(*) FILTER (WHERE l.user_id = %s AND l.active AND s.is_won IS NOT TRUE),
                  coalesce(sum(l.expected_revenue), 0)
             FROM crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id WHERE l.referred = %s""",
        [uid, uid, MARKER],
    )
    deals, open_, won, lost, own, own_open, revenue = cr.fetchone()
    cr.execute(
        """SELECT count(*) FILTER (WHERE a.active), count(*) FILTER (WHERE NOT a.active),
                  count(*) FILTER (WHERE a.active AND a.date_deadline < current_date)
             FROM mail_activity a JOIN crm_lead l ON l.id = a.res_id AND a.res_model = 'crm.lead'
            WHERE l.referred = %s""",
        [MARKER],
    )
    planned, done, late = cr.fetchone()
    cr.execute(
        """SELECT count(*) FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id
            WHERE l.referred = %s AND l.active AND s.is_won IS NOT TRUE
              AND NOT EXISTS (SELECT 1 FROM mail_activity a WHERE a.res_model = 'crm.lead' AND a.active
                                 AND a.res_id = l.id)""",
        [MARKER],
    )
    without_step = cr.fetchone()[0]
    return {
        "deals": deals,
        "open": open_,
        "won": won,
        "lost": lost,
        "own": own,
        "own_open": own_open,
        "revenue": float(revenue),
        "planned": planned,
        "done": done,
        "late": late,
        "open without step": without_step,
    }


# ----------------------------------------------------------------------
# One database: its salesperson, views, pools of records and calls
# ----------------------------------------------------------------------


class Side:
    """One database as the salesperson sees it through the web client."""

    def __init__(self, name, registry, setup):
        self.name = name
        self.addon = name == "addon"
        self.registry = registry
        self.cr = registry.cursor()
        root = api.Environment(self.cr, SUPERUSER_ID, {})
        self.team = setup["teams"][0].with_env(root)
        self.user = setup["members"][0][0].with_env(root)
        self.first_stage, self.next_stage = setup["stages"][0][0][:2].with_env(root)
        self.company = root.company
        self.context = {"lang": "en_US", "tz": TZ, "uid": self.user.id, "allowed_company_ids": [self.company.id]}
        self.env = api.Environment(self.cr, self.user.id, self.context)
        self.today = datetime.now().date()
        self.call_type = root.ref("mail.mail_activity_data_call").id
        self.load_views()
        self.load_pools()

    # views, as the web client gets them for this user
    def load_views(self):
        env = self.env
        pipeline, pipeline_views = action_views(env, "crm.crm_lead_action_pipeline")
        self.pipeline_context = {**self.context, "default_type": "opportunity", "default_team_id": self.team.id}
        self.kanban = View(env, "crm.lead", pipeline_views["kanban"], "kanban", self.pipeline_context)
        self.list = View(env, "crm.lead", pipeline_views["list"], "list", self.pipeline_context)
        self.form = View(env, "crm.lead", pipeline_views.get("form", False), "form", self.pipeline_context)
        self.pipeline_domain = [*safe_domain(pipeline["domain"]), ("user_id", "=", self.user.id)]
        activities, activity_views = action_views(env, "crm.crm_lead_action_my_activities")
        self.activities_list = View(env, "crm.lead", activity_views["list"], "list", self.context)
        self.activities_domain = [*safe_domain(activities["domain"]), ("activity_user_id", "=", self.user.id)]
        teams, team_views = action_views(env, "sales_team.crm_team_action_pipeline")
        self.dashboard = View(env, "crm.team", team_views["kanban"], "kanban", self.context)
        self.dashboard_domain = safe_domain(teams["domain"])
        self.activity_form = View(env, "mail.activity", False, "form", self.context)
        self.schedule_form = View(env, "mail.activity.schedule", False, "form", self.context)

    # records the write calls work on: the same ordinal on both databases (the data are the same)
    def load_pools(self):
        cr = self.cr
        cr.execute(
            """SELECT l.id FROM crm_lead l
                WHERE l.referred = %s AND l.user_id = %s AND l.stage_id = %s AND l.active
                ORDER BY l.id LIMIT 200""",
            [MARKER, self.user.id, self.first_stage.id],
        )
        self.move_pool = [row[0] for row in cr.fetchall()]
        cr.execute(
            """SELECT DISTINCT ON (l.id) a.id FROM crm_lead l
                 JOIN crm_stage s ON s.id = l.stage_id AND s.is_won IS NOT TRUE
                 JOIN mail_activity a ON a.res_model = 'crm.lead' AND a.res_id = l.id AND a.active
                WHERE l.referred = %s AND l.user_id = %s AND l.active
                ORDER BY l.id, a.date_deadline, a.id LIMIT 200""",
            [MARKER, self.user.id],
        )
        self.done_pool = [row[0] for row in cr.fetchall()]
        cr.execute(
            """SELECT l.id FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id AND s.is_won IS NOT TRUE
                WHERE l.referred = %s AND l.user_id = %s AND l.active ORDER BY l.id LIMIT 200""",
            [MARKER, self.user.id],
        )
        self.form_pool = [row[0] for row in cr.fetchall()]
        cr.execute(  # the prospects: a hunter's new deal is for a new client
            """SELECT p.id FROM res_partner p
                WHERE p.ref LIKE %s AND p.user_id = %s
                  AND NOT EXISTS (SELECT 1 FROM crm_lead l WHERE l.partner_id = p.id)
                ORDER BY p.id LIMIT 50""",
            [PARTNER_REF + "%", self.user.id],
        )
        self.partner_pool = [row[0] for row in cr.fetchall()]
        cr.execute("SELECT id FROM utm_source ORDER BY id LIMIT 1")
        self.source_id = cr.fetchone()[0]
        pools = {"move": self.move_pool, "done": self.done_pool, "form": self.form_pool, "partner": self.partner_pool}
        empty = [name for name, pool in pools.items() if not pool]
        if empty:
            raise SystemExit(f"{cr.dbname}: the generated data give {self.user.login} nothing to work on ({empty})")

    def close(self):
        self.cr.rollback()
        self.cr.close()

    # ------------------------------------------------------------------
    # The calls, as the web client sends them
    # ------------------------------------------------------------------

    def call(self, key, rep):
        """A callable making the calls of ``key``; ``rep`` picks the record, the same on both databases."""
        return getattr(self, f"call_{key}")(rep)

    def call_create(self, rep):
        """The deal form: onchange of the empty form, save; on stock, then the chatter's Schedule Activity
        dialog (mail.activity.schedule: onchange, save, Schedule button); on the addon, the next step is part
        of the deal form."""
        today = self.today
        vals = {
            "name": f"Bench everyday deal {rep}",
            "partner_id": self.partner_pool[rep % len(self.partner_pool)],
            "expected_revenue": 5000.0 + rep,
            "team_id": self.team.id,
            "user_id": self.user.id,
            "stage_id": self.first_stage.id,
            "source_id": self.source_id,
            "description": "<p>The client needs pumps for a new line.</p>",
            "date_deadline": today + timedelta(days=45),
        }
        if self.addon:
            vals.update(
                next_step_type_id=self.call_type,
                next_step_goal="Sell the meeting",
                next_step_deadline=today + timedelta(days=7),
            )
        Lead = self.env["crm.lead"].with_context(self.pipeline_context)

        def call():
            Lead.onchange({}, [], self.form.spec)
            [deal] = Lead.web_save(vals, self.form.spec)
            if not self.addon:
                context = {
                    **self.context,
                    "active_model": "crm.lead",
                    "active_id": deal["id"],
                    "active_ids": [deal["id"]],
                }
                Schedule = self.env["mail.activity.schedule"].with_context(context)
                Schedule.onchange({}, [], self.schedule_form.spec)
                [wizard] = Schedule.web_save(
                    {
                        "activity_type_id": self.call_type,
                        "summary": "Sell the meeting",
                        "date_deadline": today + timedelta(days=7),
                        "activity_user_id": self.user.id,
                    },
                    self.schedule_form.spec,
                )
                Schedule.browse(wizard["id"]).action_schedule_activities()
            return deal

        return call

    def call_move(self, rep):
        """Kanban drag to the next column: save the stage, the rainbowman check, the progress bars, and the
        source column reloaded (it holds more deals than it shows)."""
        deal = self.move_pool[rep % len(self.move_pool)]
        Lead = self.env["crm.lead"].with_context(self.pipeline_context)
        source_domain = [*self.pipeline_domain, ("stage_id", "=", self.first_stage.id)]

        def call():
            Lead.browse(deal).web_save({"stage_id": self.next_stage.id}, self.kanban.spec)
            Lead.browse(deal).get_rainbowman_message()
            Lead.read_progress_bar(self.pipeline_domain, "stage_id", self.kanban.progress_bar())
            Lead.web_search_read(
                source_domain,
                self.kanban.spec,
                offset=0,
                limit=self.kanban.limit,
                order=self.kanban.default_order,
                count_limit=COUNT_LIMIT,
            )

        return call

    def call_done_next(self, rep):
        """Done & Schedule Next on the deal's next step, then the activity dialog it opens: onchange, save."""
        activity_id = self.done_pool[rep % len(self.done_pool)]
        vals = {
            "activity_type_id": self.call_type,
            "summary": "Agree the terms of the contract",
            "date_deadline": self.today + timedelta(days=5),
            "user_id": self.user.id,
        }
        if self.addon:
            vals["goal"] = "Agree the terms of the contract"

        def call():
            activity = self.env["mail.activity"].browse(activity_id)
            action = activity.action_feedback_schedule_next(feedback="The client agreed to a second meeting.")
            Activity = self.env["mail.activity"].with_context({**self.context, **action["context"]})
            Activity.onchange({}, [], self.activity_form.spec)
            return Activity.web_save(vals, self.activity_form.spec)

        return call

    def call_kanban(self, _rep):
        """The progress bars, web_read_group by stage with the view's aggregates, each unfolded column, and the
        recurring-revenue group check of crm's kanban."""
        Lead = self.env["crm.lead"].with_context({**self.pipeline_context, "bin_size": True})
        view = self.kanban

        def call():
            Lead.read_progress_bar(self.pipeline_domain, "stage_id", view.progress_bar())
            result = Lead.web_read_group(
                self.pipeline_domain, view.aggregates(), ["stage_id"], limit=None, offset=0, orderby="", lazy=True
            )
            opened = 0
            for group in result["groups"]:
                if group.get("__fold") or not group.get("stage_id_count") or opened >= 10:
                    continue
                opened += 1
                Lead.web_search_read(
                    group["__domain"], view.spec, offset=0, limit=view.limit, order=view.default_order,
                    count_limit=COUNT_LIMIT,
                )  # fmt: skip
            self.env.user.has_group("crm.group_use_recurring_revenues")
            return result

        return call

    def call_list(self, _rep):
        Lead = self.env["crm.lead"].with_context({**self.pipeline_context, "bin_size": True})

        def call():
            result = Lead.web_search_read(
                self.pipeline_domain, self.list.spec, offset=0, limit=self.list.limit, order=self.list.default_order,
                count_limit=COUNT_LIMIT,
            )  # fmt: skip
            self.env.user.has_group("base.group_allow_export")  # the list's export button
            return result

        return call

    def call_form(self, rep):
        deal = self.form_pool[rep % len(self.form_pool)]
        Lead = self.env["crm.lead"].with_context({**self.pipeline_context, "bin_size": True})

        Stage = self.env["crm.stage"].with_context(self.context)
        Team = self.env["crm.team"].with_context(self.context)

        def call():
            [record] = Lead.browse(deal).web_read(self.form.spec)
            stage_id, team_id = record["stage_id"]["id"], record["team_id"]["id"]
            # the status bar's stages, and the properties' right to edit their definition on the team
            Stage.search_read(
                ["|", ("id", "=", stage_id), "|", ("team_id", "=", team_id), ("team_id", "=", False)],
                ["display_name", "fold"],
            )
            Team.browse().has_access("write")
            return record

        return call

    def _activities(self, extra):
        Lead = self.env["crm.lead"].with_context({**self.context, "default_type": "opportunity", "bin_size": True})
        domain = [*self.activities_domain, *extra]

        def call():
            result = Lead.web_search_read(
                domain, self.activities_list.spec, offset=0, limit=self.activities_list.limit,
                order=self.activities_list.default_order, count_limit=COUNT_LIMIT,
            )  # fmt: skip
            self.env.user.has_group("base.group_allow_export")  # the list's export button
            return result

        return call

    def call_my_activities(self, _rep):
        return self._activities([])

    def call_late_activities(self, _rep):
        return self._activities([("my_activity_date_deadline", "<", self.today.isoformat())])

    def call_dashboard(self, _rep):
        Team = self.env["crm.team"].with_context({**self.context, "bin_size": True})

        def call():
            return Team.web_search_read(
                self.dashboard_domain, self.dashboard.spec, offset=0, limit=self.dashboard.limit,
                order=self.dashboard.default_order, count_limit=COUNT_LIMIT,
            )  # fmt: skip

        return call


def safe_domain(domain):
    if isinstance(domain, str):
        return odoo.tools.safe_eval.safe_eval(domain)
    return list(domain or [])


# ----------------------------------------------------------------------
# Measures
# ----------------------------------------------------------------------


def sanity(sides, calls):
    """Each call runs on both databases (rolled back); a refusal or a crash is reported, not timed."""
    broken = {}
    for key in calls:
        for side in sides.values():
            try:
                timed_request(side.env, side.call(key, 0))
            except Exception as error:  # reported, then the call is left out
                side.cr.rollback()
                broken.setdefault(key, []).append(f"{side.name}: {type(error).__name__}: {error}".splitlines()[0])
    return broken


def measure(sides, calls, args):
    """Interleave the two databases call by call, the order alternating; fresh request each time."""
    results = {key: {name: {"times": [], "queries": []} for name in SIDES} for key in calls}
    gc.collect()
    gc.disable()
    try:
        for step in range(args.warmup + args.reps):
            for key in calls:
                order = SIDES if step % 2 == 0 else SIDES[::-1]
                for name in order:
                    side = sides[name]
                    elapsed, queries, _result = timed_request(side.env, side.call(key, step), cold=args.cold)
                    if step >= args.warmup:
                        results[key][name]["times"].append(elapsed)
                        results[key][name]["queries"].append(queries)
                gc.collect()
    finally:
        gc.enable()
    return results


def ms(seconds):
    return f"{seconds * 1000:.1f}"


def report_data(sides, args):
    counts = {name: data_counts(side.cr, side.user.id) for name, side in sides.items()}
    cr = sides["addon"].cr
    cr.execute("SHOW server_version")
    version = cr.fetchone()[0]
    say()
    say("=== sales_discipline: a salesperson's everyday calls, stock CRM vs the addon ===")
    say(
        f"Odoo {odoo.release.version}, PostgreSQL {version}, {os.cpu_count()} CPUs. The machine is shared and noisy: "
        "compare the two databases measured within this run (interleaved), not figures across runs."
    )
    say(f"Databases: {args.stock_db} (stock crm) and {args.db} ({MODULE}); {args.salespeople} salespeople.")
    keys = list(counts["stock"])
    say(f"  {'data':<22} {'stock':>12} {'addon':>12}")
    for key in keys:
        same = "" if counts["stock"][key] == counts["addon"][key] else "  DIFFER"
        say(f"  {key:<22} {counts['stock'][key]:>12,.0f} {counts['addon'][key]:>12,.0f}{same}")
    side = sides["addon"]
    say(
        f"As {side.user.login} (salesperson of {side.team.name}, record rules on), context lang en_US, tz {TZ}; "
        f"{'ormcaches emptied before each call' if args.cold else 'ormcaches warm, record cache fresh per call'}."
    )
    for name, side in sides.items():
        say(
            f"  {name}: kanban {len(side.kanban.spec)} fields, list {len(side.list.spec)}, form {len(side.form.spec)}, "
            f"activities list {len(side.activities_list.spec)}, team dashboard {len(side.dashboard.spec)}"
        )
    extra = {
        view: sorted(set(getattr(sides["addon"], view).spec) - set(getattr(sides["stock"], view).spec))
        for view in ("kanban", "list", "form", "activities_list", "dashboard")
    }
    for view, names in extra.items():
        if names:
            say(f"  the addon's {view} view adds: {', '.join(names)}")
    say(f"  the write calls work on the same records on both databases: {'yes' if same_records(sides) else 'NO'}")
    if args.show_specs:
        for name, side in sides.items():
            for view in ("kanban", "list", "form", "activities_list", "dashboard", "activity_form", "schedule_form"):
                say(f"  [{name}] {view} ({getattr(side, view).model}): {json.dumps(getattr(side, view).spec)}")
    return counts


def same_records(sides):
    """The pools of the write calls hold the same deals and steps on both databases (names, dates)."""
    seen = []
    for side in sides.values():
        cr = side.cr
        cr.execute("SELECT name FROM crm_lead WHERE id = ANY(%s) ORDER BY id", [side.move_pool + side.form_pool])
        deals = [row[0] for row in cr.fetchall()]
        cr.execute(
            """SELECT l.name, a.date_deadline FROM mail_activity a JOIN crm_lead l ON l.id = a.res_id
                WHERE a.id = ANY(%s) ORDER BY a.res_id""",
            [side.done_pool],
        )
        steps = cr.fetchall()
        cr.execute("SELECT name FROM res_partner WHERE id = ANY(%s) ORDER BY id", [side.partner_pool])
        seen.append((deals, steps, [row[0] for row in cr.fetchall()]))
    return seen[0] == seen[1]


def report_results(results, broken, args):
    say()
    say(
        f"Calls, median of {args.reps} runs per database after {args.warmup} warm-up ones, interleaved (ratio = "
        f"addon / stock; goal <= {TIME_GOAL}x and <= +{QUERY_GOAL} queries):"
    )
    say(f"  {'call':<44} {'stock ms':>9} {'addon ms':>9} {'ratio':>6} {'q stock':>8} {'q addon':>8} {'+q':>5}  verdict")
    verdicts = []
    rows = {}
    for key, label in CALLS:
        if key in broken:
            say(f"  {label:<44} NOT MEASURED: {'; '.join(broken[key])}")
            verdicts.append((False, key))
            continue
        if key not in results:
            continue
        res = results[key]
        stock_t, addon_t = (statistics.median(res[name]["times"]) for name in SIDES)
        stock_q, addon_q = (statistics.median(res[name]["queries"]) for name in SIDES)
        ratio = addon_t / stock_t
        ok = ratio <= TIME_GOAL and addon_q - stock_q <= QUERY_GOAL
        rows[key] = {"ratio": ratio, "extra_q": addon_q - stock_q, "stock": stock_t, "addon": addon_t}
        verdicts.append((ok, key))
        say(
            f"  {label:<44} {ms(stock_t):>9} {ms(addon_t):>9} {ratio:>5.2f}x {stock_q:>8g} {addon_q:>8g} "
            f"{addon_q - stock_q:>+5g}  {'PASS' if ok else 'FAIL'}"
        )
    failed = [key for ok, key in verdicts if not ok]
    say()
    say("=== VERDICT (figures from a noisy shared machine; the ratios compare the databases within this run) ===")
    for ok, key in verdicts:
        row = rows.get(key)
        detail = f"{row['ratio']:.2f}x, {row['extra_q']:+g} queries" if row else "not measured"
        say(f"  {'PASS' if ok else 'FAIL'}  {CALL_LABELS[key]}: {detail}")
    say(f"OVERALL: {'PASS' if not failed else 'FAIL'} ({len(failed)} of {len(verdicts)} calls failed)")
    return rows


# ----------------------------------------------------------------------
# Profiling: where the addon's extra time and queries go
# ----------------------------------------------------------------------


def table_of(statement):
    """The verb and first table of a statement template: "SELECT crm_lead"."""
    verb = statement.split(" ", 1)[0].upper()
    table = re.search(r'(?:FROM|UPDATE|INSERT INTO|DELETE FROM)\s+"?(\w+)"?', statement)
    return f"{verb} {table.group(1) if table else '?'}"


def side_statements(side, key, args, runs=3):
    """{statement template: (median count, median ms)} over ``runs`` warm requests (one warm-up first)."""
    timed_request(side.env, side.call(key, 0), cold=args.cold)
    per_run = [statements(side.env, side.call(key, rep), cold=args.cold) for rep in range(runs)]
    keys = set().union(*per_run)
    return {
        statement: (
            statistics.median(run.get(statement, (0, 0.0))[0] for run in per_run),
            statistics.median(run.get(statement, (0, 0.0))[1] for run in per_run),
        )
        for statement in keys
    }


def report_profile(sides, key, args):
    say()
    say(f"--- profile: {CALL_LABELS[key]} ---")
    per_side = {name: side_statements(side, key, args) for name, side in sides.items()}
    for name, found in per_side.items():
        total = sum(spent for _count, spent in found.values())
        queries = sum(count for count, _spent in found.values())
        say(f"  {name}: {queries:g} queries, {total:.1f} ms in SQL (per statement: median of 3 warm requests)")
    by_table = {}
    for name, sign in (("addon", 1), ("stock", -1)):
        for statement, (count, spent) in per_side[name].items():
            entry = by_table.setdefault(table_of(statement), [0, 0.0, 0.0, 0.0])
            entry[0] += sign * count
            entry[1] += sign * spent
            entry[2 if name == "addon" else 3] += spent
    rows = sorted(by_table.items(), key=lambda item: -abs(item[1][1]))
    say("  by statement kind and table, addon minus stock (queries, ms in SQL), by the size of the difference:")
    for shape, (count, delta, addon_ms, stock_ms) in rows[:12]:
        if count or abs(delta) > 0.5:
            say(f"    {count:+4g} q {delta:+8.1f} ms  (addon {addon_ms:.1f} / stock {stock_ms:.1f})  {shape}")
    diff = []
    for statement in set(per_side["stock"]) | set(per_side["addon"]):
        stock_count, stock_ms = per_side["stock"].get(statement, (0, 0.0))
        addon_count, addon_ms = per_side["addon"].get(statement, (0, 0.0))
        if addon_count != stock_count:
            diff.append((addon_ms - stock_ms, addon_count - stock_count, addon_ms, stock_ms, statement))
    diff.sort(key=lambda row: (-abs(row[1]), -abs(row[0])))
    say("  statements sent a different number of times, addon minus stock (the same template on both is left out):")
    for delta, count_delta, addon_ms, stock_ms, statement in diff[:16]:
        figures = f"{count_delta:+4g} q {delta:+8.1f} ms  (addon {addon_ms:.1f} / stock {stock_ms:.1f})"
        say(f"    {figures}  {statement[:200]}")
    if key in ("kanban", "list", "form", "my_activities", "late_activities", "dashboard"):
        report_variants(sides, key, args)
        report_field_groups(sides, key, args)
    report_python_profile(sides["addon"], key, args)


def report_python_profile(addon, key, args):
    say("  the addon call's Python profile (cProfile, which inflates Python-heavy code), sales_discipline functions:")
    text = python_profile(addon.env, addon.call(key, 0), cold=args.cold, limit=18, path_filter="sales_discipline")
    for line in text.splitlines():
        if line.strip() and ("sales_discipline" in line or "cumtime" in line):
            say(f"    {line.strip()[:200]}")
    text = python_profile(addon.env, addon.call(key, 0), cold=args.cold, limit=22)
    say("  the addon call's Python profile, all functions by cumulative time (top 22):")
    for line in text.splitlines():
        if line.strip() and ("/" in line or "cumtime" in line):
            say(f"    {line.strip()[:200]}")


def report_variants(sides, key, args):
    """The addon's read call with the stock view's fields only, and with crm's own record rule (warm caches)."""
    stock, addon = sides["stock"], sides["addon"]
    view_attr = {
        "kanban": "kanban",
        "list": "list",
        "form": "form",
        "my_activities": "activities_list",
        "late_activities": "activities_list",
        "dashboard": "dashboard",
    }[key]
    addon_view, stock_view = getattr(addon, view_attr), getattr(stock, view_attr)
    full_spec = addon_view.spec
    stock_fields = {name: spec for name, spec in full_spec.items() if name in stock_view.spec}
    rule = addon.env.ref("crm.crm_rule_personal_lead").sudo()
    crm_domain = "['|',('user_id','=',user.id),('user_id','=',False)]"
    timings = {"addon as shipped": [], "addon, stock view fields": [], "addon, crm's own rule": [], "stock": []}

    def run(label, side, warm_up=False):
        if warm_up:
            timed_request(side.env, side.call(key, 0), cold=args.cold)
        elapsed, queries, _result = timed_request(side.env, side.call(key, 0), cold=args.cold)
        timings[label].append((elapsed, queries))

    run("stock", stock, warm_up=True)
    for _rep in range(max(5, args.reps // 2)):
        run("stock", stock)
        run("addon as shipped", addon)
        addon_view.spec = stock_fields
        try:
            run("addon, stock view fields", addon)
        finally:
            addon_view.spec = full_spec
        with addon.cr.savepoint(flush=False) as savepoint:
            rule.write({"domain_force": crm_domain})  # empties the rule caches
            addon.env.flush_all()
            run("addon, crm's own rule", addon, warm_up=True)
            savepoint.rollback()
        addon.registry.clear_cache()
        addon.env.invalidate_all()
        timed_request(addon.env, addon.call(key, 0), cold=args.cold)  # the shipped rule's caches again
    timings["stock"] = timings["stock"][1:]
    base = statistics.median(t for t, _q in timings["stock"])
    say("  variants of the addon call (median of warm requests; ratio to stock):")
    for label, values in timings.items():
        elapsed = statistics.median(t for t, _q in values)
        queries = statistics.median(q for _t, q in values)
        say(f"    {label:<28} {ms(elapsed):>8} ms {elapsed / base:>5.2f}x {queries:>5g} queries")


def field_groups(model, names):
    """{label: [field names]}: the addon's fields of a view, grouped by what computes them (the fields of one
    compute method cost one call together; a related field, its relation; a stored field, nothing but its column)."""
    groups = {}
    for name in names:
        field = model._fields[name]
        if field.related:
            label = f"related {field.related.split('.')[0]}.*"
        elif field.compute and not field.store:
            label = field.compute if isinstance(field.compute, str) else field.compute.__name__
        else:
            label = "stored columns"
        groups.setdefault(label, []).append(name)
    return groups


def report_field_groups(sides, key, args):
    """What each group of the addon's fields costs the call: the call as shipped and without the group, in pairs
    of consecutive warm requests (so that the machine's drift cancels), median of the differences."""
    view_attr = {"kanban": "kanban", "list": "list", "form": "form", "dashboard": "dashboard"}.get(key)
    if not view_attr:
        return
    stock_view, addon_view = getattr(sides["stock"], view_attr), getattr(sides["addon"], view_attr)
    addon = sides["addon"]
    full_spec = addon_view.spec
    extra = [name for name in full_spec if name not in stock_view.spec]
    groups = field_groups(addon.env[addon_view.model], extra)
    runs = max(10, args.reps)
    say(f"  each group of the addon's {len(extra)} extra fields, removed alone ({runs} pairs of warm requests):")
    for label, names in groups.items():
        without = {name: spec for name, spec in full_spec.items() if name not in names}
        deltas, query_deltas = [], []
        timed_request(addon.env, addon.call(key, 0), cold=args.cold)
        for rep in range(runs):
            shipped, shipped_queries, _result = timed_request(addon.env, addon.call(key, rep), cold=args.cold)
            addon_view.spec = without
            try:
                lighter, lighter_queries, _result = timed_request(addon.env, addon.call(key, rep), cold=args.cold)
            finally:
                addon_view.spec = full_spec
            deltas.append(shipped - lighter)
            query_deltas.append(shipped_queries - lighter_queries)
        say(
            f"    {statistics.median(deltas) * 1000:>6.2f} ms {statistics.median(query_deltas):>+3g} q  {label}: "
            + ", ".join(names)
        )


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
        run(args, phases)
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


def run(args, phases):
    mark = time.perf_counter()
    registries = {"addon": Registry(args.db), "stock": Registry(args.stock_db)}
    phases["registries"] = time.perf_counter() - mark
    setups = {}
    now = datetime.utcnow().replace(microsecond=0)
    with registries["addon"].cursor() as cr:
        definition = pipeline_definition(api.Environment(cr, SUPERUSER_ID, {}))
    for name in SIDES:
        with registries[name].cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            setups[name] = ensure_setup(env, name == "addon", definition, args.salespeople)
            cr.commit()
            if env["ir.config_parameter"].get_param(SPEC_PARAM) != spec_value(args):
                say(
                    f"Generating in {cr.dbname}: {args.deals:,} deals, {args.planned:,} planned and {args.done:,} done "
                    "activities ..."
                )
                mark = time.perf_counter()
                generate_data(env, args, setups[name], name == "addon", now)
                phases[f"data {name}"] = time.perf_counter() - mark
            else:
                say(f"{cr.dbname}: data already generated with these counts, kept")
    sides = {}
    try:
        for name in SIDES:
            sides[name] = Side(name, registries[name], setups[name])
        report_data(sides, args)
        mark = time.perf_counter()
        broken = sanity(sides, args.calls)
        calls = [key for key in args.calls if key not in broken]
        results = measure(sides, calls, args)
        phases["measures"] = time.perf_counter() - mark
        report_results(results, broken, args)
        if args.profile:
            mark = time.perf_counter()
            for key in args.profile:
                if key not in broken:
                    report_profile(sides, key, args)
            phases["profile"] = time.perf_counter() - mark
    finally:
        for side in sides.values():
            side.close()


if __name__ == "__main__":
    main()
