import json

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SalesDisciplineCase

REFUSAL = "Exporting data is not allowed for your role. Ask the head of sales for the figures you need."


@tagged("post_install", "-at_install")
class TestExportPolicy(SalesDisciplineCase):
    """SE-1 through the ORM: export_data follows the role policy, and Odoo's export group follows it."""

    def test_salesperson_given_odoo_export_right_is_still_refused(self):
        self.salesperson.groups_id |= self.env.ref("base.group_allow_export")
        self.assertNotIn(self.env.ref("base.group_allow_export"), self.salesperson.groups_id)
        partners = self.env["res.partner"].with_user(self.salesperson).search([], limit=3)
        with self.assertRaises(AccessError) as refusal:
            partners.export_data(["name"])
        self.assertEqual(str(refusal.exception), REFUSAL)

    def test_head_of_sales_exports_and_is_logged(self):
        partners = self.env["res.partner"].with_user(self.head).search([], limit=3)
        self.assertEqual(len(partners.export_data(["name"])["datas"]), 3)
        log = self.env["sales.discipline.export.log"].search([("user_id", "=", self.head.id)])
        self.assertEqual((log.model_name, log.record_count, log.route, log.allowed), ("res.partner", 3, "rpc", True))

    def test_administrator_decides_per_role(self):
        # a parameter set without the settings screen (System Parameters, code) applies to the users too
        self.env["ir.config_parameter"].set_param("sales_discipline.export_salesperson", "True")
        self.assertTrue(self.salesperson.with_user(self.salesperson).has_group("base.group_allow_export"))
        self.assertFalse(self.team_lead.with_user(self.team_lead).has_group("base.group_allow_export"))
        partners = self.env["res.partner"].search([], limit=2)
        self.assertEqual(len(partners.with_user(self.salesperson).export_data(["name"])["datas"]), 2)
        with self.assertRaises(AccessError):
            partners.with_user(self.team_lead).export_data(["name"])

    def test_export_buttons_follow_the_policy(self):
        export_group = self.env.ref("base.group_allow_export")
        (self.salesperson | self.head | self.outsider).write({"groups_id": [(4, export_group.id)]})
        # what the web client asks before showing "Export" and "Export all": the real membership
        for user, allowed in ((self.salesperson, False), (self.head, True), (self.outsider, True)):
            self.assertEqual(user.with_user(user).has_group("base.group_allow_export"), allowed)
            self.assertEqual(export_group in user.groups_id, allowed)

    def test_users_outside_the_sales_roles_keep_odoo_rule(self):
        self.outsider.groups_id |= self.env.ref("base.group_allow_export")
        self.assertTrue(self.outsider._discipline_export_allowed())
        self.outsider.groups_id -= self.env.ref("base.group_allow_export")
        self.assertFalse(self.outsider._discipline_export_allowed())


@tagged("post_install", "-at_install")
class TestExportRoutes(HttpCase):
    """SE-1 over HTTP: list export, grouped export, pivot XLSX and export_data RPC are refused and logged."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        export_group = "sales_discipline.group_salesperson,base.group_allow_export"
        cls.salesperson = new_test_user(cls.env, login="sd_http_sales", password="sd_http_sales", groups=export_group)
        # the head is not given the export group: the policy gives it
        cls.head = new_test_user(
            cls.env, login="sd_http_head", password="sd_http_head", groups="sales_discipline.group_head_of_sales"
        )
        cls.Log = cls.env["sales.discipline.export.log"]

    def _list_export(self, route, groupby=None):
        data = {
            "model": "res.partner",
            "fields": [{"name": "name", "label": "Name"}],
            "ids": False,
            "domain": [],
            "import_compat": False,
            "groupby": groupby or [],
        }
        return self.url_open(f"{route}?data={json.dumps(data)}")

    def _pivot_export(self):
        table = {
            "title": "Pipeline",
            "model": "crm.lead",
            "measure_count": 1,
            "origin_count": 1,
            "col_group_headers": [[{"title": "Total", "width": 1, "height": 1}]],
            "measure_headers": [{"title": "Count", "width": 1, "height": 1, "is_bold": True}],
            "origin_headers": [],
            "rows": [{"title": "Total", "indent": 0, "values": [{"value": 3, "is_bold": True}]}],
        }
        return self.url_open(f"/web/pivot/export_xlsx?data={json.dumps(table)}")

    def _logs(self, user, route, allowed):
        return self.Log.search([("user_id", "=", user.id), ("route", "=", route), ("allowed", "=", allowed)])

    def test_salesperson_list_exports_are_refused_and_logged(self):
        self.authenticate("sd_http_sales", "sd_http_sales")
        for route in ("/web/export/csv", "/web/export/xlsx"):
            self.assertEqual(self._list_export(route).status_code, 403)
        # refused attempts within a minute add up on one row: a script cannot flood the log
        refused = self._logs(self.salesperson, "list", False)
        self.assertEqual((len(refused), refused.attempts), (1, 2))
        self.assertEqual(self._list_export("/web/export/csv", groupby=["country_id"]).status_code, 403)
        self.assertEqual(len(self._logs(self.salesperson, "grouped", False)), 1)

    def test_salesperson_pivot_export_is_refused_and_logged(self):
        self.authenticate("sd_http_sales", "sd_http_sales")
        self.assertEqual(self._pivot_export().status_code, 403)
        log = self._logs(self.salesperson, "pivot", False)
        self.assertEqual((log.model_name, log.record_count), ("crm.lead", 1))

    def test_salesperson_vcard_download_of_many_cards_is_refused_and_logged(self):
        partners = self.env["res.partner"].create([{"name": "Card A"}, {"name": "Card B"}])
        partners.message_subscribe(partner_ids=self.salesperson.partner_id.ids)  # cards the salesperson reads
        self.authenticate("sd_http_sales", "sd_http_sales")
        refused = self.url_open(f"/web/partner/vcard?partner_ids={partners[0].id},{partners[1].id}")
        self.assertEqual(refused.status_code, 403)
        self.assertIn(REFUSAL, refused.text)
        log = self._logs(self.salesperson, "vcard", False)
        self.assertEqual((log.model_name, log.record_count), ("res.partner", 2))
        # one card is saving a contact: allowed, and logged
        single = self.url_open(f"/web/partner/vcard?partner_ids={partners[0].id}")
        self.assertEqual(single.status_code, 200)
        self.assertEqual(self._logs(self.salesperson, "vcard", True).record_count, 1)

    def test_salesperson_export_data_rpc_is_refused_and_logged(self):
        self.authenticate("sd_http_sales", "sd_http_sales")
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": "res.partner", "method": "export_data", "args": [[], ["name"]], "kwargs": {}},
        }
        response = self.url_open(
            "/web/dataset/call_kw", json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        error = response.json()["error"]["data"]
        self.assertEqual((error["name"], error["message"]), ("odoo.exceptions.AccessError", REFUSAL))
        self.assertEqual(len(self._logs(self.salesperson, "rpc", False)), 1)

    def test_head_exports_everywhere_and_is_logged(self):
        self.authenticate("sd_http_head", "sd_http_head")
        self.assertEqual(self._list_export("/web/export/csv").status_code, 200)
        self.assertEqual(self._pivot_export().status_code, 200)
        self.assertTrue(self._logs(self.head, "rpc", True))
        self.assertTrue(self._logs(self.head, "pivot", True))
