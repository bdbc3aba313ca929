#!/usr/bin/env python3
"""Benchmark of the scorecards, the ranking, the stand-up and the contests (issue 13) on a real company's data.

Goals: on bench_everyday.py's data at 1,000,000 deals (with ``--planned 1000000 --done 2000000``: 3,000,000
activities), 150 salespeople and 50,000 NPS answers, each screen opened as its user (record rules on):

- a salesperson's scorecard (*Scorecards*: the list with its default filters *Months* and *Salespeople*, their own
  cards; and *Ranking*: the current month grouped by team, the team's group opened) in at most 0.3 s;
- a team lead's dashboard (*Discipline Dashboard*: the kanban grouped by team, each column's cards; the
  *Stand-up* of their teams; *Current Contests* grouped by contest, each contest's standings) in at most 1 s;
- the head of sales' same dashboard, every team, in at most 1 s;
- no aggregate goes through mail.activity's per-record Python access check as a non-superuser (the bench counts
  the non-superuser calls of ``mail.activity._search`` and ``_check_access`` during the measured calls and the
  team lead's *Refresh standings*; expected 0);
- the queries do not grow with the number of salespeople shown (the team lead's requests against the head's, the
  same request kinds, per request).

What it does, on a database that bench_everyday.py's generator built and kept (``--build`` makes it: the addon's
database only, without bench_everyday's stock twin and measures), in one transaction rolled back at the end:

1. optionally (``--teams N``) spreads the salespeople over N sales teams (the generator puts them in the two
   shipped pipelines, 55/45); gives each bench team a team lead (a new user in *Team Lead*) where it has none, and
   creates a head of sales (*Head of Sales*);
2. inserts ``--nps`` (50,000) NPS answers in SQL (their category and points as the model computes them; one
   client each, the client's salesperson and that salesperson's team, over the last 12 months; without the
   detractors' follow-up activities that a create through the ORM would plan);
3. creates one running contest per bench team on *Cold calls with a result* (an activity KPI) and one
   company-wide contest on *Deals won*, for the current month;
4. times the nightly refresh, informative: ``_discipline_refresh`` of the current week, month and quarter for
   every salesperson (once creating the cards, once updating them, as every later night does), and each
   contest's ``_discipline_refresh_standings``; then copies the cards to the previous ``--history`` months, weeks
   and quarters in SQL, so that the screens read a year of cards, and ANALYZEs the new rows;
5. measures each screen, as its user, with the web client's calls (``web_search_read``/``web_read_group`` with the
   field specifications of the views the user gets from ``get_views``, the actions' domains, contexts and the
   search views' default filters; see bench_stock.py): fresh record cache per request (the ormcaches stay warm as
   on a running server; ``--cold`` empties them too), median of ``--reps`` (5) after ``--warmup`` (1), queries per
   request;
6. prints the table with PASS/FAIL per goal and an OVERALL line; for a screen over its goal, its slowest
   statements and the EXPLAIN ANALYZE plan of the slowest one. Exits 0 whatever the verdict.

    python3 bench/bench_scorecards.py --build                  # once: builds and keeps sd_bench_scorecards
    python3 bench/bench_scorecards.py                          # then: measures, everything rolled back
    python3 bench/bench_scorecards.py --teams 12               # the salespeople spread over 12 teams
    python3 bench/bench_scorecards.py --db other --reps 9 --cold

``--build`` runs ``bench_everyday.py``'s own set-up and generator (``ensure_setup``, ``generate_data``) on the
addon's database, with ``--deals`` (1,000,000), ``--planned`` (1,000,000), ``--done`` (2,000,000) and
``--salespeople`` (150); the same as ``python3 bench/bench_everyday.py --db sd_bench_scorecards --deals 1000000
--planned 1000000 --done 2000000 --salespeople 150 --keep`` without the stock database. After a code change:
``python3 -m odoo -d sd_bench_scorecards --addons-path=... -u sales_discipline --stop-after-init``.
"""

import argparse
import contextlib
import gc
import re
import statistics
import threading
import time
from datetime import datetime, timedelta

import bench_everyday as everyday
import pytz
from bench_common import add_build_arguments, prepare_database, say
from bench_stock import COUNT_LIMIT, DEFAULT_LIMIT, View, action_views, fresh_request, statement_key

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools.safe_eval import safe_eval

GOALS = {"salesperson": 0.3, "team_lead": 1.0, "head": 1.0}
TZ = everyday.TZ
LOGIN_PREFIX = "bench_sc_"
MAX_OPENED_GROUPS = 10  # relational_model.js: MAX_NUMBER_OPENED_GROUPS
NPS_SQL = """
WITH clients AS (
    SELECT array_agg(p.id ORDER BY p.id) AS ids FROM res_partner p
     WHERE p.ref LIKE %(partner_ref)s AND p.user_id IS NOT NULL AND p.parent_id IS NULL
), drawn AS (
    SELECT n, (SELECT ids FROM clients) AS ids, mod(hashint4extended(n, 61) & 2147483647, 11)::int AS score,
           mod(hashint4extended(n, 62) & 2147483647, 365 * 86400)::int AS age
      FROM generate_series(1, %(count)s) AS n
), placed AS (
    SELECT d.*, d.ids[1 + mod(hashint4extended(n, 63) & 2147483647, cardinality(d.ids))::int] AS partner_id
      FROM drawn d
)
INSERT INTO sales_discipline_nps_answer (
    company_id, partner_id, user_id, team_id, score, category, nps_points, comment, answer_date, channel,
    create_uid, write_uid, create_date, write_date
)
SELECT %(company_id)s, x.partner_id, p.user_id,
       (SELECT m.crm_team_id FROM crm_team_member m WHERE m.user_id = p.user_id AND m.active ORDER BY m.id LIMIT 1),
       x.score,
       CASE WHEN x.score >= 9 THEN 'promoter' WHEN x.score >= 7 THEN 'passive' ELSE 'detractor' END,
       CASE WHEN x.score >= 9 THEN 100 WHEN x.score >= 7 THEN 0 ELSE -100 END,
       CASE WHEN x.score < 7 THEN 'Delivery was late.' END,
       %(now)s::timestamp - make_interval(secs => x.age),
       (ARRAY['survey', 'phone', 'office'])[1 + mod(x.n, 3)],
       %(uid)s, %(uid)s, %(now)s::timestamp, %(now)s::timestamp
  FROM placed x JOIN res_partner p ON p.id = x.partner_id
"""
# the refreshed cards copied to earlier periods, so that the screens read a year of them (their ids are new)
HISTORY_SQL = """
INSERT INTO sales_discipline_scorecard ({columns}, period_type, date_from, date_to)
SELECT {columns}, %(period_type)s, %(date_from)s, %(date_to)s
  FROM sales_discipline_scorecard WHERE period_type = %(period_type)s AND date_from = %(source)s
"""
HISTORY_SKIP = {"id", "period_type", "date_from", "date_to"}
STANDUP_FIGURES = (
    "steps_done",
    "deals_moved",
    "deals_won",
    "steps_today",
    "steps_overdue",
    "closing_today",
    "closing_this_week",
)
ANALYZED = ("sales_discipline_nps_answer", "sales_discipline_scorecard", "sales_discipline_contest_standing")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    add_build_arguments(parser, "sd_bench_scorecards", planned=1_000_000, done=2_000_000)
    parser.add_argument("--teams", type=int, default=0, help="spread the salespeople over N teams (0: as built)")
    parser.add_argument("--nps", type=int, default=50_000, help="NPS answers to insert (default 50000)")
    parser.add_argument("--history", type=int, default=12, help="months of earlier cards to copy (default 12)")
    parser.add_argument("--reps", type=int, default=5, help="measured runs per screen (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs per screen (default 1)")
    parser.add_argument("--cold", action="store_true", help="also empty the ormcaches before each request")
    parser.add_argument(
        "--explain", action="store_true", help="the slowest statements of every screen, not only failed"
    )
    return parser.parse_args()


# ----------------------------------------------------------------------
# The database: bench_everyday's generator, the addon's database only
# ----------------------------------------------------------------------


def build(args):
    started = time.perf_counter()
    phases = {}
    build_args = argparse.Namespace(
        db=args.db,
        reuse=True,
        update=False,
        keep=True,
        addons_path=args.addons_path,
        deals=args.deals,
        planned=args.planned,
        done=args.done,
        salespeople=args.salespeople,
        chunk=args.chunk,
    )
    prepare_database(build_args, phases)
    registry = Registry(args.db)
    now = datetime.utcnow().replace(microsecond=0)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if env["ir.config_parameter"].get_param(everyday.SPEC_PARAM) == everyday.spec_value(build_args):
            say(f"{args.db}: data already generated with these counts, kept")
            return
        setup = everyday.ensure_setup(env, True, None, args.salespeople)
        cr.commit()
        say(f"Generating in {args.db}: {args.deals:,} deals, {args.planned:,} planned, {args.done:,} done activities")
        everyday.generate_data(env, build_args, setup, True, now)
        cr.commit()
    say(f"Built {args.db} in {time.perf_counter() - started:.0f} s ({phases})")


# ----------------------------------------------------------------------
# Set-up in the transaction
# ----------------------------------------------------------------------


def bench_teams(env):
    members = env["crm.team.member"].search([("user_id.login", "like", everyday.LOGIN_PREFIX + "%")])
    return members.crm_team_id.sorted("id")


def spread_teams(env, count):
    """The bench salespeople over ``count`` teams: the generator's two pipelines and new teams, in even slices."""
    teams = bench_teams(env)
    members = env["crm.team.member"].search(
        [("user_id.login", "like", everyday.LOGIN_PREFIX + "%"), ("crm_team_id", "in", teams.ids)], order="id"
    )
    while len(teams) < count:
        teams |= env["crm.team"].create({"name": f"Bench Team {len(teams) + 1:02d}", "use_opportunities": True})
    size = -(-len(members) // count)
    for index, team in enumerate(teams[:count]):
        members[index * size : (index + 1) * size].write({"crm_team_id": team.id})
    env.flush_all()


def ensure_people(env):
    """A team lead per bench team (where it has none) and a head of sales."""
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True, tracking_disable=True)
    lead_group = env.ref("sales_discipline.group_team_lead")
    for team in bench_teams(env):
        if not team.user_id:
            login = f"{LOGIN_PREFIX}lead{team.id}"
            team.user_id = Users.create(
                {
                    "name": f"Bench Lead of {team.name}",
                    "login": login,
                    "tz": TZ,
                    "groups_id": [Command.set(lead_group.ids)],
                }
            )
        elif not team.user_id.has_group("sales_discipline.group_team_lead"):
            team.user_id.groups_id = [Command.link(lead_group.id)]
    head = Users.create(
        {
            "name": "Bench Head of Sales",
            "login": f"{LOGIN_PREFIX}head",
            "tz": TZ,
            "groups_id": [Command.set(env.ref("sales_discipline.group_head_of_sales").ids)],
        }
    )
    env.company.discipline_head_of_sales_id = head
    env.flush_all()
    return head


def insert_nps(env, count, now):
    env.flush_all()
    env.cr.execute(
        NPS_SQL,
        {
            "partner_ref": everyday.PARTNER_REF + "%",
            "count": count,
            "company_id": env.company.id,
            "now": now,
            "uid": SUPERUSER_ID,
        },
    )
    inserted = env.cr.rowcount
    env.invalidate_all()
    return inserted


def create_contests(env):
    Contest = env["sales.discipline.contest"].with_context(tracking_disable=True, mail_create_nolog=True)
    date_from, date_to = env["sales.discipline.contest"]._default_dates()
    calls, won = env.ref("sales_discipline.kpi_result_calls"), env.ref("sales_discipline.kpi_deals_won")
    values = [
        {"name": f"Result calls, {team.name}", "kpi_id": calls.id, "team_id": team.id, "date_from": date_from}
        for team in bench_teams(env)
    ]
    values.append({"name": "Deals won, everyone", "kpi_id": won.id, "team_id": False, "date_from": date_from})
    contests = Contest.create([{**value, "date_to": date_to} for value in values])
    contests.write({"state": "running"})
    env.flush_all()
    return contests


def repeated_statements(log, least=10):
    """The statement templates of a query log sent at least ``least`` times: [(count, ms, template)]."""
    grouped = {}
    for query, _params, delay in log:
        key = statement_key(query)
        entry = grouped.setdefault(key, [0, 0.0])
        entry[0] += 1
        entry[1] += delay * 1000
    return sorted(((count, ms, key) for key, (count, ms) in grouped.items() if count >= least), reverse=True)


def counted(env, func):
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    mark = time.perf_counter()
    result = func()
    env.flush_all()
    return result, time.perf_counter() - mark, env.cr.sql_log_count - queries


def copy_history(env, today, months):
    """The cards refreshed for the current periods, copied to the previous ``months`` months (and their weeks and
    quarters), as a year of nightly refreshes leaves them."""
    from odoo.addons.sales_discipline.models.sales_discipline_kpi import period_bounds  # noqa: PLC0415

    env.flush_all()
    env.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'sales_discipline_scorecard'")
    columns = ", ".join(sorted(row[0] for row in env.cr.fetchall() if row[0] not in HISTORY_SKIP))
    start = today - timedelta(days=round(months * 30.44))
    copied = 0
    for period_type in ("week", "month", "quarter"):
        source = period_bounds(period_type, today)[0]
        day = period_bounds(period_type, source - timedelta(days=1))[0]
        while day >= start:
            date_from, date_to = period_bounds(period_type, day)
            env.cr.execute(
                HISTORY_SQL.format(columns=columns),
                {"period_type": period_type, "date_from": date_from, "date_to": date_to, "source": source},
            )
            copied += env.cr.rowcount
            day = period_bounds(period_type, date_from - timedelta(days=1))[0]
    env.invalidate_all()
    return copied


# ----------------------------------------------------------------------
# The mail.activity per-record access path, counted as a non-superuser
# ----------------------------------------------------------------------


class ActivityAccessCounter:
    """Counts the calls of mail.activity's own ``_search`` and ``_check_access`` (the per-record access path of
    Odoo's mail module) made as a non-superuser, while active; in this process only."""

    def __init__(self):
        from odoo.addons.mail.models.mail_activity import MailActivity  # noqa: PLC0415

        self.cls = MailActivity
        self.calls = {"_search": 0, "_check_access": 0}
        self.active = False
        self.originals = {name: getattr(MailActivity, name) for name in self.calls}
        counter = self

        def wrap(name, original):
            def wrapper(model, *args, **kwargs):
                if counter.active and not model.env.su:
                    counter.calls[name] += 1
                return original(model, *args, **kwargs)

            wrapper.__name__ = original.__name__
            return wrapper

        for name, original in self.originals.items():
            setattr(MailActivity, name, wrap(name, original))

    def restore(self):
        for name, original in self.originals.items():
            setattr(self.cls, name, original)

    @contextlib.contextmanager
    def counting(self):
        self.active = True
        try:
            yield
        finally:
            self.active = False

    def total(self):
        return sum(self.calls.values())


# ----------------------------------------------------------------------
# The screens, as the web client opens them
# ----------------------------------------------------------------------


def user_today(tz):
    return datetime.now(pytz.timezone(tz)).date()


def eval_domain(text, uid, today):
    if not text:
        return []
    if not isinstance(text, str):
        return list(text)
    return list(safe_eval(text, {"uid": uid, "context_today": lambda: today}))


def order_string(order):
    """The web client's orderByToString of a default_order attribute ("a desc, b" -> "a DESC, b ASC")."""
    terms = []
    for term in (order or "").split(","):
        words = term.split()
        if words:
            terms.append(f"{words[0]} {'DESC' if len(words) > 1 and words[1].lower() == 'desc' else 'ASC'}")
    return ", ".join(terms)


class Screen:
    """One action as a user opens it: the view's specification, the domain with the search defaults, the
    group-by; ``requests()`` returns the calls it sends, each one request."""

    def __init__(self, env, xmlid, view_type, *, drop_filters=()):
        self.today = user_today(env.context["tz"])
        action, views = action_views(env, xmlid)
        context = safe_eval(action.get("context") or "{}", {"uid": env.uid, "context_today": lambda: self.today})
        self.context = {**env.context, **context}
        self.model = action["res_model"]
        self.view = View(env, self.model, views.get(view_type, False), view_type, self.context)
        search_view = (action.get("search_view_id") or [False])[0]
        search = env[self.model].with_context(self.context).get_views([(search_view, "search")])
        from lxml import etree  # noqa: PLC0415

        arch = etree.fromstring(search["views"]["search"]["arch"])
        self.domain = eval_domain(action.get("domain"), env.uid, self.today)
        self.groupby = []
        self.filters = []
        for node in arch.iter("filter"):
            name = node.get("name")
            if not self.context.get(f"search_default_{name}") or name in drop_filters:
                continue
            self.filters.append(name)
            if node.get("domain"):
                self.domain += eval_domain(node.get("domain"), env.uid, self.today)
            group = safe_eval(node.get("context") or "{}", {"uid": env.uid}).get("group_by")
            if group:
                self.groupby.append(group)
        self.env = env
        self.limit = int(action.get("limit") or DEFAULT_LIMIT)
        self.order = order_string(self.view.default_order)

    def model_env(self, extra=None):
        return self.env[self.model].with_context({**self.context, "bin_size": True, **(extra or {})})

    def search_read(self, domain, extra_context=None):
        return self.model_env(extra_context).web_search_read(
            domain, self.view.spec, offset=0, limit=self.limit, order=self.order, count_limit=COUNT_LIMIT
        )

    def requests(self, *, open_groups):
        """[(kind, callable)] of the calls the screen sends; grouped: web_read_group, then the web_search_read of
        each group opened (``open_groups``: "all": a kanban's first 10, every group of a list; "first": one group)."""
        if not self.groupby:
            return [("web_search_read", lambda: self.search_read(self.domain))]
        calls = []
        state = {}
        group_field = self.groupby[0]
        fields_info = self.view.models_info[self.model]["fields"]
        orderby = ", ".join(
            term
            for term in self.order.split(", ")
            if term and (term.split()[0] == group_field or fields_info.get(term.split()[0], {}).get("aggregator"))
        )

        def read_group():
            state["result"] = self.model_env().web_read_group(
                self.domain,
                self.view.aggregates(),
                [group_field],
                limit=None if self.view.view_type == "kanban" else DEFAULT_LIMIT,
                offset=0,
                orderby=orderby,
                lazy=True,
            )
            return state["result"]

        calls.append(("web_read_group", read_group))
        return calls, state, group_field, open_groups


def screen_requests(screen, open_groups):
    """The requests of a screen, the groups' ones from the web_read_group's answer (the same at every run)."""
    plan = screen.requests(open_groups=open_groups)
    if not isinstance(plan, tuple):
        return plan
    calls, _state, group_field, how = plan
    fresh_request(screen.env, False)
    result = calls[0][1]()
    groups = [group for group in result["groups"] if group.get(f"{group_field}_count") and group.get(group_field)]
    if how == "first":
        groups = groups[:1]
    elif screen.view.view_type == "kanban":
        groups = groups[:MAX_OPENED_GROUPS]
    for group in groups:
        domain = group["__domain"]
        extra = {f"default_{group_field}": group[group_field][0]}
        calls.append((f"group web_search_read ({group[f'{group_field}_count']})", _group_call(screen, domain, extra)))
    return calls


def _group_call(screen, domain, extra):
    return lambda: screen.search_read(domain, extra)


def timed(env, func, cold):
    """One request: fresh caches, the call, flush; rolled back to a savepoint. (seconds, queries, result)"""
    cr = env.cr
    with contextlib.closing(cr.savepoint()):
        fresh_request(env, cold)
        queries = cr.sql_log_count
        mark = time.perf_counter()
        result = func()
        env.flush_all()
        elapsed = time.perf_counter() - mark
        queries = cr.sql_log_count - queries
    env.invalidate_all()
    return elapsed, queries, result


def record_count(result):
    if isinstance(result, dict) and "records" in result:
        return len(result["records"])
    if isinstance(result, dict) and "groups" in result:
        return len(result["groups"])
    return 0


def measure_screen(env, parts, reps, warmup, cold):
    """parts: [(label, [(kind, call)])]; returns per request {label, kind, times, queries, rows} and totals."""
    requests = [(label, kind, call) for label, calls in parts for kind, call in calls]
    runs = {index: {"times": [], "queries": [], "rows": 0} for index in range(len(requests))}
    totals = []
    gc.collect()
    gc.disable()
    try:
        for step in range(warmup + reps):
            total = 0.0
            for index, (_label, _kind, call) in enumerate(requests):
                elapsed, queries, result = timed(env, call, cold)
                total += elapsed
                if step >= warmup:
                    runs[index]["times"].append(elapsed)
                    runs[index]["queries"].append(queries)
                    runs[index]["rows"] = record_count(result)
            if step >= warmup:
                totals.append(total)
            gc.collect()
    finally:
        gc.enable()
    rows = [
        {
            "label": label,
            "kind": kind,
            "ms": statistics.median(runs[index]["times"]) * 1000,
            "queries": max(runs[index]["queries"]),
            "rows": runs[index]["rows"],
        }
        for index, (label, kind, _call) in enumerate(requests)
    ]
    return rows, statistics.median(totals)


# ----------------------------------------------------------------------
# Statements of a slow screen
# ----------------------------------------------------------------------


@contextlib.contextmanager
def query_log():
    thread = threading.current_thread()
    previous = getattr(thread, "query_hooks", ())
    log = []
    thread.query_hooks = (*previous, lambda _cr, query, params, _start, delay: log.append((query, params, delay)))
    try:
        yield log
    finally:
        thread.query_hooks = previous


def explain_slowest(env, parts, cold):
    """The statements of one run of the screen, the slowest first, and the EXPLAIN ANALYZE of the slowest."""
    requests = [(label, kind, call) for label, calls in parts for kind, call in calls]
    entries = []
    for label, kind, call in requests:
        with query_log() as log:
            timed(env, call, cold)
        entries += [(delay, label, kind, query, params) for query, params, delay in log]
    entries = [entry for entry in entries if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)", str(entry[3]))]
    entries.sort(key=lambda entry: entry[0], reverse=True)
    total = sum(entry[0] for entry in entries)
    say(f"    {len(entries)} statements, {total * 1000:.0f} ms of SQL in all; the slowest:")
    for delay, label, kind, query, _params in entries[:5]:
        text = re.sub(r"\s+", " ", str(query)).strip()
        say(f"    {delay * 1000:8.1f} ms  [{label}, {kind}] {text[:400]}")
    if not entries:
        return
    _delay, label, kind, query, params = entries[0]
    say(f"    EXPLAIN ANALYZE of the slowest ([{label}, {kind}]):")
    cr = env.cr
    with contextlib.closing(cr.savepoint()):
        cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
        for (line,) in cr.fetchall():
            say(f"      {line}")


# ----------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------


def user_env(root, user):
    context = {"lang": "en_US", "tz": user.tz or TZ, "uid": user.id, "allowed_company_ids": [root.company.id]}
    return api.Environment(root.cr, user.id, context)


def lead_parts(env):
    return dashboard_parts(env, False)


def head_parts(env):
    return dashboard_parts(env, True)


def salesperson_parts(env):
    cards = Screen(env, "sales_discipline.sales_discipline_scorecard_action", "list")
    ranking = Screen(env, "sales_discipline.sales_discipline_ranking_action", "list")
    return [
        (f"Scorecards list ({', '.join(cards.filters)})", screen_requests(cards, "first")),
        (f"Ranking ({', '.join(ranking.filters)})", screen_requests(ranking, "first")),
    ]


def dashboard_parts(env, head):
    dashboard = Screen(env, "sales_discipline.sales_discipline_scorecard_action_dashboard", "kanban")
    # the head leads no team and belongs to none: they take "My Teams" off to see every team
    standup = Screen(
        env, "sales_discipline.sales_discipline_standup_action", "list", drop_filters=("my_teams",) if head else ()
    )
    contests = Screen(env, "sales_discipline.sales_discipline_contest_standing_action_current", "list")
    return [
        (f"Dashboard kanban ({', '.join(dashboard.filters)})", screen_requests(dashboard, "all")),
        (f"Stand-up ({', '.join(standup.filters)})", screen_requests(standup, "all")),
        (f"Current Contests ({', '.join(contests.filters)})", screen_requests(contests, "all")),
    ]


def report_screen(name, user, rows, total, goal):
    ok = total <= goal
    say(f"  {name}: {user.name} ({user.login}): {total * 1000:.0f} ms, goal {goal * 1000:.0f} ms: "
        f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    say(f"    {'part':44s} {'request':32s} {'rows':>5s} {'ms':>8s} {'queries':>7s}")
    for row in rows:
        say(f"    {row['label'][:44]:44s} {row['kind'][:32]:32s} {row['rows']:5d} {row['ms']:8.1f} {row['queries']:7d}")
    return ok


def data_report(env, today):
    cr = env.cr
    cr.execute("SELECT count(*), count(*) FILTER (WHERE active) FROM crm_lead WHERE referred = %s", [everyday.MARKER])
    deals, active = cr.fetchone()
    cr.execute("SELECT count(*), count(*) FILTER (WHERE active) FROM mail_activity WHERE res_model = 'crm.lead'")
    activities, planned = cr.fetchone()
    teams = bench_teams(env)
    people = teams.crm_team_member_ids.filtered(lambda m: m.user_id.login.startswith(everyday.LOGIN_PREFIX)).user_id
    cr.execute(
        "SELECT count(*) FROM crm_team_member m JOIN crm_team t ON t.id = m.crm_team_id AND t.active WHERE m.active"
    )
    all_members = cr.fetchone()[0]
    say(
        f"Data: {deals:,} deals ({active:,} active), {activities:,} activities on deals ({planned:,} planned, "
        f"{activities - planned:,} done); {len(people)} bench salespeople in {len(teams)} teams "
        f"({', '.join(f'{t.name} {len(t.crm_team_member_ids)}' for t in teams)}); {all_members} active team "
        f"memberships in all (other teams included); today {today} ({TZ})."
    )


def set_up(root, args, today, now):
    """Teams, people, NPS answers and contests; returns (head, contests)."""
    if args.teams:
        spread_teams(root, args.teams)
        say(f"Salespeople spread over {args.teams} teams (rolled back at the end).")
    data_report(root, today)
    head = ensure_people(root)
    mark = time.perf_counter()
    nps = insert_nps(root, args.nps, now)
    say(f"Inserted {nps:,} NPS answers in {time.perf_counter() - mark:.1f} s.")
    contests = create_contests(root)
    say(f"Created {len(contests)} running contests ({contests[0].date_from} to {contests[0].date_to}).")
    return head, contests


def nightly(root, contests, today, args):
    """The cron's refresh of the cards and of the standings, timed; then a year of earlier cards."""
    from odoo.addons.sales_discipline.models.sales_discipline_kpi import period_bounds  # noqa: PLC0415

    say("Nightly refresh (as the superuser, as the cron; informative, no goal):")
    Card = root["sales.discipline.scorecard"]
    for label in ("creates the cards", "updates them"):
        for period_type in ("week", "month", "quarter"):
            date_from, date_to = period_bounds(period_type, today)
            with query_log() as log:
                cards, seconds, queries = counted(
                    root, lambda p=period_type, f=date_from, t=date_to: Card._discipline_refresh(p, f, t)
                )
            say(
                f"  _discipline_refresh {period_type:7s} {date_from} - {date_to}, {label}: "
                f"{seconds * 1000:7.0f} ms, {queries:4d} queries, {len(cards)} cards"
            )
            for count, ms, key in repeated_statements(log):
                say(f"      {count:4d} x {ms:7.1f} ms  {key[:150]}")
    for contest in contests:
        with query_log() as log:
            _result, seconds, queries = counted(root, contest._discipline_refresh_standings)
        repeated = "; ".join(f"{count} x {key[:60]}" for count, _ms, key in repeated_statements(log))
        repeated = f"; repeated: {repeated}" if repeated else ""
        say(
            f"  _discipline_refresh_standings {contest.name[:34]:34s}: {seconds * 1000:7.0f} ms, "
            f"{queries:4d} queries, {len(contest.standing_ids)} standings{repeated}"
        )
    copied = copy_history(root, today, args.history)
    for table in ANALYZED:
        root.cr.execute(f"ANALYZE {table}")
    root.cr.execute("SELECT count(*) FROM sales_discipline_scorecard")
    say(f"  {copied:,} earlier cards copied ({args.history} months back); {root.cr.fetchone()[0]:,} cards in all.")
    rows = root["sales.discipline.standup"].with_context(tz=TZ).search_read([], STANDUP_FIGURES)
    sums = ", ".join(f"{name} {sum(row[name] for row in rows):,}" for name in STANDUP_FIGURES)
    say(f"  Stand-up today, every team: {len(rows)} rows; {sums}.")


def pick_screens(root, head):
    """[(role, title, user, parts builder)]: a salesperson and the lead of the first bench team, the lead of the
    smallest team, the head."""
    teams = bench_teams(root)
    lead_team = teams[0]
    salesperson = lead_team.crm_team_member_ids.user_id.filtered(
        lambda user: user.login.startswith(everyday.LOGIN_PREFIX)
    ).sorted("login")[0]
    screens = [
        ("salesperson", "a. salesperson's scorecard", salesperson, salesperson_parts),
        ("team_lead", f"b. team lead's dashboard ({lead_team.name})", lead_team.user_id, lead_parts),
    ]
    small_team = min(teams, key=lambda team: len(team.crm_team_member_ids))
    if small_team != lead_team:
        screens.append(("team_lead", f"b. team lead's dashboard ({small_team.name})", small_team.user_id, lead_parts))
    screens.append(("head", "c. head's dashboard (every team)", head, head_parts))
    return lead_team, screens


def report_growth(results):
    """Per part and request kind, the queries of each request against the records it read, less the count query a
    full page adds (web_search_read counts when it fills its limit). They must not grow with the records: for one
    user, the same (one more allowed, e.g. a group that names a team and one that does not) from a group of 1
    record to one of 80; and the head's requests, over every team, no more than the team leads' (the queries a
    role's own record rules cost, with emptied ormcaches, differ from one user to another, not with the records)."""
    kinds = {}
    for result in results:
        for row in result["rows"]:
            key = (row["label"].split(" (")[0], row["kind"].split(" (")[0])
            base = row["queries"] - (row["kind"].endswith("web_search_read") and row["rows"] >= DEFAULT_LIMIT)
            kinds.setdefault(key, []).append((result["name"], result["role"], row["rows"], base, row["queries"]))
    growth_ok = True
    say("Queries per request against the records it read (they must not grow with the salespeople shown):")
    say(f"  {'part':20s} {'request':22s} records -> queries per user (the count query of a full page included)")
    for (part, kind), samples in kinds.items():
        by_user = {}
        for name, role, rows, base, queries in samples:
            by_user.setdefault((name, role), []).append((rows, base, queries))
        ok = all(max(b for _r, b, _q in values) - min(b for _r, b, _q in values) <= 1 for values in by_user.values())
        heads = [b for (_name, role), values in by_user.items() if role == "head" for _r, b, _q in values]
        leads = [b for (_name, role), values in by_user.items() if role == "team_lead" for _r, b, _q in values]
        if heads and leads:
            ok &= max(heads) <= min(leads) + 1
        growth_ok &= ok
        shown = "; ".join(
            f"{role}: " + ", ".join(f"{rows}->{queries}" for rows, queries in sorted({(r, q) for r, _b, q in values}))
            for (_name, role), values in by_user.items()
        )
        say(f"  {part[:20]:20s} {kind:22s} {shown[:240]}{'' if ok else '  GROWS'}")
    for result in results:
        shown = sum(row["rows"] for row in result["rows"] if row["kind"].startswith("group"))
        total = sum(row["queries"] for row in result["rows"])
        say(f"    {result['name']}: {shown} records in {len(result['rows'])} requests, {total} queries")
    return growth_ok


def report_verdicts(results, counter, growth_ok):
    failures = [result["name"] for result in results if not result["ok"]]
    activity_calls = counter.total()
    say(
        "mail.activity per-record access as a non-superuser during the measured calls and the lead's refresh: "
        f"_search {counter.calls['_search']}, _check_access {counter.calls['_check_access']} (expected 0)"
    )
    say("")
    say("| goal | measured | verdict |")
    say("|---|---|---|")
    for result in results:
        queries = sum(row["queries"] for row in result["rows"])
        say(
            f"| {result['name']} <= {GOALS[result['role']] * 1000:.0f} ms | {result['total'] * 1000:.0f} ms, "
            f"{len(result['rows'])} requests, {queries} queries | {'PASS' if result['ok'] else 'FAIL'} |"
        )
    say(
        f"| no mail.activity per-record search as a non-superuser | {activity_calls} calls | "
        f"{'PASS' if not activity_calls else 'FAIL'} |"
    )
    say(f"| queries do not grow with the salespeople shown | see above | {'PASS' if growth_ok else 'FAIL'} |")
    if activity_calls:
        failures.append("mail.activity per-record access")
    if not growth_ok:
        failures.append("query growth")
    say(f"OVERALL: {'PASS' if not failures else 'FAIL (' + '; '.join(failures) + ')'}")


def measure_all(root, head, contests, args, counter):
    lead_team, screens = pick_screens(root, head)
    say(
        f"Screens: median of {args.reps} runs after {args.warmup} warm-up, fresh record cache per request, "
        f"ormcaches {'emptied' if args.cold else 'warm'}; record rules on."
    )
    results = []
    for role, name, user, parts_of in screens:
        env = user_env(root, user)
        parts = parts_of(env)
        with counter.counting():
            rows, total = measure_screen(env, parts, args.reps, args.warmup, args.cold)
        ok = report_screen(name, user, rows, total, GOALS[role])
        results.append({"role": role, "name": name, "rows": rows, "total": total, "ok": ok})
        if not ok or args.explain:
            explain_slowest(env, parts, args.cold)
    # the team lead refreshes their team's contest by hand (an activity KPI)
    lead_env = user_env(root, lead_team.user_id)
    contest = contests.filtered(lambda c: c.team_id == lead_team).with_env(lead_env)
    with counter.counting():
        _result, seconds, queries = counted(lead_env, contest.action_refresh_standings)
    say(f"  Refresh standings by the team lead ({contest.name}): {seconds * 1000:.0f} ms, {queries} queries (info)")
    # positive control, left out of the verdict: the counter sees a salesperson's own search of activities
    before = dict(counter.calls)
    salesperson_env = user_env(root, screens[0][2])
    with counter.counting():
        salesperson_env["mail.activity"].search([("res_model", "=", "crm.lead")], limit=5)
    control = {name: counter.calls[name] - before[name] for name in before}
    counter.calls.update(before)
    say(f"  Counter check (not in the verdict): a salesperson's mail.activity search counts {control}")
    say("")
    return results


def open_database(args):
    """Odoo configured for the bench's database, built first with ``--build``; its registry."""
    options = ["-d", args.db, f"--addons-path={args.addons_path}", "--log-level=warn", "--no-http"]
    odoo.tools.config.parse_config(options)
    if args.build:
        build(args)
    return Registry(args.db)


def main():
    args = parse_args()
    started = time.perf_counter()
    registry = open_database(args)
    counter = ActivityAccessCounter()
    try:
        with registry.cursor() as cr:
            root = api.Environment(cr, SUPERUSER_ID, {"tz": TZ, "lang": "en_US"})
            today = user_today(TZ)
            now = datetime.utcnow().replace(microsecond=0)
            say(f"=== sales_discipline: scorecards, ranking, stand-up and contests, {args.db} ===")
            head, contests = set_up(root, args, today, now)
            say("")
            nightly(root, contests, today, args)
            say("")
            results = measure_all(root, head, contests, args, counter)
            growth_ok = report_growth(results)
            say("")
            report_verdicts(results, counter, growth_ok)
            cr.rollback()
    finally:
        counter.restore()
    say(f"Total time {time.perf_counter() - started:.0f} s (everything rolled back).")
    return 0


if __name__ == "__main__":
    main()
