#!/usr/bin/env bash
# The crm referee: runs Odoo's own crm test suite three times, each on a fresh database without demo data:
# on stock CRM, on CRM + sales_discipline with every policy off, and with every policy enforced; then
# compares the outcome of every test with stock. Exits non-zero when the "off" run differs from stock in
# any test (policies off must be Odoo's own behaviour), when the "enforce" run differs in a test not listed in
# sales_discipline/tests/crm_referee_intended.csv or a listed difference no longer occurs, and when crm's
# tours were skipped (no browser). Every database it makes is dropped at the end.
#
# SD_RUN_ID names the databases (sd_ref_<run>_<id>; default: this shell's pid);
# SD_REFEREE_OUT keeps the junit XML and pytest logs in that folder (default: a new temporary one);
# SD_REFEREE_JOBS=2 runs two suites at a time (default 1: one after the other).
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SCRIPTS_DIR/common.sh"

RUN_ID=${SD_RUN_ID:-$$}
JOBS=${SD_REFEREE_JOBS:-1}
OUT_DIR=${SD_REFEREE_OUT:-$(mktemp -d -t sd_referee.XXXXXX)}
INTENDED="$REPO_ROOT/$ADDON/tests/crm_referee_intended.csv"
START=$(date +%s)

require_odoo
ensure_python_requirements
ensure_postgres
ensure_tour_browser

drop_db() {
    dropdb --if-exists "$1" >/dev/null 2>&1 || true
    rm -rf "$HOME/.local/share/Odoo/filestore/$1"
}
cleanup() {
    local label
    for label in stock off enforce; do drop_db "sd_ref_${label}_$RUN_ID"; done
}
trap cleanup EXIT

mkdir -p "$OUT_DIR"
ADDONS_PATH=$(odoo_addons_path)
CRM_TESTS=$("$PYTHON" - "$ADDONS_PATH" <<'PY'
import os
import sys

from odoo.modules import get_module_path
from odoo.tools import config

config.parse_config([f"--addons-path={sys.argv[1]}"])
path = get_module_path("crm")
if not path:
    sys.exit("crm is not on the addons path")
print(os.path.join(path, "tests"))
PY
)
[ -d "$CRM_TESTS" ] || die "crm's tests were not found at '$CRM_TESTS'"

# Every policy of the addon in one mode, on the databases' companies (the companies crm's tests create
# start in the modes of the company they are created from).
MODE_COLUMNS="discipline_mode_client_cards discipline_mode_duplicates discipline_mode_deal_data \
discipline_mode_refusal_reasons discipline_mode_next_step discipline_mode_tasks"
set_policies() {
    local db=$1 mode=$2 visibility assignments="" column
    local clients
    visibility=$([ "$mode" = off ] && echo all || echo team)
    clients=$([ "$mode" = off ] && echo all || echo deals)
    for column in $MODE_COLUMNS; do assignments="$assignments$column = '$mode', "; done
    psql -qX -v ON_ERROR_STOP=1 -d "$db" -c "UPDATE res_company SET ${assignments}\
discipline_unassigned_visibility = '$visibility', discipline_client_visibility = '$clients'" >/dev/null
}

# run_suite LABEL MODULES HTTP_PORT [MODE]: install MODULES on a fresh database without demo data, put every
# policy in MODE, run crm's tests on it with pytest-odoo into $OUT_DIR/LABEL.xml and .log, drop the database.
run_suite() {
    local label=$1 modules=$2 port=$3 mode=${4:-} db="sd_ref_${1}_$RUN_ID" rc
    say "[$label] Installing $modules on a fresh database '$db' without demo data"
    drop_db "$db"
    odoo_stop_after_init -d "$db" -i "$modules" --without-demo=all >"$OUT_DIR/$label.install.log" 2>&1 \
        || { tail -n 40 "$OUT_DIR/$label.install.log" >&2; die "[$label] install failed"; }
    if [ -n "$mode" ]; then
        say "[$label] Every policy of $ADDON: $mode"
        set_policies "$db" "$mode"
    fi
    say "[$label] Running crm's tests ($CRM_TESTS) with pytest-odoo; log: $OUT_DIR/$label.log"
    set +e
    "$PYTHON" -m pytest "$CRM_TESTS" -p no:cacheprovider --rootdir="$CRM_TESTS" \
        --odoo-database="$db" --odoo-addons-path="$ADDONS_PATH" --odoo-http \
        --odoo-extra "http-port=$port" --odoo-log-level=warn \
        --junitxml="$OUT_DIR/$label.xml" -o junit_logging=log -q -p no:warnings >"$OUT_DIR/$label.log" 2>&1
    rc=$?
    set -e
    say "[$label] $(tail -n 1 "$OUT_DIR/$label.log")"
    # 0 = all passed, 1 = some tests failed: both give a result to compare; anything else did not run.
    if [ "$rc" -gt 1 ] || [ ! -s "$OUT_DIR/$label.xml" ]; then
        tail -n 40 "$OUT_DIR/$label.log" >&2
        die "[$label] pytest did not run crm's tests (exit $rc)"
    fi
    drop_db "$db"
}

SUITES=("stock crm 8176" "off crm,$ADDON 8177 off" "enforce crm,$ADDON 8178 enforce")
pids=()
for suite in "${SUITES[@]}"; do
    # shellcheck disable=SC2086
    run_suite $suite &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$JOBS" ]; then
        wait "${pids[0]}" || die "a crm suite did not run"
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do wait "$pid" || die "a crm suite did not run"; done

rc=0
say "Stock CRM against CRM + $ADDON with every policy off: no difference allowed"
"$PYTHON" "$SCRIPTS_DIR/crm_referee.py" "$OUT_DIR/stock.xml" "$OUT_DIR/off.xml" \
    --label "CRM + $ADDON, policies off" --details || rc=1
say "Stock CRM against CRM + $ADDON with every policy enforced (intended differences: ${INTENDED#"$REPO_ROOT"/})"
"$PYTHON" "$SCRIPTS_DIR/crm_referee.py" "$OUT_DIR/stock.xml" "$OUT_DIR/enforce.xml" --intended "$INTENDED" \
    --label "CRM + $ADDON, policies enforced" --details || rc=1
say "Referee took $(($(date +%s) - START)) s; junit XML and logs kept in $OUT_DIR"
exit "$rc"
