#!/usr/bin/env bash
# Run the whole sales_discipline check: lint, then the test suite (pytest-odoo) on a fresh
# database without demo data, then an install with demo data; every database is dropped at the end.
# Exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/common.sh"

RUN_ID=${SD_RUN_ID:-$$}
TEST_DB="sd_test_$RUN_ID"
DEMO_DB="sd_demo_$RUN_ID"

require_odoo
ensure_python_requirements
ensure_postgres

cleanup() {
    for db in "$TEST_DB" "$DEMO_DB"; do
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

say "Installing $ADDON on a fresh database '$TEST_DB' without demo data"
odoo_stop_after_init -d "$TEST_DB" -i "$ADDON" --without-demo=all

say "Running the test suite (pytest-odoo)"
"$PYTHON" -m pytest "$ADDON/tests" -p no:cacheprovider \
    --odoo-database="$TEST_DB" --odoo-addons-path="$(odoo_addons_path)" --odoo-http \
    --odoo-log-level=warn -q

say "Installing $ADDON with demo data on '$DEMO_DB' (the serve command's path)"
odoo_stop_after_init -d "$DEMO_DB" -i "$ADDON"

say "All checks passed"
