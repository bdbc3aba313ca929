# Shared set-up for scripts/serve.sh and scripts/test.sh: each step says what it does,
# does nothing when already done, and stops with a clear message when it cannot go on.
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON=sales_discipline
PYTHON=${PYTHON:-python3}

say() { printf '==> %s\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        die "this step needs root rights (or sudo): $*"; fi
}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; elif [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; else sudo -u postgres "$@"; fi
}

require_odoo() {
    say "Checking that Odoo 18.0 is importable as 'odoo'"
    if ! "$PYTHON" - <<'PY' 2>/dev/null
import sys
import odoo.release
sys.exit(0 if odoo.release.version_info[:2] == (18, 0) else 1)
PY
    then
        die "Odoo 18.0 is not importable with '$PYTHON'. This project needs an Odoo 18.0 Community
source tree on the Python path (python3 -c 'import odoo' must work and report 18.0), with its
requirements.txt installed. Odoo is not on PyPI: put its tree in a folder outside this project
and add that folder to site-packages with a .pth file. See README.md, section Prerequisites."
    fi
}

ensure_python_requirements() {
    say "Installing the Python requirements (requirements.txt) where missing"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check -r "$REPO_ROOT/requirements.txt" 2>&1 \
        | grep -v -e "^WARNING: Location" -e "Running pip as the 'root' user" || true
    "$PYTHON" -c 'import xlsxwriter, pytest_odoo, websocket' 2>/dev/null || die "the Python requirements did not install"
}

# Odoo's HttpCase.start_tour needs a Chrome-like browser on the PATH and the Python package websocket-client;
# without either, Odoo *skips* the tours. The addon's tours and crm's (the referee) run in it.
ensure_chromium() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return 0
    done
    say "Installing Chromium from Debian's packages (the browser tours run in it)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    command -v chromium >/dev/null 2>&1 || die "chromium did not install"
}

ensure_websocket_client() {
    "$PYTHON" -c 'import websocket' 2>/dev/null && return 0
    say "Installing the Python package websocket-client (Odoo drives the browser through it)"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check websocket-client 2>&1 \
        | grep -v -e "^WARNING: Location" -e "Running pip as the 'root' user" || true
    "$PYTHON" -c 'import websocket' 2>/dev/null || die "websocket-client did not install"
}

ensure_tour_browser() {
    ensure_chromium
    ensure_websocket_client
}

pg_bindir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/postgres" ] && { echo "$dir"; return 0; }
    done
    return 1
}

ensure_postgres() {
    if ! pg_bindir >/dev/null; then
        say "Installing PostgreSQL from Debian's packages"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    local version
    version=$(basename "$(dirname "$(pg_bindir)")")
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
        say "Creating the PostgreSQL $version cluster 'main'"
        as_root pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
        say "Starting PostgreSQL $version"
        as_root pg_ctlcluster "$version" main start
    fi
    local tries=0
    until as_postgres psql -qAtc 'SELECT 1' >/dev/null 2>&1; do
        tries=$((tries + 1)); [ $tries -gt 30 ] && die "PostgreSQL did not start"; sleep 1
    done
    local role
    role=$(id -un)
    [ "$role" = postgres ] && die "Odoo refuses to run as the 'postgres' user: run as another user"
    if [ "$(as_postgres psql -qAtc "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
        say "Creating the PostgreSQL role '$role' (login, may create databases)"
        as_postgres createuser --createdb "$role"
    fi
}

odoo_addons_path() {
    local base
    base=$("$PYTHON" - <<'PY'
from odoo.tools import config
config.parse_config([])
print(config["addons_path"])
PY
)
    echo "$base,$REPO_ROOT"
}

db_exists() { psql -d postgres -qAtc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; }

module_state() { psql -d "$1" -qAtc "SELECT state FROM ir_module_module WHERE name = '$ADDON'" 2>/dev/null; }

# Run odoo for an install or upgrade and fail when its log reports an error.
odoo_stop_after_init() {
    local log
    log=$(mktemp)
    "$PYTHON" -m odoo --addons-path="$(odoo_addons_path)" --stop-after-init --no-http \
        --log-level=warn "$@" >"$log" 2>&1
    local rc=$?
    grep -v "Running as user 'root' is a security risk" "$log" || true
    if [ $rc -ne 0 ] || grep -qE ' (ERROR|CRITICAL) ' "$log"; then
        rm -f "$log"; die "odoo $* failed"
    fi
    rm -f "$log"
}
