from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestVisibility(DealDisciplineCase):
    """SE-2: own deals for salespeople, the led teams' deals for team leads, the company's for the head."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_lead = new_test_user(
            cls.env, login="sd_other_lead", name="Oleg Other Lead", groups="sales_discipline.group_team_lead"
        )
        cls.outsider_seller = new_test_user(
            cls.env, login="sd_outsider_seller", name="Olga Other Seller", groups="sales_discipline.group_salesperson"
        )
        cls.other_team = cls.env["crm.team"].create(
            {
                "name": "Other Team",
                "user_id": cls.other_lead.id,
                "crm_team_member_ids": [(0, 0, {"user_id": cls.outsider_seller.id})],
            }
        )
        # unowned deals must stay unowned here: no routing to the team's members
        (cls.team | cls.other_team).routing_method = "manual"
        Lead = cls.env["crm.lead"].with_context(tracking_disable=True)
        cls.own = Lead.create(cls.deal_vals(name="Own deal"))
        cls.colleagues = Lead.create(cls.deal_vals(name="Colleague's deal", user_id=cls.colleague.id))
        cls.unassigned = Lead.create(cls.deal_vals(name="Unassigned deal", user_id=False))
        cls.other_teams = Lead.create(
            cls.deal_vals(name="Other team's deal", user_id=cls.outsider_seller.id, team_id=cls.other_team.id)
        )
        cls.other_unassigned = Lead.create(
            cls.deal_vals(name="Other team's unassigned", user_id=False, team_id=cls.other_team.id)
        )
        cls.all_deals = cls.own | cls.colleagues | cls.unassigned | cls.other_teams | cls.other_unassigned
        # a done step on every deal: a row of the activity analysis per deal, a funnel row per seller
        cls.sellers = cls.salesperson | cls.colleague | cls.outsider_seller
        for deal in cls.all_deals:
            deal.activity_schedule(
                act_type_xmlid="sales_discipline.mail_activity_type_warm_contact",
                date_deadline=date(2030, 1, 8),
                user_id=(deal.user_id or deal.team_id.user_id).id,
            ).action_feedback(feedback="Called")
        cls.env.flush_all()

    def visible(self, user):
        return self.env["crm.lead"].with_user(user).search([("id", "in", self.all_deals.ids)])

    def test_salesperson_sees_only_own_deals(self):
        self.assertEqual(self.visible(self.salesperson), self.own)
        with self.assertRaises(AccessError):
            self.colleagues.with_user(self.salesperson).read(["name"])

    def test_unassigned_deals_only_where_the_team_allows_it(self):
        self.team.members_see_unassigned = True
        self.assertEqual(self.visible(self.salesperson), self.own | self.unassigned)
        self.assertEqual(self.visible(self.outsider_seller), self.other_teams)

    def test_team_lead_sees_the_teams_they_lead(self):
        self.assertEqual(self.visible(self.team_lead), self.own | self.colleagues | self.unassigned)
        self.assertEqual(self.visible(self.other_lead), self.other_teams | self.other_unassigned)

    def test_team_lead_of_several_teams_sees_all_of_them(self):
        self.other_team.user_id = self.team_lead
        self.assertEqual(self.visible(self.team_lead), self.all_deals)

    def test_head_of_sales_sees_the_company(self):
        self.assertEqual(self.visible(self.head), self.all_deals)

    def test_head_does_not_see_another_company(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        foreign = self.env["crm.lead"].create(
            self.deal_vals(name="Foreign", company_id=other_company.id, user_id=False)
        )
        self.assertFalse(self.env["crm.lead"].with_user(self.head).search([("id", "=", foreign.id)]))

    def test_reports_on_deals_follow_the_same_rules(self):
        history = (
            self.env["crm.lead.stage.history"]
            .with_user(self.salesperson)
            .search([("lead_id", "in", self.all_deals.ids)])
        )
        self.assertEqual(history.lead_id, self.own)
        lead_history = (
            self.env["crm.lead.stage.history"].with_user(self.team_lead).search([("lead_id", "in", self.all_deals.ids)])
        )
        self.assertEqual(lead_history.lead_id, self.own | self.colleagues | self.unassigned)

    def _activity_analysis(self, user=None):
        Report = self.env["crm.activity.report"].with_user(user) if user else self.env["crm.activity.report"]
        return Report.search([("lead_id", "in", self.all_deals.ids)]).lead_id

    def test_activity_analysis_follows_the_deal_rules(self):
        self.assertEqual(self._activity_analysis(), self.all_deals)  # a row on every deal
        self.assertEqual(self._activity_analysis(self.salesperson), self.own)
        self.assertEqual(self._activity_analysis(self.team_lead), self.own | self.colleagues | self.unassigned)
        self.assertEqual(self._activity_analysis(self.other_lead), self.other_teams | self.other_unassigned)
        self.assertEqual(self._activity_analysis(self.head), self.all_deals)
        self.team.members_see_unassigned = True
        self.assertEqual(self._activity_analysis(self.salesperson), self.own | self.unassigned)
        self.assertEqual(self._activity_analysis(self.outsider_seller), self.other_teams)

    def _funnel_rows(self, user=None):
        Report = self.env["sales.discipline.funnel.report"]
        Report = Report.with_user(user) if user else Report
        return Report.search([("user_id", "in", (self.sellers | self.team_lead | self.other_lead).ids)])

    def test_funnel_report_follows_the_teams(self):
        everyone = self.sellers | self.team_lead | self.other_lead
        self.assertEqual(self._funnel_rows().user_id, everyone)  # a row per person
        self.assertEqual(self._funnel_rows(self.salesperson).user_id, self.salesperson)
        self.assertEqual(self._funnel_rows(self.team_lead).user_id, self.salesperson | self.colleague | self.team_lead)
        self.assertEqual(self._funnel_rows(self.other_lead).user_id, self.outsider_seller | self.other_lead)
        self.assertEqual(self._funnel_rows(self.head).user_id, everyone)
