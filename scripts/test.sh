#!/usr/bin/env bash
# Run the whole sales_discipline check: lint, then the test suite (pytest-odoo, browser tours included:
# Chromium and websocket-client are installed where missing) on a fresh database without demo data,
# then an install with demo data; meanwhile, in the background, the crm referee (scripts/crm_referee.sh:
# Odoo's own crm tests on stock CRM, with every policy off, and with every policy enforced). Every
# database is dropped at the end. Exits non-zero on any failure, when the referee fails, and when any
# test (a tour without its browser) was skipped.
set -euo pipefail
. "$(dirname "$0")/common.sh"

RUN_ID=${SD_RUN_ID:-$$}
TEST_DB="sd_test_$RUN_ID"
DEMO_DB="sd_demo_$RUN_ID"

require_odoo
ensure_python_requirements
ensure_postgres
ensure_tour_browser

cleanup() {
    if [ -n "${REFEREE_PID:-}" ] && kill -0 "$REFEREE_PID" 2>/dev/null; then
        kill -- "-$REFEREE_PID" 2>/dev/null || true
        wait "$REFEREE_PID" 2>/dev/null || true
    fi
    for db in "$TEST_DB" "$DEMO_DB" "sd_ref_stock_$RUN_ID" "sd_ref_off_$RUN_ID" "sd_ref_enforce_$RUN_ID"; do
        dropdb --if-exists "$db" >/dev/null 2>&1 || true
        rm -rf "$HOME/.local/share/Odoo/filestore/$db"
    done
}
trap cleanup EXIT

cd "$REPO_ROOT"
say "Lint: ruff"
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
say "Lint: pylint-odoo (mandatory checks)"
"$PYTHON" -m pylint --rcfile=.pylintrc-mandatory "$ADDON"

# The referee runs crm's suite three times (about as long as our own suite): two of its suites at a time,
# beside ours, on the machine's other core.
REFEREE_OUT=$(mktemp -d -t sd_referee.XXXXXX)
say "Starting the crm referee in the background (log: $REFEREE_OUT/referee.out)"
# its own process group, so that a failure here stops all of it
SD_RUN_ID="$RUN_ID" SD_REFEREE_OUT="$REFEREE_OUT" SD_REFEREE_JOBS=${SD_REFEREE_JOBS:-2} \
    setsid "$REPO_ROOT/scripts/crm_referee.sh" >"$REFEREE_OUT/referee.out" 2>&1 &
REFEREE_PID=$!

say "Installing $ADDON on a fresh database '$TEST_DB' without demo data"
odoo_stop_after_init -d "$TEST_DB" -i "$ADDON" --without-demo=all

say "Running the test suite (pytest-odoo), browser tours included"
# -rs lists every skipped test; none may be skipped (Odoo skips a tour it cannot run instead of failing it)
PYTEST_LOG=$(mktemp)
set +e
"$PYTHON" -m pytest "$ADDON/tests" -p no:cacheprovider -rs \
    --odoo-database="$TEST_DB" --odoo-addons-path="$(odoo_addons_path)" --odoo-http \
    --odoo-log-level=warn -q 2>&1 | tee "$PYTEST_LOG"
PYTEST_RC=${PIPESTATUS[0]}
set -e
SKIPPED=$(grep -c '^SKIPPED' "$PYTEST_LOG" || true)
rm -f "$PYTEST_LOG"
[ "$PYTEST_RC" -eq 0 ] || die "the test suite failed"
[ "$SKIPPED" -eq 0 ] || die "$SKIPPED test(s) were skipped (a tour without its browser?): see the SKIPPED lines above"

say "Installing $ADDON with demo data on '$DEMO_DB' (the serve command's path)"
odoo_stop_after_init -d "$DEMO_DB" -i "$ADDON"

say "Waiting for the crm referee"
if ! wait "$REFEREE_PID"; then
    tail -n 120 "$REFEREE_OUT/referee.out"
    die "the crm referee failed (junit XML and logs: $REFEREE_OUT)"
fi
grep -E "REFEREE:|differences:|Referee took" "$REFEREE_OUT/referee.out"

say "All checks passed"
