from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.sales_discipline_kpi import period_bounds
from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestScorecards(DealDisciplineCase):
    """SC-1: the scorecard of each salesperson and team per period, and the discipline score with its breakdown.

    The deals are created now (PostgreSQL's clock, which a frozen Python clock does not move), so the cards are
    those of the current month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Scorecard = cls.env["sales.discipline.scorecard"]
        cls.month = period_bounds("month", fields.Date.context_today(cls.env.user))
        Partner = cls.env["res.partner"].with_user(cls.salesperson)
        cls.client = Partner.create(cls.company_vals())
        cls.contact = Partner.create(cls.contact_vals(cls.client))
        Lead = cls.env["crm.lead"]
        cls.open_deal = Lead.create(cls.deal_vals(partner_id=cls.contact.id))
        cls.late_deal = Lead.create(cls.deal_vals(name="Valves", partner_id=cls.contact.id))
        cls.late_deal.activity_ids.date_deadline = fields.Date.today() - timedelta(days=2)
        cls.bare_deal = Lead.create(cls.deal_vals(name="Filters", partner_id=cls.contact.id))
        # a deal older than the addon: no next step at all
        cls.env.cr.execute("DELETE FROM mail_activity WHERE res_model = 'crm.lead' AND res_id = %s", [cls.bare_deal.id])
        cls.bare_deal.invalidate_recordset()
        cls.won_deal = Lead.create(cls.deal_vals(name="Pumps", partner_id=cls.contact.id, expected_revenue=8000.0))
        cls.won_deal.write({"stage_id": cls.stage_won.id})
        cls.lost_deal = Lead.create(cls.deal_vals(name="Tanks", partner_id=cls.contact.id))
        cls.lost_deal.action_set_lost(lost_reason_id=cls.reason_price.id)
        cls.env["sales.discipline.nps.answer"].create({"partner_id": cls.client.id, "score": 10})

    def _refresh(self):
        return self.Scorecard._discipline_refresh("month", *self.month)

    def _card(self, user=None, team=None):
        domain = [("period_type", "=", "month"), ("date_from", "=", self.month[0])]
        if team:
            domain += [("scope", "=", "team"), ("team_id", "=", team.id)]
        else:
            domain += [("scope", "=", "salesperson"), ("user_id", "=", user.id)]
        return self.Scorecard.search(domain)

    def test_salesperson_card_figures_score_and_breakdown(self):
        self._refresh()
        card = self._card(self.salesperson)
        self.assertEqual(len(card), 1)
        self.assertRecordValues(
            card,
            [
                {
                    "team_id": self.team.id,
                    "date_to": self.month[1],
                    "has_plan": False,
                    "deals_created": 5,
                    "deals_won": 1,
                    "deals_lost": 1,
                    "conversion": 50.0,
                    "won_amount": 8000.0,
                    "average_won_value": 8000.0,
                    "deals_open": 3,
                    "deals_without_next_step": 1,
                    "deals_stale": 0,
                    "steps_planned": 3,  # the won deal's step is still planned
                    "steps_overdue": 1,
                    "card_count": 1,
                    "nps_answers": 1,
                    "nps": 100.0,
                }
            ],
        )
        self.assertAlmostEqual(card.cycle_days, 0.0, places=2)
        self.assertEqual(card.deals_moved, 1)  # the won deal left its first stage
        # no plan: its weight (25) is shared by the others; next step 66.7 x 20, moving 100 x 15, on time 66.7 x 20,
        # cards x 10, NPS 100 x 10, over 75
        cards = self.client.data_completeness
        expected = (20 * 200 / 3 + 15 * 100 + 20 * 200 / 3 + 10 * cards + 10 * 100) / 75
        self.assertAlmostEqual(card.discipline_score, round(expected, 1), places=1)
        lines = card.score_breakdown.split("\n")
        self.assertEqual(
            set(lines[:2]),
            {
                "Steps on time (1 of 3 overdue): 67/100, weight 20: -8.9",
                "Open deals with a next step (1 of 3 without): 67/100, weight 20: -8.9",
            },
        )
        self.assertFalse([line for line in lines if line.startswith("Deals moving")], "nothing lost there")

    def _month_plan(self, kpi_xmlid, target):
        """The salesperson's plan of the month with one target, its facts stored as the hourly refresh does."""
        plan = self.env["sales.discipline.plan"].create(
            {
                "period_type": "month",
                "date_from": self.month[0],
                "scope": "user",
                "team_id": self.team.id,
                "user_id": self.salesperson.id,
                "line_ids": [(0, 0, {"kpi_id": self.env.ref(kpi_xmlid).id, "target": target})],
            }
        )
        plan.line_ids._discipline_store_facts()
        return plan

    def test_plan_completion_enters_the_card_and_the_score(self):
        plan = self._month_plan("sales_discipline.kpi_deals_won", 4)
        self.assertEqual(plan.line_ids.stored_completion, 25.0)
        self._refresh()
        card = self._card(self.salesperson)
        self.assertTrue(card.has_plan)
        self.assertEqual(card.plan_completion, 25.0)
        self.assertTrue(card.score_breakdown.startswith("Plan completion: 25/100, weight 25: -"))
        self.assertFalse(self._card(self.colleague).has_plan)

    def test_team_card_adds_up_its_members(self):
        self.env["crm.lead"].create(self.deal_vals(name="Hoses", user_id=self.colleague.id))
        self._refresh()
        team = self._card(team=self.team)
        own, colleague = self._card(self.salesperson), self._card(self.colleague)
        self.assertEqual(team.deals_open, own.deals_open + colleague.deals_open)
        self.assertEqual(team.deals_created, 6)
        self.assertEqual(team.conversion, 50.0)
        self.assertFalse(team.user_id)
        self.assertEqual(colleague.deals_open, 1)

    def test_refresh_updates_the_cards_in_place_and_a_salesperson_without_data_scores_nothing(self):
        first = self._refresh()
        self.won_deal.expected_revenue = 9000.0
        second = self._refresh()
        self.assertEqual(first, second)
        self.assertEqual(self._card(self.salesperson).won_amount, 9000.0)
        lonely = new_test_user(self.env, login="sd_lonely", groups="sales_discipline.group_salesperson")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": lonely.id})]
        self._refresh()
        card = self._card(lonely)
        self.assertEqual((card.discipline_score, card.score_breakdown), (0.0, "No data to score yet."))

    def test_figures_cost_the_same_queries_for_any_number_of_salespeople(self):
        users = [self.salesperson.id, self.colleague.id]
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=16):
            self.Scorecard._discipline_figures(users, *self.month)
        more = [
            new_test_user(self.env, login=f"sd_more_{n}", groups="sales_team.group_sale_salesman").id for n in range(4)
        ]
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=16):
            self.Scorecard._discipline_figures(users + more, *self.month)

    def test_refresh_costs_the_same_queries_for_any_number_of_salespeople(self):
        """Teams that name no company (Odoo's own teams, often) take each salesperson's company, read at once."""
        self.team.company_id = False

        def count_queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._refresh()
            return self.env.cr.sql_log_count - before

        count_queries()  # the cards exist: the counts below are those of the nightly update
        two = count_queries()
        more = [
            new_test_user(self.env, login=f"sd_refresh_{n}", groups="sales_team.group_sale_salesman") for n in range(4)
        ]
        self.team.crm_team_member_ids = [(0, 0, {"user_id": user.id}) for user in more]
        count_queries()
        self.assertEqual(count_queries(), two)

    def test_cron_refreshes_the_current_and_the_just_ended_periods(self):
        with freeze_time("2026-06-01 03:00:00"):  # a Monday, the first of a month
            self.Scorecard._cron_discipline_refresh_scorecards()
        periods = set(
            self.Scorecard.search([("user_id", "=", self.salesperson.id)]).mapped(
                lambda c: (c.period_type, c.date_from)
            )
        )
        self.assertEqual(
            periods,
            {
                ("week", date(2026, 6, 1)),
                ("week", date(2026, 5, 25)),
                ("month", date(2026, 6, 1)),
                ("month", date(2026, 5, 1)),
                ("quarter", date(2026, 4, 1)),
            },
        )

    def test_visibility_follows_the_roles(self):
        self._refresh()
        own, colleague, team = self._card(self.salesperson), self._card(self.colleague), self._card(team=self.team)
        Scorecard = self.Scorecard.with_user(self.salesperson)
        self.assertEqual(Scorecard.search([]), own | team)
        with self.assertRaises(AccessError):
            colleague.with_user(self.salesperson).read(["won_amount"])
        self.assertEqual(self.Scorecard.with_user(self.team_lead).search([]), own | colleague | team)
        self.assertEqual(
            self.Scorecard.with_user(self.head).search([("team_id", "=", self.team.id)]), own | colleague | team
        )
        with self.assertRaises(AccessError):
            own.with_user(self.head).write({"discipline_score": 100})

    def test_weights_are_a_company_policy_adding_up_to_100(self):
        company = self.company.with_user(self.discipline_admin)
        self.assertRefused(
            ValidationError,
            "The weights of the discipline score add up to 100 (each 0 or more), not 110.",
            company.write,
            {"discipline_score_weight_nps": 20},
        )
        company.write({"discipline_score_weight_nps": 0, "discipline_score_weight_overdue": 30})
        self._refresh()
        lines = self._card(self.salesperson).score_breakdown.split("\n")
        self.assertEqual(lines[0], "Steps on time (1 of 3 overdue): 67/100, weight 30: -13.3")

    # SC-4: the pipeline per manager

    def test_pipeline_weighted_by_probability_against_the_plan_is_flagged_when_small(self):
        self._month_plan("sales_discipline.kpi_turnover", 100000.0)
        self._refresh()
        card = self._card(self.salesperson)
        open_deals = self.open_deal | self.late_deal | self.bare_deal
        weighted = sum(open_deals.mapped("prorated_revenue"))
        self.assertRecordValues(
            card,
            [
                {
                    "pipeline_amount": 15000.0,
                    "average_pipeline_value": 5000.0,
                    "turnover_target": 100000.0,
                    "is_pipeline_small": True,
                }
            ],
        )
        self.assertAlmostEqual(card.weighted_pipeline, weighted, places=2)
        self.assertAlmostEqual(card.pipeline_coverage, weighted / 100000.0, places=2)
        self.assertFalse(self._card(self.colleague).is_pipeline_small, "no plan, no flag")
        self.company.with_user(self.discipline_admin).discipline_pipeline_multiple = weighted / 100000.0 / 2
        self._refresh()
        self.assertFalse(self._card(self.salesperson).is_pipeline_small)
        self.assertEqual(self._card(team=self.team).turnover_target, 100000.0)

    def test_pipeline_multiple_is_a_positive_company_policy(self):
        self.assertRefused(
            ValidationError,
            "The pipeline multiple of the plan is more than 0, not 0.0.",
            self.company.with_user(self.discipline_admin).write,
            {"discipline_pipeline_multiple": 0},
        )

    def test_average_deal_in_the_pipeline_changes_against_the_previous_period(self):
        previous = period_bounds("month", self.month[0] - timedelta(days=1))
        self.Scorecard._discipline_refresh("month", *previous)
        before = self.Scorecard.search([("date_from", "=", previous[0]), ("user_id", "=", self.salesperson.id)])
        before.average_pipeline_value = 2500.0
        self._refresh()
        self.assertEqual(self._card(self.salesperson).average_pipeline_change, 100.0)

    def test_pipeline_and_payment_plan_reports_follow_the_deal_visibility(self):
        self.env["crm.lead"].create(self.deal_vals(name="Hoses", user_id=self.colleague.id, date_deadline=date.today()))
        self.open_deal.date_deadline = date.today()
        for xmlid in ("crm_lead_action_pipeline_per_manager", "crm_lead_action_payment_plan"):
            action = self.env.ref(f"sales_discipline.{xmlid}")
            domain = safe_eval(action.domain)
            Lead = self.env["crm.lead"]
            salesperson = Lead.with_user(self.salesperson)._read_group(domain, ["user_id"], ["expected_revenue:sum"])
            self.assertEqual([user for user, _amount in salesperson], [self.salesperson], xmlid)
            lead = Lead.with_user(self.team_lead)._read_group(domain, ["user_id"], ["expected_revenue:sum"])
            self.assertEqual({user for user, _amount in lead}, {self.salesperson, self.colleague}, xmlid)
        closing = (
            self.env["crm.lead"]
            .with_user(self.salesperson)
            ._read_group(domain, ["date_deadline:day"], ["expected_revenue:sum"])
        )
        self.assertEqual(closing, [(date.today(), 5000.0)])

    # SC-2: the ranking

    def test_ranking_best_and_worst_of_the_team(self):
        self._refresh()
        own, colleague = self._card(self.salesperson), self._card(self.colleague)
        self.assertGreater(own.discipline_score, colleague.discipline_score)
        self.assertRecordValues(
            own | colleague,
            [
                {"team_rank": 1, "team_size": 2, "is_best": True, "is_worst": False},
                {"team_rank": 2, "team_size": 2, "is_best": False, "is_worst": True},
            ],
        )

    def test_salespeople_read_their_teams_ranking_by_name_and_score_only(self):
        self._refresh()
        # a salesperson set up the usual Odoo way: Sales "User: Own Documents Only", not our groups
        odoo_user = new_test_user(self.env, login="sd_odoo_sales", groups="sales_team.group_sale_salesman")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": odoo_user.id})]
        self._refresh()
        Ranking = self.env["sales.discipline.ranking"]
        for user in (self.salesperson, odoo_user):
            rows = Ranking.with_user(user).search([("date_from", "=", self.month[0]), ("period_type", "=", "month")])
            self.assertEqual(set(rows.mapped("user_id")), {self.salesperson, self.colleague, odoo_user}, user.login)
            self.assertEqual(rows.mapped("team_rank"), [1, 2, 2], "two without data share the last rank")
        self.assertFalse({"won_amount", "pipeline_amount", "plan_completion"} & set(Ranking.fields_get()))
        with self.assertRaises(AccessError):
            self._card(self.colleague).with_user(odoo_user).read(["won_amount"])
        elsewhere = new_test_user(self.env, login="sd_elsewhere", groups="sales_team.group_sale_salesman")
        other_team = self.env["crm.team"].create({"name": "Other Team", "member_ids": [(4, elsewhere.id)]})
        self._refresh()
        self.assertTrue(Ranking.with_user(self.head).search([("team_id", "=", other_team.id)]))
        for user in (self.team_lead, self.salesperson):
            self.assertFalse(Ranking.with_user(user).search([("team_id", "=", other_team.id)]), user.login)
