import io
import json
from unittest.mock import patch

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..report.sales_discipline_xlsx import write_workbook
from .common import DealDisciplineCase
from .test_export import REFUSAL

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxCase(DealDisciplineCase):
    """AN-6 item 7, SE-1: the streamed, formatted workbook of a list's records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Export = cls.env["sales.discipline.xlsx.export"]
        cls.Log = cls.env["sales.discipline.export.log"]
        Lead = cls.env["crm.lead"]
        cls.own = Lead.with_user(cls.salesperson).create(
            [cls.deal_vals(name=f"Pumps {index}", expected_revenue=1000.0 * index) for index in (1, 2, 3)]
        )
        cls.theirs = Lead.with_user(cls.colleague).create(
            cls.deal_vals(name="Valves", user_id=cls.colleague.id, expected_revenue=500.0)
        )
        cls.deals = cls.own | cls.theirs

    def _workbook(self, user, domain=None):
        """The workbook written as ``user`` for ``domain`` (the test's deals), opened again with openpyxl."""
        export = self.Export.with_user(user).create({"res_model": "crm.lead", "title": "Deals"})
        names = export._discipline_columns()
        buffer = io.BytesIO()
        rows = write_workbook(
            export._discipline_records_model(),
            domain or [("id", "in", self.deals.ids)],
            names,
            buffer,
            sheet_title="Deals",
            total_label="Total",
        )
        buffer.seek(0)
        return rows, names, openpyxl.load_workbook(buffer).active


@tagged("post_install", "-at_install")
class TestXlsxWorkbook(XlsxCase):
    def test_the_workbook_is_formatted_with_a_frozen_header_and_totals(self):
        rows, names, sheet = self._workbook(self.head)
        self.assertEqual(rows, 4)
        headers = [cell.value for cell in sheet[1]]
        model = self.env["crm.lead"]
        self.assertEqual(headers, [model._fields[name]._description_string(self.env) for name in names])
        self.assertIn("expected_revenue", names, "the columns of crm's list of deals")
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref.split(":")[0], "A1")
        column = names.index("expected_revenue") + 1
        revenues = [sheet.cell(row=row, column=column) for row in range(2, 6)]
        self.assertEqual(sorted(cell.value for cell in revenues), [500.0, 1000.0, 2000.0, 3000.0])
        self.assertEqual({cell.number_format for cell in revenues}, {"#,##0.00"})
        letter = openpyxl.utils.get_column_letter(column)
        self.assertEqual(sheet.cell(row=6, column=1).value, "Total")
        self.assertEqual(sheet.cell(row=6, column=column).value, f"=SUBTOTAL(9,{letter}2:{letter}5)")
        self.assertTrue(sheet.cell(row=6, column=column).font.b)
        self.assertEqual(sheet.cell(row=2, column=names.index("name") + 1).value, "Pumps 1")

    def test_rows_follow_the_record_rules(self):
        self.env["ir.config_parameter"].set_param("sales_discipline.export_salesperson", "True")
        rows, names, sheet = self._workbook(self.salesperson)
        self.assertEqual(rows, 3)
        column = names.index("name") + 1
        self.assertEqual(
            [sheet.cell(row=row, column=column).value for row in (2, 3, 4)], ["Pumps 1", "Pumps 2", "Pumps 3"]
        )

    def test_a_list_of_activities_another_model_gives_its_workbook(self):
        """The action is bound to activities too: their list's columns, their own access rules (a step on a deal
        the user cannot read is not a row)."""
        self.env["ir.config_parameter"].set_param("sales_discipline.export_salesperson", "True")
        steps = self.deals.sudo().activity_ids
        export = self.Export.with_user(self.salesperson).create({"res_model": "mail.activity", "title": "Steps"})
        names = export._discipline_columns()
        self.assertIn("summary", names)
        buffer = io.BytesIO()
        rows = write_workbook(
            export._discipline_records_model(),
            [("id", "in", steps.ids)],
            names,
            buffer,
            sheet_title="Steps",
            total_label="Total",
        )
        self.assertEqual(rows, len(self.own.activity_ids), "the colleague's deal's step is not the salesperson's")
        buffer.seek(0)
        sheet = openpyxl.load_workbook(buffer).active
        column = names.index("summary") + 1
        self.assertEqual(
            sorted(sheet.cell(row=row, column=column).value for row in range(2, rows + 2)),
            sorted(self.own.activity_ids.mapped("summary")),
        )

    def test_rows_are_read_in_chunks_whatever_their_number(self):
        with patch("odoo.addons.sales_discipline.report.sales_discipline_xlsx.CHUNK", 2):
            rows, _names, sheet = self._workbook(self.head)
        self.assertEqual(rows, 4)
        self.assertEqual(sheet.max_row, 6, "header, 4 rows, totals")


@tagged("post_install", "-at_install")
class TestXlsxRequest(XlsxCase):
    def test_head_requests_the_workbook_of_a_filter(self):
        action = self.Export.with_user(self.head)._discipline_start(
            "crm.lead", {"active_domain": [("id", "in", self.deals.ids)]}
        )
        export = self.Export.search([("create_uid", "=", self.head.id)])
        self.assertEqual(
            action, {"type": "ir.actions.act_url", "url": f"/sales_discipline/xlsx/{export.id}", "target": "download"}
        )
        self.assertEqual((export.record_count, export.res_model), (4, "crm.lead"))

    def test_picked_rows_only(self):
        # the web client sends the list's filter with every action, and the rows picked
        context = {"active_ids": self.own[:2].ids, "active_domain": [("id", "in", self.deals.ids)]}
        self.Export.with_user(self.head)._discipline_start("crm.lead", context)
        self.assertEqual(self.Export.search([("create_uid", "=", self.head.id)]).record_count, 2)

    def test_select_all_beyond_the_web_client_s_batch_takes_the_filter(self):
        self.env["ir.config_parameter"].set_param("web.active_ids_limit", "2")
        context = {"active_ids": self.own[:2].ids, "active_domain": [("id", "in", self.deals.ids)]}
        self.Export.with_user(self.head)._discipline_start("crm.lead", context)
        self.assertEqual(self.Export.search([("create_uid", "=", self.head.id)]).record_count, 4)

    def test_salesperson_is_refused(self):
        self.assertRefused(
            AccessError,
            REFUSAL,
            self.Export.with_user(self.salesperson)._discipline_start,
            "crm.lead",
            {"active_domain": []},
        )

    def test_more_rows_than_a_worksheet_are_refused_before_any_work(self):
        with patch("odoo.addons.sales_discipline.wizards.sales_discipline_xlsx_export.MAX_ROWS", 3):
            self.assertRefused(
                UserError,
                "4 rows are more than one worksheet holds (3): narrow the filter.",
                self.Export.with_user(self.head)._discipline_start,
                "crm.lead",
                {"active_domain": [("id", "in", self.deals.ids)]},
            )

    def test_the_action_is_offered_to_those_who_may_export(self):
        action = self.env.ref("sales_discipline.crm_lead_action_download_xlsx")
        for user, offered in ((self.head, True), (self.salesperson, False)):
            bindings = self.env["ir.actions.actions"].with_user(user).get_bindings("crm.lead")
            self.assertEqual(action.id in [item["id"] for item in bindings.get("action", [])], offered, user.login)

    def test_a_request_is_its_maker_s_own(self):
        self.Export.with_user(self.head)._discipline_start("crm.lead", {"active_ids": self.own.ids})
        self.assertFalse(self.Export.with_user(self.team_lead).search([]))


@tagged("post_install", "-at_install")
class TestXlsxDownload(HttpCase):
    """The route streams the file, logs the export, and refuses as the policy says, whoever opens the link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head = cls.env["res.users"].create(
            {
                "name": "Hanna Head",
                "login": "sd_xlsx_head",
                "password": "sd_xlsx_head",
                "groups_id": [(6, 0, cls.env.ref("sales_discipline.group_head_of_sales").ids)],
            }
        )
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Sasha Sales",
                "login": "sd_xlsx_sales",
                "password": "sd_xlsx_sales",
                "groups_id": [(6, 0, cls.env.ref("sales_discipline.group_salesperson").ids)],
            }
        )
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Card {index}", "is_company": True} for index in range(3)]
        )
        cls.Log = cls.env["sales.discipline.export.log"]

    def _request(self, user):
        return (
            self.env["sales.discipline.xlsx.export"]
            .with_user(user)
            .create(
                {
                    "res_model": "res.partner",
                    "domain": json.dumps([["id", "in", self.partners.ids]]),
                    "title": "Contacts",
                }
            )
        )

    def test_head_downloads_the_workbook_and_it_is_logged(self):
        export = self._request(self.head)
        self.authenticate("sd_xlsx_head", "sd_xlsx_head")
        response = self.url_open(f"/sales_discipline/xlsx/{export.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIMETYPE)
        self.assertIn("Contacts", response.headers["Content-Disposition"])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        self.assertEqual(sheet.max_row, 5, "header, 3 cards, totals")
        log = self.Log.search([("user_id", "=", self.head.id), ("route", "=", "report")])
        self.assertEqual((log.allowed, log.model_name, log.record_count), (True, "res.partner", 3))

    def test_another_user_cannot_open_the_link(self):
        export = self._request(self.head)
        self.authenticate("sd_xlsx_sales", "sd_xlsx_sales")
        self.assertEqual(self.url_open(f"/sales_discipline/xlsx/{export.id}").status_code, 404)

    def test_a_role_refused_since_the_request_is_refused_and_logged(self):
        self.env["ir.config_parameter"].set_param("sales_discipline.export_salesperson", "True")
        export = self._request(self.salesperson)
        self.env["ir.config_parameter"].set_param("sales_discipline.export_salesperson", False)
        self.authenticate("sd_xlsx_sales", "sd_xlsx_sales")
        response = self.url_open(f"/sales_discipline/xlsx/{export.id}")
        self.assertEqual(response.status_code, 403)
        self.assertIn(REFUSAL, response.text)
        log = self.Log.search([("user_id", "=", self.salesperson.id), ("route", "=", "report")])
        self.assertEqual((log.allowed, log.record_count), (False, 0))
