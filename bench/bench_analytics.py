#!/usr/bin/env python3
"""Benchmark of the analytics (issue 14): the ABC-XYZ recompute of every client (AN-2) and the standard reports'
default pivots (AN-6) against hand-written SQL, on bench_everyday.py's data.

Goals, at 1,000,000 deals:

- the ABC-XYZ recompute of all clients, from the won deals and a year of imported turnover, in at most 60 s, in
  a number of queries that does not depend on the number of clients;
- each standard report's default pivot, as the web client loads it for the head of sales (one ``read_group`` per
  pair of row and column groupings of the action's saved grouping, ``lazy=False``, the measures the action names)
  in at most 1.25x one hand-written ``GROUPING SETS`` statement computing the same figures, and the same figures.

What it does, in one transaction rolled back at the end, on a database bench_everyday.py's generator built and
kept (``--build`` makes it, the addon's database only):

1. inserts ``--turnover-clients`` (20,000) clients' turnover for each of the 12 full months before this one, in SQL;
2. times ``res.partner._discipline_recompute_abc_xyz`` twice (the first run classifies every client, the second
   finds nothing changed), counting its queries, and prints the resulting 3x3 matrix;
3. creates a head of sales and, for each report of ``REPORTS``, measures the ORM's pivot calls and the hand-written
   statement alternately, median of ``--reps`` (5) after ``--warmup`` (1), with a fresh record cache each run;
   compares the figures (count and measure sums of every group);
4. exports ``--export-rows`` (500,000) deals to a workbook as the head of sales, once with the addon's streamed
   writer (``report/sales_discipline_xlsx.py``, to a temporary file) and once as Odoo's own list export builds it
   (``export_data`` and ``ExcelExport.from_data``, in memory), the process's RSS sampled every 20 ms: the goal is
   a peak within +50 MiB of the RSS before the export. The addon's export runs first, so that Odoo's cannot leave
   it a warm heap;
5. prints the tables with PASS/FAIL and an OVERALL line. Exits 0 whatever the verdict.

::

    python3 bench/bench_analytics.py --build      # once: builds and keeps sd_bench_analytics (1,000,000 deals)
    python3 bench/bench_analytics.py              # then: measures, everything rolled back
"""

import argparse
import itertools
import statistics
import tempfile
import threading
import time
from datetime import date, datetime
from types import SimpleNamespace
from unittest.mock import patch

import bench_everyday as everyday
import psutil
import pytz
from bench_common import add_build_arguments, captured_queries, say
from bench_scorecards import open_database  # the same generator, on the addon's database only

from odoo import SUPERUSER_ID, Command, api
from odoo.tools.safe_eval import safe_eval

RECOMPUTE_GOAL_S = 60.0
EXPORT_RSS_GOAL_MIB = 50
REPORT_RATIO_GOAL = 1.25
TZ = everyday.TZ
LOGIN = "bench_an_head"

TURNOVER_SQL = """
INSERT INTO sales_discipline_client_turnover (company_id, partner_id, month, amount, create_uid, write_uid,
                                              create_date, write_date)
SELECT %(company_id)s, client.id, month.month,
       -- a level per client, and a swing around it that grows with the client's id modulo 4
       (1000 + mod(client.id, 50) * 100)
           * (1 + mod(client.id, 4) * (mod(hashint4extended(client.id * 13 + month.n, 71) & 2147483647, 100) - 50)
                  / 400.0),
       %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
  FROM (SELECT id FROM res_partner WHERE ref LIKE %(partner_ref)s AND parent_id IS NULL ORDER BY id
        LIMIT %(clients)s) AS client
 CROSS JOIN (SELECT n, (date_trunc('month', %(today)s::date) - make_interval(months => n))::date AS month
               FROM generate_series(1, 12) AS n) AS month
 -- one client in two buys every month, the others in some months only: the classes spread over X, Y and Z
 WHERE mod(client.id, 2) = 0
    OR mod(hashint4extended(client.id * 7 + month.n, 72) & 2147483647, 12) < 3 + mod(client.id, 10)
"""

# The reports of AN-6 on crm.lead: the action's xmlid, and the hand-written statement's pieces: the rows it
# reads (FROM and WHERE), the SQL of each grouping of the action's pivot, and of each measure.
LOCAL = "timezone(%(tz)s, timezone('UTC', {}))"
REPORTS = {
    "deal_volume_salesperson": {
        "from": "crm_lead l",
        "where": "l.type = 'opportunity' AND l.create_date >= %(year_start)s AND l.create_date < %(year_stop)s",
    },
    "revenue_deal_type": {
        "from": "crm_lead l JOIN crm_stage s ON s.id = l.stage_id",
        "where": "l.type = 'opportunity' AND s.is_won",
    },
    "revenue_source": {
        "from": "crm_lead l JOIN crm_stage s ON s.id = l.stage_id",
        "where": "l.type = 'opportunity' AND s.is_won",
    },
    "conversion": {
        "from": "crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id",
        "where": "l.type = 'opportunity' AND (s.is_won OR NOT l.active)",
    },
    "won_deals": {
        "from": "crm_lead l JOIN crm_stage s ON s.id = l.stage_id",
        "where": "l.type = 'opportunity' AND s.is_won",
    },
    "deal_volume_contact": {"from": "crm_lead l", "where": "l.type = 'opportunity'"},
    "deal_volume_company": {
        "from": "crm_lead l LEFT JOIN res_partner p ON p.id = l.partner_id",
        "where": "l.type = 'opportunity'",
    },
    "expected_sales": {
        "from": "crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id",
        "where": "l.active AND l.type = 'opportunity' AND s.is_won IS NOT TRUE",
    },
    "overdue_deals": {
        "from": "crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id",
        "where": "l.active AND l.type = 'opportunity' AND s.is_won IS NOT TRUE AND l.date_deadline < %(today)s",
    },
    "deals_by_stage": {
        "from": "crm_lead l LEFT JOIN crm_stage s ON s.id = l.stage_id",
        "where": "l.active AND l.type = 'opportunity' AND s.is_won IS NOT TRUE",
    },
    "leads_salesperson": {"from": "crm_lead l", "where": "TRUE"},
}
GROUPING_SQL = {
    "user_id": "l.user_id",
    "source_id": "l.source_id",
    "stage_id": "l.stage_id",
    "partner_id": "l.partner_id",
    "deal_type": "l.deal_type",
    "discipline_client_id": "p.commercial_partner_id",
    "create_date:month": "date_trunc('month', " + LOCAL.format("l.create_date") + ")::date",
    "date_closed:month": "date_trunc('month', " + LOCAL.format("l.date_closed") + ")::date",
    "date_closed:quarter": "date_trunc('quarter', " + LOCAL.format("l.date_closed") + ")::date",
    "date_deadline:month": "date_trunc('month', l.date_deadline)::date",
}
MEASURE_SQL = {
    "__count": "count(*)",
    "expected_revenue": "sum(l.expected_revenue)",
    "prorated_revenue": "sum(l.prorated_revenue)",
    "probability": "avg(l.probability)",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    add_build_arguments(parser, "sd_bench_analytics", planned=100_000, done=100_000)
    parser.add_argument("--turnover-clients", type=int, default=20_000, help="clients with imported turnover")
    parser.add_argument("--reps", type=int, default=5, help="measured runs per report and side (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs per report and side (default 1)")
    parser.add_argument("--reports", help="comma-separated subset of: " + ", ".join(REPORTS))
    parser.add_argument("--export-rows", type=int, default=500_000, help="deals to export (0: skip the export)")
    parser.add_argument("--skip-odoo-export", action="store_true", help="measure only the addon's streamed export")
    parser.add_argument(
        "--parts", default="abc,reports,export", help="comma-separated parts to run (default: abc,reports,export)"
    )
    return parser.parse_args()


def data_counts(cr):
    cr.execute(
        """SELECT (SELECT count(*) FROM crm_lead), (SELECT count(*) FROM crm_lead_stage_history),
                  (SELECT count(*) FROM res_partner WHERE parent_id IS NULL AND is_company),
                  (SELECT count(*) FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id WHERE s.is_won)"""
    )
    return cr.fetchone()


# ----------------------------------------------------------------------
# ABC-XYZ
# ----------------------------------------------------------------------


def insert_turnover(env, args, today):
    env.cr.execute(
        TURNOVER_SQL,
        {
            "company_id": env.company.id,
            "uid": SUPERUSER_ID,
            "partner_ref": everyday.PARTNER_REF + "%",
            "clients": args.turnover_clients,
            "today": today,
        },
    )
    rows = env.cr.rowcount
    env.cr.execute("ANALYZE sales_discipline_client_turnover")
    return rows


def time_recompute(env):
    Partner = env["res.partner"]
    with captured_queries() as queries:
        mark = time.perf_counter()
        changed = Partner._discipline_recompute_abc_xyz()
        elapsed = time.perf_counter() - mark
    return elapsed, changed, len(queries)


def matrix(cr):
    cr.execute(
        """SELECT discipline_abc_class, discipline_xyz_class, count(*), round(sum(discipline_abc_revenue))
             FROM res_partner WHERE discipline_abc_class IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"""
    )
    return cr.fetchall()


def bench_abc_xyz(root, args, today):
    rows = insert_turnover(root, args, today)
    say(f"Inserted {rows:,} turnover rows ({args.turnover_clients:,} clients x the months they bought in)")
    first = time_recompute(root)
    second = time_recompute(root)
    say("")
    say("ABC-XYZ recompute of every client (AN-2), as the daily cron runs it:")
    say("| run | time | cards changed | queries |")
    say("|---|---|---|---|")
    for label, (elapsed, changed, queries) in (("first (classifies all)", first), ("second (nothing new)", second)):
        say(f"| {label} | {elapsed:.1f} s | {changed:,} | {queries} |")
    say("")
    say("The matrix (class, count, revenue):")
    for abc, xyz, count, revenue in matrix(root.cr):
        say(f"  {abc.upper()}{xyz.upper()}: {count:>7,} clients, revenue {revenue:>15,.0f}")
    worst = max(first[0], second[0])
    verdict = "PASS" if worst <= RECOMPUTE_GOAL_S and first[2] == second[2] else "FAIL"
    say(
        f"Verdict: {verdict} (goal {RECOMPUTE_GOAL_S:.0f} s; the same queries whatever changed:"
        f" {first[2]} / {second[2]})"
    )
    return verdict


# ----------------------------------------------------------------------
# Standard reports
# ----------------------------------------------------------------------


def ensure_head(env):
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True, tracking_disable=True)
    head = Users.search([("login", "=", LOGIN)])
    if not head:
        head = Users.create(
            {
                "name": "Bench Head of Sales (analytics)",
                "login": LOGIN,
                "tz": TZ,
                "groups_id": [Command.set(env.ref("sales_discipline.group_head_of_sales").ids)],
            }
        )
    env.flush_all()
    return head


def prefixes(groupbys):
    return [groupbys[:size] for size in range(len(groupbys) + 1)]


def pivot_spec(env, key, head):
    """The domain, groupings and measures of the report's action as the web client's pivot reads them."""
    action = env.ref(f"sales_discipline.crm_lead_action_report_{key}")
    today = datetime.now(pytz.timezone(TZ)).date()
    eval_context = {"context_today": lambda: today, "uid": head.id}
    domain = safe_eval(action.domain or "[]", eval_context)
    context = safe_eval(action.context or "{}", eval_context)
    if context.get("search_default_filter_create_date"):
        # the search view's "Creation Date" filter, on its default period: this year
        domain = [
            *domain,
            ("create_date", ">=", f"{today.year}-01-01"),
            ("create_date", "<", f"{today.year + 1}-01-01"),
        ]
    fields_info = env["crm.lead"].fields_get(context["pivot_measures"], ["aggregator"])
    measures = [
        "__count" if name == "__count" else f"{name}:{fields_info[name]['aggregator']}"
        for name in context["pivot_measures"]
    ]
    rows = context.get("pivot_row_groupby", [])
    cols = context.get("pivot_column_groupby", [])
    groupings = [row + col for row, col in itertools.product(prefixes(rows), prefixes(cols))]
    return {
        "domain": domain,
        "active_test": context.get("active_test", True),
        "measures": measures,
        "names": context["pivot_measures"],
        "groupings": groupings,
    }


LIST_LIMIT = 80  # the groups a grouped list reads per page (the list view's limit)
LIST_REPORTS = {"deal_volume_contact", "deal_volume_company"}  # as many groups as clients: a grouped list first


def list_spec(env, key, head):
    """The grouped list the report opens on: its action's domain and ``group_by``, the list's sum column."""
    spec = pivot_spec(env, key, head)
    context = safe_eval(env.ref(f"sales_discipline.crm_lead_action_report_{key}").context)
    return {**spec, "groupby": context["group_by"], "aggregates": ["expected_revenue:sum"]}


def orm_grouped_list(env, head, spec):
    """The list's first page of groups, as the web client asks for it (web_read_group, lazy)."""
    env.invalidate_all()
    Lead = env["crm.lead"].with_user(head).with_context(tz=TZ, lang="en_US", active_test=spec["active_test"])
    return Lead.web_read_group(spec["domain"], spec["aggregates"], spec["groupby"], limit=LIST_LIMIT, lazy=True)


def sql_grouped_list(cr, key, spec, params):
    """The same page by hand: the first groups in the client's order (the partner's name) and the number of
    groups."""
    report = REPORTS[key]
    group = GROUPING_SQL[spec["groupby"][0]]
    where = f"FROM {report['from']} LEFT JOIN res_partner o ON o.id = {group} WHERE {report['where']}"
    cr.execute(
        f"SELECT {group}, count(*), sum(l.expected_revenue) {where} GROUP BY {group}, o.complete_name"
        f" ORDER BY o.complete_name, {group} DESC LIMIT {LIST_LIMIT}",
        params,
    )
    page = cr.fetchall()
    cr.execute(f"SELECT count(DISTINCT {group}) + max(CASE WHEN {group} IS NULL THEN 1 ELSE 0 END) {where}", params)
    return page, cr.fetchone()[0]


def same_list_figures(orm, by_hand):
    page, length = by_hand
    orm_counts = sorted(
        group[f"{name}_count"]
        for group in orm["groups"]
        for name in ("partner_id", "discipline_client_id")
        if f"{name}_count" in group
    )
    return orm["length"] == length and orm_counts == sorted(row[1] for row in page)


def orm_pivot(env, head, spec):
    """The pivot's calls, as the head: one read_group per pair of groupings."""
    env.invalidate_all()
    Lead = env["crm.lead"].with_user(head).with_context(tz=TZ, lang="en_US", active_test=spec["active_test"])
    results = {}
    for grouping in spec["groupings"]:
        groups = Lead.read_group(spec["domain"], spec["measures"], grouping, lazy=False)
        results[tuple(grouping)] = groups
    return results


def sql_pivot(cr, key, spec, params):
    """The same figures in one hand-written statement (GROUPING SETS), group labels left out."""
    report = REPORTS[key]
    columns = sorted({name for grouping in spec["groupings"] for name in grouping})
    sets = ", ".join("(" + ", ".join(GROUPING_SQL[name] for name in grouping) + ")" for grouping in spec["groupings"])
    select = [GROUPING_SQL[name] for name in columns] + [MEASURE_SQL[name] for name in spec["names"]]
    select.append("GROUPING(" + ", ".join(GROUPING_SQL[name] for name in columns) + ")")
    query = f"SELECT {', '.join(select)} FROM {report['from']} WHERE {report['where']} GROUP BY GROUPING SETS ({sets})"
    cr.execute(query, params)
    return columns, cr.fetchall()


def sql_per_grouping(cr, key, spec, params):
    """The pivot's shape by hand: one statement per read_group, the same groupings and measures."""
    report = REPORTS[key]
    measures = ", ".join(MEASURE_SQL[name] for name in spec["names"])
    for grouping in spec["groupings"]:
        keys = [GROUPING_SQL[name] for name in grouping]
        group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
        select = ", ".join([*keys, measures])
        cr.execute(f"SELECT {select} FROM {report['from']} WHERE {report['where']}{group_by}", params)
        cr.fetchall()


def orm_totals(results, spec):
    """Per grouping: the number of groups and the sums of each measure over them."""
    totals = {}
    for grouping, groups in results.items():
        sums = []
        for name in spec["names"]:
            field = "__count" if name == "__count" else name
            sums.append(round(sum(group[field] or 0 for group in groups), 0) if name != "probability" else None)
        totals[grouping] = (len(groups), sums)
    return totals


def sql_totals(columns, rows, spec):
    totals = {}
    width = len(columns)
    for grouping in spec["groupings"]:
        # GROUPING(...) has a bit per column, set where the column is not grouped in that set
        mask = sum(1 << (width - 1 - index) for index, name in enumerate(columns) if name not in grouping)
        groups = [row for row in rows if row[-1] == mask]
        sums = []
        for position, name in enumerate(spec["names"]):
            value = None if name == "probability" else round(sum(row[width + position] or 0 for row in groups), 0)
            sums.append(value)
        totals[tuple(grouping)] = (len(groups), sums)
    return totals


def bench_reports(root, args, head):
    today = datetime.now(pytz.timezone(TZ)).date()
    params = {
        "tz": TZ,
        "today": today,
        "year_start": datetime(today.year, 1, 1),
        "year_stop": datetime(today.year + 1, 1, 1),
    }
    keys = args.reports.split(",") if args.reports else list(REPORTS)
    rows_out = []
    for key in keys:
        if key in LIST_REPORTS:
            spec = list_spec(root, key, head)
            same = same_list_figures(orm_grouped_list(root, head, spec), sql_grouped_list(root.cr, key, spec, params))
            sides = {
                "orm": lambda spec=spec: orm_grouped_list(root, head, spec),
                "by_hand": lambda key=key, spec=spec: sql_grouped_list(root.cr, key, spec, params),
            }
            calls = f"list, {LIST_LIMIT} groups"
        else:
            spec = pivot_spec(root, key, head)
            orm = orm_pivot(root, head, spec)
            columns, rows = sql_pivot(root.cr, key, spec, params)
            same = orm_totals(orm, spec) == sql_totals(columns, rows, spec)
            sides = {
                "orm": lambda spec=spec: orm_pivot(root, head, spec),
                "by_hand": lambda key=key, spec=spec: sql_per_grouping(root.cr, key, spec, params),
                "one_statement": lambda key=key, spec=spec: sql_pivot(root.cr, key, spec, params),
            }
            calls = str(len(spec["groupings"]))
        times = {side: [] for side in sides}
        for _ in range(args.warmup):
            for func in sides.values():
                func()
        for _ in range(args.reps):  # interleaved
            for side, func in sides.items():
                mark = time.perf_counter()
                func()
                times[side].append(time.perf_counter() - mark)
        medians = {side: statistics.median(values) for side, values in times.items()}
        with captured_queries() as queries:
            sides["orm"]()
        ratio = medians["orm"] / medians["by_hand"]
        verdict = "PASS" if ratio <= REPORT_RATIO_GOAL and same else "FAIL"
        rows_out.append((key, calls, medians, ratio, len(queries), same, verdict))
    say("")
    say("Standard reports (AN-6): the default view as the head of sales (a pivot: one read_group per pair of")
    say("groupings; a grouped list: its first page of groups), against the same statements written by hand (the")
    say("verdict) and, for a pivot, against one GROUPING SETS statement:")
    say("| report | read_groups | ORM ms | by hand ms | ratio | one statement ms | ratio | queries | same | verdict |")
    say("|---|---|---|---|---|---|---|---|---|---|")
    for key, calls, medians, ratio, queries, same, verdict in rows_out:
        orm, by_hand = medians["orm"] * 1000, medians["by_hand"] * 1000
        one = medians.get("one_statement")
        one_cells = f"{one * 1000:,.0f} | {medians['orm'] / one:.2f}x" if one else "- | -"
        say(
            f"| {key} | {calls} | {orm:,.0f} | {by_hand:,.0f} | {ratio:.2f}x | {one_cells} | "
            f"{queries} | {'yes' if same else 'NO'} | {verdict} |"
        )
    return [row[-1] for row in rows_out]


# ----------------------------------------------------------------------
# XLSX export
# ----------------------------------------------------------------------


class PeakRss:
    """The process's resident memory, sampled every 20 ms in a thread while the block runs."""

    def __init__(self):
        self.process = psutil.Process()
        self.start = self.peak = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.start = self.peak = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def growth_mib(self):
        return (self.peak - self.start) / 2**20


def export_domain(cr, rows):
    cr.execute("SELECT max(id) FROM (SELECT id FROM crm_lead ORDER BY id LIMIT %s) AS first", [rows])
    return [("id", "<=", cr.fetchone()[0])]


def streamed_export(env, head, domain):
    # the addons are importable once the configuration names their path (in main)
    from odoo.addons.sales_discipline.report.sales_discipline_xlsx import write_workbook  # noqa: PLC0415

    Export = env["sales.discipline.xlsx.export"].with_user(head)
    export = Export.create({"res_model": "crm.lead", "title": "Deals", "active_test": False})
    names = export._discipline_columns()
    with tempfile.TemporaryFile() as spool:
        rows = write_workbook(
            export._discipline_records_model(), domain, names, spool, sheet_title="Deals", total_label="Total"
        )
        size = spool.tell()
    return rows, size, names


def odoo_export(env, head, domain, names):
    """Odoo's list export as /web/export/xlsx builds it: every row read and the whole file built in memory."""
    from odoo.addons.web.controllers.export import ExcelExport  # noqa: PLC0415

    Lead = env["crm.lead"].with_user(head).with_context(active_test=False)
    records = Lead.search(domain)
    rows = records.export_data(names).get("datas", [])
    fields_spec = [
        {"name": name, "label": Lead._fields[name].string, "type": Lead._fields[name].type} for name in names
    ]
    with patch("odoo.addons.web.controllers.export.request", SimpleNamespace(env=Lead.env)):
        content = ExcelExport().from_data(fields_spec, [spec["label"] for spec in fields_spec], rows)
    return len(rows), len(content)


def bench_export(root, args, head):
    domain = export_domain(root.cr, args.export_rows)
    root.invalidate_all()
    results = []
    with PeakRss() as memory:
        mark = time.perf_counter()
        rows, size, names = streamed_export(root, head, domain)
        elapsed = time.perf_counter() - mark
    results.append(("the addon's streamed workbook", rows, size, elapsed, memory))
    root.invalidate_all()
    if not args.skip_odoo_export:
        with PeakRss() as memory:
            mark = time.perf_counter()
            rows, size = odoo_export(root, head, domain, names)
            elapsed = time.perf_counter() - mark
        results.append(("Odoo's list export (in memory)", rows, size, elapsed, memory))
    say("")
    say(f"XLSX export of {args.export_rows:,} deals as the head of sales, {len(names)} columns ({', '.join(names)}):")
    say("| export | rows | file MiB | time s | RSS before MiB | peak MiB | growth MiB |")
    say("|---|---|---|---|---|---|---|")
    for label, rows, size, elapsed, memory in results:
        say(
            f"| {label} | {rows:,} | {size / 2**20:,.1f} | {elapsed:,.0f} | {memory.start / 2**20:,.0f} | "
            f"{memory.peak / 2**20:,.0f} | {memory.growth_mib:+,.0f} |"
        )
    growth = results[0][4].growth_mib
    verdict = "PASS" if growth <= EXPORT_RSS_GOAL_MIB else "FAIL"
    say(f"Verdict: {verdict} (the streamed export's peak {growth:+.0f} MiB; goal +{EXPORT_RSS_GOAL_MIB} MiB)")
    return verdict


def main():
    args = parse_args()
    started = time.perf_counter()
    registry = open_database(args)
    with registry.cursor() as cr:
        root = api.Environment(cr, SUPERUSER_ID, {"tz": TZ, "lang": "en_US"})
        today = date.today()
        deals, history, companies, won = data_counts(cr)
        say(
            f"=== sales_discipline: analytics, {args.db}: {deals:,} deals ({won:,} won), {history:,} stage-history "
            f"rows, {companies:,} client companies ==="
        )
        parts = set(args.parts.split(","))
        verdicts = [bench_abc_xyz(root, args, today)] if "abc" in parts else []
        head = ensure_head(root)
        if "reports" in parts:
            verdicts += bench_reports(root, args, head)
        if "export" in parts and args.export_rows:
            verdicts.append(bench_export(root, args, head))
        say("")
        say(f"OVERALL: {'PASS' if all(verdict == 'PASS' for verdict in verdicts) else 'FAIL'}")
        cr.rollback()
    say(f"Total time {time.perf_counter() - started:.0f} s (everything rolled back).")
    return 0


if __name__ == "__main__":
    main()
