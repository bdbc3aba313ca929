#!/usr/bin/env bash
# Start Odoo 18 with sales_discipline and its demo data at http://localhost:8069.
# First run: creates the database and installs the addon with demo data; later runs upgrade it.
set -euo pipefail
. "$(dirname "$0")/common.sh"

DB=${SD_DB:-sales_discipline}
PORT=${SD_PORT:-8069}

require_odoo
ensure_python_requirements
ensure_postgres

if db_exists "$DB" && [ "$(module_state "$DB")" = installed ]; then
    say "Upgrading $ADDON in database '$DB'"
    odoo_stop_after_init -d "$DB" -u "$ADDON"
else
    say "Creating database '$DB' with $ADDON and demo data (first run, about a minute)"
    odoo_stop_after_init -d "$DB" -i "$ADDON"
fi

cat <<INFO

Odoo is starting at http://localhost:$PORT  (database '$DB')
Demo logins (password = login):
  admin           Discipline Administrator (and Odoo administrator)
  head            Head of Sales
  lead1, lead2    Team Leads (New Clients, Current Clients)
  sales1 … sales6 Salespeople
Stop with Ctrl+C.
INFO
exec "$PYTHON" -m odoo --addons-path="$(odoo_addons_path)" -d "$DB" --db-filter="^$DB\$" \
    --http-port="$PORT" --http-interface=127.0.0.1
