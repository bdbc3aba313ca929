import os
import subprocess
import sys
import uuid

from odoo.tests import BaseCase, tagged
from odoo.tools import config

UNINSTALL_SCRIPT = """
module = env["ir.module.module"].search([("name", "=", "sales_discipline")])
module.button_immediate_uninstall()
env.cr.commit()
"""


class SubprocessDatabaseCase(BaseCase):
    """Tests that need a database of their own, built by running Odoo in a subprocess."""

    def _odoo(self, db, *args, command="server", stdin=None, addons_path=None):
        addons_path = addons_path or config["addons_path"]
        command = [sys.executable, "-m", "odoo", command, "-d", db, f"--addons-path={addons_path}", *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=900, check=False)

    def _sql(self, db, query):
        result = subprocess.run(["psql", "-d", db, "-qAtc", query], capture_output=True, text=True, check=True)
        return result.stdout.strip()

    def _drop(self, db):
        subprocess.run(["dropdb", "--if-exists", db], capture_output=True, check=False)
        subprocess.run(["rm", "-rf", os.path.join(config["data_dir"], "filestore", db)], check=False)


@tagged("post_install", "-at_install", "sd_install")
class TestInstallUninstall(SubprocessDatabaseCase):
    """The addon installs and uninstalls cleanly on a database without demo data."""

    def test_install_then_uninstall_leaves_no_trace(self):
        db = f"sd_uninstall_{uuid.uuid4().hex[:8]}"
        try:
            installed = self._odoo(
                db, "-i", "sales_discipline", "--without-demo=all", "--stop-after-init", "--no-http", "--log-level=warn"
            )
            self.assertEqual(installed.returncode, 0, installed.stderr)
            self.assertNotIn(" ERROR ", installed.stdout + installed.stderr)
            state = "SELECT state FROM ir_module_module WHERE name = 'sales_discipline'"
            self.assertEqual(self._sql(db, state), "installed")

            uninstalled = self._odoo(db, "--no-http", "--log-level=warn", command="shell", stdin=UNINSTALL_SCRIPT)
            self.assertEqual(uninstalled.returncode, 0, uninstalled.stderr)
            self.assertNotIn(" ERROR ", uninstalled.stdout + uninstalled.stderr)
            self.assertEqual(self._sql(db, state), "uninstalled")
            columns = self._sql(
                db,
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_partner' "
                "AND column_name IN ('client_status', 'vat_normalized', 'data_completeness')",
            )
            self.assertEqual(columns, "0")
            # the indexes the addon makes in init() are not fields: the uninstall hook drops them
            indexes = self._sql(
                db, "SELECT string_agg(indexname, ', ') FROM pg_indexes WHERE indexname LIKE '%discipline%'"
            )
            self.assertEqual(indexes, "")
            groups = self._sql(db, "SELECT count(*) FROM ir_model_data WHERE module = 'sales_discipline'")
            self.assertEqual(groups, "0")
            # crm's own "own documents" rule is given back its original domain
            rule = self._sql(
                db,
                "SELECT domain_force FROM ir_rule WHERE id = (SELECT res_id FROM ir_model_data "
                "WHERE module = 'crm' AND name = 'crm_rule_personal_lead')",
            )
            self.assertEqual(rule, "['|',('user_id','=',user.id),('user_id','=',False)]")
        finally:
            self._drop(db)


SALE_STATUS_SCRIPT = """
partner = env["res.partner"].create({"name": "Buyer LLC", "is_company": True})
product = env["product.product"].create({"name": "Pump", "list_price": 100.0})
order = env["sale.order"].create(
    {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]}
)
order.action_confirm()
partner._discipline_refresh_client_status()
print("STATUS", partner.client_status, partner.last_purchase_date == order.date_order.date())
env.cr.rollback()
"""


# AN-2, AN-3: with Sales (and so sale_crm), confirmed orders are purchases; a won deal with a confirmed order is
# counted through its order only. Orders of last month: the ABC-XYZ window is the full months before this one.
SALE_ANALYTICS_SCRIPT = """
from datetime import timedelta
from odoo import fields

client = env["res.partner"].create({"name": "Orders LLC", "is_company": True})
product = env["product.product"].create({"name": "Valve", "list_price": 1000.0})
last_month = fields.Datetime.now().replace(day=1) - timedelta(days=10)
won = env["crm.stage"].search([("is_won", "=", True)], limit=1)
deal = env["crm.lead"].create(
    {"name": "Valves", "type": "opportunity", "partner_id": client.id, "expected_revenue": 5000.0}
)
deal.write({"stage_id": won.id})
deal.write({"date_closed": last_month})
for quantity, opportunity in ((2, deal), (1, env["crm.lead"])):
    order = env["sale.order"].create({
        "partner_id": client.id,
        "opportunity_id": opportunity.id,
        "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": quantity})],
    })
    order.action_confirm()
    order.date_order = last_month
env["res.partner"]._discipline_recompute_abc_xyz()
print("ANALYTICS", client.discipline_abc_revenue, client.discipline_purchase_count, client.discipline_abc_class)
env.cr.rollback()
"""


@tagged("post_install", "-at_install", "sd_install")
class TestClientStatusWithSales(SubprocessDatabaseCase):
    """CL-6: with the Sales app installed, a confirmed sale order makes the client active. AN-2, AN-3: its
    confirmed orders are purchases, and a won deal with an order is not counted twice."""

    def test_confirmed_sale_order_makes_the_client_active(self):
        db = f"sd_sale_{uuid.uuid4().hex[:8]}"
        try:
            installed = self._odoo(
                db,
                "-i",
                "sales_discipline,sale",
                "--without-demo=all",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            )
            self.assertEqual(installed.returncode, 0, installed.stderr)
            checked = self._odoo(db, "--no-http", "--log-level=warn", command="shell", stdin=SALE_STATUS_SCRIPT)
            self.assertEqual(checked.returncode, 0, checked.stderr)
            self.assertIn("STATUS active True", checked.stdout)
            counted = self._odoo(db, "--no-http", "--log-level=warn", command="shell", stdin=SALE_ANALYTICS_SCRIPT)
            self.assertEqual(counted.returncode, 0, counted.stderr)
            self.assertIn("ANALYTICS 3000.0 2 a", counted.stdout, counted.stdout[-2000:] + counted.stderr[-2000:])
        finally:
            self._drop(db)
