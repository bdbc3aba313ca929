"""What the benchmark scripts share: their database life cycle, printing and query capture."""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import timedelta

import odoo
from odoo.modules.registry import Registry

MODULE = "sales_discipline"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
DEFAULT_ADDONS_PATH = ",".join(
    [os.path.join(ODOO_ROOT, "odoo", "addons"), os.path.join(ODOO_ROOT, "addons"), REPO_ROOT]
)

# The client status and the stage history as the addon leaves them, written in SQL over the generated data
# (bench_everyday.py, bench_deal_discipline.py).
CLIENT_STATUS_SQL = """
UPDATE res_partner p
   SET client_status = CASE WHEN w.last_won IS NULL THEN 'inquiry'
                            WHEN w.last_won >= %(threshold)s THEN 'active' ELSE 'lost' END,
       last_purchase_date = w.last_won,
       client_status_date = %(today)s
  FROM res_partner c
  LEFT JOIN (SELECT l.partner_id, max(l.date_closed)::date AS last_won
               FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id AND s.is_won
              WHERE l.referred = %(marker)s
              GROUP BY l.partner_id) w ON w.partner_id = c.id
 WHERE c.id = p.id AND p.ref LIKE %(partner_ref)s
"""

HISTORY_SQL = """
INSERT INTO crm_lead_stage_history (
    lead_id, stage_id, team_id, user_id, company_id, date_in, duration_days, entered_by_id,
    create_uid, write_uid, create_date, write_date
)
SELECT id, stage_id, team_id, user_id, company_id, date_last_stage_update, 0, user_id,
       user_id, user_id, date_last_stage_update, date_last_stage_update
  FROM crm_lead WHERE referred = %(marker)s AND stage_id IS NOT NULL
"""


def _no_op(*_args, **_kwargs):
    return None


def say(message=""):
    print(message, flush=True)


def psql_value(db, query):
    result = subprocess.run(["psql", "-d", db, "-qAtc", query], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def database_exists(db):
    return psql_value("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def install_module(db, addons_path, option="-i"):
    """Install the module (-i) or upgrade it (-u) with the Odoo command line, in its own process."""
    command = [
        sys.executable, "-m", "odoo", "-d", db, f"--addons-path={addons_path}", option, MODULE,
        "--without-demo=all", "--stop-after-init", "--no-http", "--log-level=warn",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    log = result.stdout + result.stderr
    if result.returncode or re.search(r" (ERROR|CRITICAL) ", log):
        say(log[-4000:])
        raise SystemExit(f"odoo {option} {MODULE} on {db} failed (exit code {result.returncode})")


def run_measured(command, log_path, stdin=None):
    """Run ``command`` as a child process, its output to ``log_path``; return its wall time and peak RSS.

    The peak resident set size comes from the kernel's accounting of the child (``wait4``), so it is exact
    whatever its duration; Odoo run with ``--stop-after-init`` does its work in that one process.
    """
    with open(log_path, "w", encoding="utf-8") as log:
        mark = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if stdin is not None:
            process.stdin.write(stdin)
            process.stdin.close()
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - mark
    process.returncode = os.waitstatus_to_exitcode(status)
    with open(log_path, encoding="utf-8") as log:
        output = log.read()
    return {
        "seconds": seconds,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
        "returncode": process.returncode,
        "log": output,
        "errors": re.findall(r"^.* (?:ERROR|CRITICAL) .*$", output, re.MULTILINE),
    }


def drop_database(db):
    Registry.delete(db)
    odoo.sql_db.close_db(db)
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    shutil.rmtree(odoo.tools.config.filestore(db), ignore_errors=True)


@contextlib.contextmanager
def captured_queries():
    """Collect (query, params) of every query run by this thread meanwhile (Odoo's query hooks)."""
    thread = threading.current_thread()
    previous = getattr(thread, "query_hooks", ())
    captured = []
    thread.query_hooks = (*previous, lambda _cr, query, params, _start, _delay: captured.append((query, params)))
    try:
        yield captured
    finally:
        thread.query_hooks = previous


ROLLOUT_MODE_COLUMNS = (
    "discipline_mode_client_cards",
    "discipline_mode_duplicates",
    "discipline_mode_deal_data",
    "discipline_mode_refusal_reasons",
    "discipline_mode_next_step",
    "discipline_mode_tasks",
)


def enforce_every_rule(db):
    """Measure the addon as a company that has rolled every rule out ("enforce"; a new install starts in "warn")."""
    assignments = ", ".join(f"{column} = 'enforce'" for column in ROLLOUT_MODE_COLUMNS)
    result = subprocess.run(
        ["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", f"UPDATE res_company SET {assignments}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"could not put every rule of {db} in enforce mode: {result.stderr.strip()}")


def prepare_database(args, phases):
    """Install the module in a new database, or check (and optionally upgrade) the reused one."""
    if database_exists(args.db):
        if not args.reuse:
            raise SystemExit(f"database {args.db} exists: pass --reuse to use it, or choose another --db")
        state = psql_value(args.db, f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'")
        if state != "installed":
            raise SystemExit(f"database {args.db} exists but {MODULE} is not installed in it ({state})")
        say(f"Reusing database {args.db} ({MODULE} installed)")
        if args.update:
            say(f"Upgrading {MODULE} in {args.db} ...")
            mark = time.perf_counter()
            install_module(args.db, args.addons_path, option="-u")
            phases["upgrade"] = time.perf_counter() - mark
        enforce_every_rule(args.db)
        return False
    say(f"Creating database {args.db} and installing {MODULE} without demo data ...")
    mark = time.perf_counter()
    try:
        install_module(args.db, args.addons_path)
    except SystemExit:
        if not args.keep:
            drop_database(args.db)
        raise
    phases["install"] = time.perf_counter() - mark
    enforce_every_rule(args.db)
    return True


def delete_bench_data(cr, marker, partner_ref):
    """Delete what a generator made: the deals marked ``marker`` (referred), their activities (their stage history
    goes with them: ON DELETE CASCADE) and the partners whose ref starts with ``partner_ref``."""
    cr.execute(
        "DELETE FROM mail_activity WHERE res_model = 'crm.lead' "
        "AND res_id IN (SELECT id FROM crm_lead WHERE referred = %s)",
        [marker],
    )
    cr.execute("DELETE FROM crm_lead WHERE referred = %s", [marker])
    cr.execute("DELETE FROM res_partner WHERE ref LIKE %s", [partner_ref + "%"])


def client_status_params(env, today, marker, partner_ref):
    """Parameters of CLIENT_STATUS_SQL: the company's active-client window, as the addon reads it."""
    days = env.company.discipline_client_active_days
    return {
        "threshold": today - timedelta(days=days),
        "today": today,
        "marker": marker,
        "partner_ref": partner_ref + "%",
    }


def add_build_arguments(parser, db, planned, done):
    """The options of a bench whose database bench_everyday.py's generator builds (``--build``), on the addon only."""
    parser.add_argument("--db", default=db, help="a database built by --build (%(default)s)")
    parser.add_argument("--addons-path", default=DEFAULT_ADDONS_PATH)
    parser.add_argument("--build", action="store_true", help="build the database first (kept), then measure")
    parser.add_argument("--deals", type=int, default=1_000_000, help="with --build (default 1000000)")
    parser.add_argument("--planned", type=int, default=planned, help="with --build: planned activities")
    parser.add_argument("--done", type=int, default=done, help="with --build: done activities")
    parser.add_argument("--salespeople", type=int, default=150, help="with --build (default 150)")
    parser.add_argument("--chunk", type=int, default=250_000, help="with --build: deals per generating statement")
