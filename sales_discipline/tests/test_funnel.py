from odoo.tests import tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestStageFunnel(DealDisciplineCase):
    """AN-1: the funnel from the stage history, per stage, as each role reads it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        proposal = {"stage_id": cls.stage_proposal.id, "description": "Two pumps", "source_id": cls.source.id}
        cls.won = cls.Lead.create(cls.deal_vals(name="Won"))
        cls.won.write(proposal)
        cls.won.write({"stage_id": cls.stage_won.id})
        cls.lost_late = cls.Lead.create(cls.deal_vals(name="Lost at the proposal", expected_revenue=3000.0))
        cls.lost_late.write(proposal)
        cls.lost_late.action_set_lost(lost_reason_id=cls.reason_price.id)
        cls.open = cls.Lead.create(cls.deal_vals(name="Open", expected_revenue=1000.0))
        Colleague = cls.env["crm.lead"].with_user(cls.colleague)
        cls.theirs = Colleague.create(cls.deal_vals(name="Theirs", user_id=cls.colleague.id))
        cls.theirs.action_set_lost(lost_reason_id=cls.reason_competitor.id, lost_comment="Went to Vasilek")
        cls.deals = cls.won | cls.lost_late | cls.open | cls.theirs

    def _funnel(self, user):
        groups = (
            self.env["sales.discipline.stage.funnel"]
            .with_user(user)
            .read_group(
                [("lead_id", "in", self.deals.ids)],
                [
                    "entered:sum",
                    "moved_on:sum",
                    "won_from:sum",
                    "lost_in:sum",
                    "next_conversion:avg",
                    "won_conversion:avg",
                    "win_rate:avg",
                    "deal_value:avg",
                ],
                ["stage_id"],
            )
        )
        return {
            group["stage_id"][0]: (
                group["entered"],
                group["moved_on"],
                group["won_from"],
                group["lost_in"],
                round(group["next_conversion"], 1),
                round(group["won_conversion"], 1),
                round(group["win_rate"] or 0, 1),
                group["deal_value"],
            )
            for group in groups
        }

    def test_the_head_reads_each_stage_of_every_deal(self):
        funnel = self._funnel(self.head)
        # the first stage: 4 entered, 2 moved on, 1 lost there; 1 won in the end, 1 won of 3 closed
        self.assertEqual(funnel[self.stage_new.id], (4, 2, 0, 1, 50.0, 25.0, 33.3, 3500.0))
        # the proposal: one won from it, one lost in it
        self.assertEqual(funnel[self.stage_proposal.id], (2, 0, 1, 1, 50.0, 50.0, 50.0, 4000.0))
        self.assertEqual(funnel[self.stage_won.id][:4], (1, 0, 0, 0))

    def test_a_salesperson_reads_own_deals_only(self):
        funnel = self._funnel(self.salesperson)
        self.assertEqual(funnel[self.stage_new.id][:4], (3, 2, 0, 0))
        self.assertEqual(self._funnel(self.team_lead)[self.stage_new.id][0], 4, "the lead of the team reads both")

    def test_the_funnel_length_of_closed_deals_and_the_slices(self):
        Funnel = self.env["sales.discipline.stage.funnel"].with_user(self.head)
        rows = Funnel.search([("lead_id", "=", self.won.id), ("stage_id", "=", self.stage_new.id)])
        self.assertEqual(rows.funnel_days, self.won.cycle_days)
        self.assertFalse(Funnel.search([("lead_id", "=", self.open.id)]).funnel_days, "an open deal has no length yet")
        by_user = Funnel.read_group([("lead_id", "in", self.deals.ids)], ["entered:sum"], ["user_id"])
        self.assertEqual(
            {group["user_id"][0]: group["entered"] for group in by_user}, {self.salesperson.id: 6, self.colleague.id: 1}
        )
        action = self.env.ref("sales_discipline.sales_discipline_stage_funnel_action")
        views = Funnel.get_views([(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")])
        self.assertEqual(set(views["views"]), {"pivot", "graph", "list", "search"})
        self.assertIn("win_rate", action.context)
