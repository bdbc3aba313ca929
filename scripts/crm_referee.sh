#!/usr/bin/env bash
# The crm referee: runs Odoo's own crm test suite on stock CRM and on CRM with sales_discipline,
# both on fresh databases without demo data, one after the other, and compares the outcome of
# every test. Exits non-zero on any difference not listed in
# sales_discipline/tests/crm_referee_intended.csv, on a listed difference that no longer occurs,
# and when crm's tours were skipped (no browser). Every database it makes is dropped at the end.
#
# SD_RUN_ID names the databases (sd_ref_stock_<id>, sd_ref_addon_<id>; default: this shell's pid);
# SD_REFEREE_OUT keeps the junit XML and pytest logs in that folder (default: a new temporary one).
set -euo pipefail
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SCRIPTS_DIR/common.sh"
. "$SCRIPTS_DIR/referee_common.sh"

RUN_ID=${SD_RUN_ID:-$$}
STOCK_DB="sd_ref_stock_$RUN_ID"
ADDON_DB="sd_ref_addon_$RUN_ID"
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
    drop_db "$STOCK_DB"
    drop_db "$ADDON_DB"
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

# run_suite LABEL DATABASE MODULES HTTP_PORT: install MODULES on a fresh DATABASE without demo data,
# run crm's tests on it with pytest-odoo into $OUT_DIR/LABEL.xml and .log, then drop DATABASE.
run_suite() {
    local label=$1 db=$2 modules=$3 port=$4 rc
    say "[$label] Installing $modules on a fresh database '$db' without demo data"
    drop_db "$db"
    odoo_stop_after_init -d "$db" -i "$modules" --without-demo=all
    say "[$label] Running crm's tests ($CRM_TESTS) with pytest-odoo; log: $OUT_DIR/$label.log"
    set +e
    "$PYTHON" -m pytest "$CRM_TESTS" -p no:cacheprovider --rootdir="$CRM_TESTS" \
        --odoo-database="$db" --odoo-addons-path="$ADDONS_PATH" --odoo-http \
        --odoo-extra "http-port=$port" --odoo-log-level=warn \
        --junitxml="$OUT_DIR/$label.xml" -o junit_logging=log -q -p no:warnings >"$OUT_DIR/$label.log" 2>&1
    rc=$?
    set -e
    tail -n 1 "$OUT_DIR/$label.log"
    # 0 = all passed, 1 = some tests failed: both give a result to compare; anything else did not run.
    if [ "$rc" -gt 1 ] || [ ! -s "$OUT_DIR/$label.xml" ]; then
        tail -n 40 "$OUT_DIR/$label.log" >&2
        die "[$label] pytest did not run crm's tests (exit $rc)"
    fi
    drop_db "$db"
}

run_suite stock "$STOCK_DB" crm 8176
run_suite addon "$ADDON_DB" "crm,$ADDON" 8177

say "Comparing stock CRM with CRM + $ADDON (intended differences: ${INTENDED#"$REPO_ROOT"/})"
set +e
"$PYTHON" "$SCRIPTS_DIR/crm_referee.py" "$OUT_DIR/stock.xml" "$OUT_DIR/addon.xml" --intended "$INTENDED" --details
rc=$?
set -e
say "Referee took $(($(date +%s) - START)) s; junit XML and logs kept in $OUT_DIR"
exit "$rc"
