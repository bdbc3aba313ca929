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


@tagged("post_install", "-at_install", "sd_install")
class TestInstallUninstall(BaseCase):
    """The addon installs and uninstalls cleanly on a database without demo data."""

    def _odoo(self, db, *args, command="server", stdin=None):
        command = [sys.executable, "-m", "odoo", command, "-d", db, f"--addons-path={config['addons_path']}", *args]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=900, check=False)

    def _sql(self, db, query):
        result = subprocess.run(["psql", "-d", db, "-qAtc", query], capture_output=True, text=True, check=True)
        return result.stdout.strip()

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
            subprocess.run(["dropdb", "--if-exists", db], capture_output=True, check=False)
            subprocess.run(["rm", "-rf", os.path.join(config["data_dir"], "filestore", db)], check=False)
