# Set-up that the crm referee needs beyond scripts/common.sh: a browser for crm's tours.
# Odoo's HttpCase.start_tour needs a Chrome-like browser on the PATH and the Python package
# websocket-client; without either, Odoo *skips* the tours, so the referee installs both.
# shellcheck shell=bash

ensure_chromium() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return 0
    done
    say "Installing Chromium from Debian's packages (crm's tours run in it)"
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
