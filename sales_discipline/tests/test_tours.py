import html
import json
import re

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from ..models.sales_discipline_kpi import period_bounds
from .common import SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestRefusalForTheBrowser(SalesDisciplineCase, HttpCase):
    """SE-1: a refused download answers with the reason where Odoo's download() reads it (a serialized server
    error in the page body), so the web client shows it instead of "Oops! Something went wrong"."""

    def test_refused_pivot_download_carries_the_reason(self):
        self.authenticate(self.team_lead.login, self.team_lead.login)
        table = {"title": "Funnel", "model": "crm.lead", "rows": []}
        response = self.url_open(f"/web/pivot/export_xlsx?data={json.dumps(table)}")
        self.assertEqual(response.status_code, 403)
        # download.js parses the text of the page's second element as the serialized error
        paragraph = re.search(r"<p>(.*)</p>", response.text, re.S).group(1)
        error = json.loads(html.unescape(paragraph))
        self.assertEqual(
            (error["data"]["name"], error["data"]["message"]),
            (
                "odoo.exceptions.AccessError",
                "Exporting data is not allowed for your role. Ask the head of sales for the figures you need.",
            ),
        )


@tagged("post_install", "-at_install")
class TestTours(SalesDisciplineCase, HttpCase):
    """Each role's main flow in the browser (static/src/tours/sales_discipline_tours.js), in English and Russian:
    what the person sees, then what the server recorded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.stage"]
        # crm's own stages go to another team, so that the team's pipeline is the one below
        other_team = cls.env["crm.team"].create({"name": "Other Team"})
        Stage.search([("team_id", "=", False)]).write({"team_id": other_team.id})
        cls.stage_contact = Stage.create({"name": "Contact", "sequence": 1, "team_id": cls.team.id})
        cls.stage_meeting = Stage.create({"name": "Meeting", "sequence": 2, "team_id": cls.team.id})
        Stage.create({"name": "Paid", "sequence": 3, "team_id": cls.team.id, "is_won": True})
        cls.team.next_step_policy = "refuse"
        Partner = cls.env["res.partner"]
        cls.vasilek = Partner.create(
            cls.company_vals(name="Vasilek LLC", phone="+7 812 765-43-21", email="info@vasilek.example")
        )
        cls.boilers = Partner.create(
            cls.company_vals(
                name="Boiler Works LLC",
                phone="+7 343 111-22-33",
                email="info@boilers.example",
                user_id=cls.colleague.id,
            )
        )
        cls.Lead = cls.env["crm.lead"]
        cls.vasilek_deal = cls._deal("Vasilek valves", cls.salesperson, partner_id=cls.vasilek.id)
        cls.sasha_deal = cls._deal("Sasha's pumps", cls.salesperson)
        # a deal left without a next step, before the rules are enforced
        cls.kolya_deal = cls._deal("Kolya's valves", cls.colleague, partner_id=cls.boilers.id, next_step=False)
        cls.company.sudo().write(
            {name: "enforce" for name in cls.company._fields if name.startswith("discipline_mode_")}
        )

    @classmethod
    def _deal(cls, name, user, next_step=True, **vals):
        vals = {
            "name": name,
            "type": "opportunity",
            "team_id": cls.team.id,
            "user_id": user.id,
            "stage_id": cls.stage_contact.id,
            "expected_revenue": 5000.0,
            **vals,
        }
        if next_step:
            vals.update(
                {
                    "next_step_type_id": cls.env.ref("mail.mail_activity_data_call").id,
                    "next_step_goal": "Sell the meeting",
                    "next_step_deadline": "2030-01-10",
                }
            )
        return cls.Lead.create(vals)

    def _use_russian(self, user):
        """Russian as a person of a Russian company sees it: the language installed with the addon's terms."""
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["sales_discipline"], ["ru_RU"], overwrite=True)
        user.lang = "ru_RU"

    def _results(self):
        """This month's scorecards and a running contest of the team, for the results screens."""
        month = period_bounds("month", fields.Date.today())
        self.env["sales.discipline.contest"].create(
            {
                "name": "Deals of the month",
                "kpi_id": self.env.ref("sales_discipline.kpi_deals_won").id,
                "team_id": self.team.id,
            }
        ).action_start()
        self.env["sales.discipline.scorecard"]._discipline_refresh("month", *month)

    def _salesperson_flow(self, tour):
        self._results()
        self.start_tour("/odoo/action-base.action_partner_form/new", tour, login=self.salesperson.login)
        client = self.env["res.partner"].search([("name", "=", "Lotus Trading LLC")])
        self.assertEqual((client.is_company, client.user_id), (True, self.salesperson))
        deal = self.Lead.search([("name", "=", "Lotus pumps")])
        self.assertEqual((deal.partner_id, deal.stage_id, deal.user_id), (client, self.stage_meeting, self.salesperson))
        self.assertEqual(deal.activity_ids.mapped("summary"), ["Sell the meeting"])
        self.assertFalse(self.vasilek_deal.active)
        self.assertEqual(self.vasilek_deal.lost_reason_id, self.env.ref("sales_discipline.crm_lost_reason_no_budget"))
        answer = self.env["survey.user_input"].search([("crm_lead_id", "=", deal.id)])
        self.assertEqual(
            (answer.state, answer.partner_id, answer.client_partner_id),
            ("done", self.salesperson.partner_id, client),
        )

    def test_salesperson_in_english(self):
        self._salesperson_flow("sales_discipline_salesperson_en")

    def test_salesperson_in_russian(self):
        self._use_russian(self.salesperson)
        self._salesperson_flow("sales_discipline_salesperson_ru")

    def _team_lead_flow(self, tour):
        self._results()
        self.start_tour("/odoo/crm", tour, login=self.team_lead.login)
        refusal = self.env["sales.discipline.export.log"].search(
            [("user_id", "=", self.team_lead.id), ("route", "=", "pivot")]
        )
        self.assertEqual((refusal.allowed, refusal.model_name), (False, "sales.discipline.funnel.report"))

    def test_team_lead_in_english(self):
        self._team_lead_flow("sales_discipline_team_lead_en")

    def test_team_lead_in_russian(self):
        self._use_russian(self.team_lead)
        self._team_lead_flow("sales_discipline_team_lead_ru")

    def _head_flow(self, tour):
        self.env["sales.discipline.export.log"].create(
            {
                "user_id": self.salesperson.id,
                "user_name": self.salesperson.name,
                "company_id": self.company.id,
                "model_name": "crm.lead",
                "record_count": 12,
                "route": "pivot",
                "allowed": False,
            }
        )
        self.start_tour("/odoo/action-sales_discipline.sales_discipline_handover_action", tour, login=self.head.login)
        self.assertEqual((self.kolya_deal.user_id, self.boilers.user_id), (self.salesperson, self.salesperson))

    def test_head_in_english(self):
        self._head_flow("sales_discipline_head_en")

    def test_head_in_russian(self):
        self._use_russian(self.head)
        self._head_flow("sales_discipline_head_ru")

    def _plans_flow(self, plan_tour, earnings_tour):
        month_start = period_bounds("month", fields.Date.today())[0]
        plan = self.env["sales.discipline.plan"].create(
            {"period_type": "month", "date_from": month_start, "scope": "team", "team_id": self.team.id}
        )
        self.start_tour("/odoo/action-sales_discipline.sales_discipline_plan_action", plan_tour, login=self.head.login)
        self.assertEqual((plan.state, plan.approved_by_id), ("approved", self.head))
        turnover = self.env.ref("sales_discipline.kpi_turnover")
        self.assertEqual(plan.line_ids.filtered(lambda line: line.kpi_id == turnover).target, 300_000)
        shares = {
            child.user_id: child.line_ids.filtered(lambda line: line.kpi_id == turnover).target
            for child in plan.child_ids
        }
        self.assertEqual(shares, {self.salesperson: 150_000, self.colleague: 150_000})
        own = plan.child_ids.filtered(lambda child: child.user_id == self.salesperson)
        own.with_user(self.head).action_submit()
        own.with_user(self.head).action_approve()
        self.start_tour(
            "/odoo/action-sales_discipline.sales_discipline_plan_line_action_earnings",
            earnings_tour,
            login=self.salesperson.login,
        )

    def test_plans_in_english(self):
        self._plans_flow("sales_discipline_plans_en", "sales_discipline_earnings_en")

    def test_plans_in_russian(self):
        self._use_russian(self.head)
        self._use_russian(self.salesperson)
        self._plans_flow("sales_discipline_plans_ru", "sales_discipline_earnings_ru")

    def _analytics_flow(self, tour):
        won = self._deal("Vasilek pumps", self.salesperson, partner_id=self.vasilek.id)
        won.write(
            {"stage_id": self.env["crm.stage"].search([("team_id", "=", self.team.id), ("is_won", "=", True)]).id}
        )
        self.vasilek_deal.action_set_lost(lost_reason_id=self.env.ref("crm.lost_reason_1").id)
        last_month = fields.Date.today().replace(day=1) - relativedelta(months=1)
        self.env["sales.discipline.client.turnover"].create(
            {"partner_id": self.vasilek.id, "month": last_month, "amount": 50_000}
        )
        self.start_tour("/odoo/action-sales_discipline.crm_lead_action_report_conversion", tour, login=self.head.login)
        self.assertEqual((self.vasilek.discipline_abc_class, self.vasilek.discipline_xyz_class), ("a", "z"))
        # the list's workbook was streamed and logged with its one row
        log = self.env["sales.discipline.export.log"].search([("user_id", "=", self.head.id), ("route", "=", "report")])
        self.assertEqual((log.allowed, log.model_name, log.record_count), (True, "res.partner", 1))

    def test_analytics_in_english(self):
        self._analytics_flow("sales_discipline_analytics_en")

    def test_analytics_in_russian(self):
        self._use_russian(self.head)
        self._analytics_flow("sales_discipline_analytics_ru")
