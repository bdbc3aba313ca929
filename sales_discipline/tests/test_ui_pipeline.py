from odoo.tests import new_test_user, tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestPipelineStages(DealDisciplineCase):
    """DL-7: a pipeline with stages of its own uses only those; a pipeline without keeps Odoo's stock stages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_team = cls.env["crm.team"].create(
            {"name": "Team Without Own Stages", "crm_team_member_ids": [(0, 0, {"user_id": cls.colleague.id})]}
        )
        cls.stock_stages = cls.env["crm.stage"].search([("team_id", "=", False)])
        cls.team.discipline_own_stages_only = True

    def test_a_new_deal_starts_in_its_pipelines_first_stage(self):
        vals = self.deal_vals()
        del vals["stage_id"]
        deal = self.Lead.create(vals)
        self.assertEqual(deal.stage_id, self.stage_new)

    def test_a_pipeline_without_own_stages_keeps_the_stock_stages(self):
        self.assertTrue(self.stock_stages, "crm ships stages without a team")
        Lead = self.env["crm.lead"].with_user(self.colleague)
        vals = self.deal_vals(team_id=self.stock_team.id, user_id=self.colleague.id)
        del vals["stage_id"]
        deal = Lead.create(vals)
        self.assertEqual(deal.stage_id, self.stock_stages.filtered(lambda stage: not stage.fold).sorted()[:1])

    def test_the_status_bar_offers_the_pipelines_stages(self):
        deal = self.Lead.create(self.deal_vals())
        self.assertEqual(deal.pipeline_stage_ids, self.stage_new | self.stage_proposal | self.stage_won)
        view = self.Lead.get_view(self.env.ref("crm.crm_lead_view_form").id)
        self.assertIn("[('id', 'in', pipeline_stage_ids)]", view["arch"])
        Lead = self.env["crm.lead"].with_user(self.colleague)
        stock_deal = Lead.create(self.deal_vals(team_id=self.stock_team.id, user_id=self.colleague.id))
        self.assertEqual(stock_deal.pipeline_stage_ids, self.stock_stages | self.stage_new)

    def test_the_cached_stage_ladder_follows_the_stages_as_they_change(self):
        """Issue 11: a deal form's status bar and its next stage's requirements come from a cached ladder of the
        pipeline's stages (no query on opening), which stays what crm's _stage_find finds as stages are renumbered,
        added and moved to another pipeline."""
        deal = self.Lead.create(self.deal_vals())

        def next_by_crm():
            return deal._stage_find(domain=[("sequence", ">", deal.stage_id.sequence)])

        deal._discipline_next_stage()  # fill the cache
        deal.invalidate_recordset(["pipeline_stage_ids"])
        with self.assertQueryCount(0):
            self.assertEqual(deal._discipline_next_stage(), self.stage_proposal)
            self.assertEqual(deal.pipeline_stage_ids, self.stage_new | self.stage_proposal | self.stage_won)
        between = self.env["crm.stage"].create(
            {"name": "Qualification", "team_id": self.team.id, "sequence": self.stage_new.sequence}
        )
        self.stage_proposal.sequence = between.sequence + 5
        between.sequence = self.stage_new.sequence + 1
        self.assertEqual(deal._discipline_next_stage(), between)
        self.assertEqual(deal._discipline_next_stage(), next_by_crm())
        deal.invalidate_recordset(["pipeline_stage_ids"])
        self.assertIn(between, deal.pipeline_stage_ids)
        between.team_id = self.stock_team
        self.assertNotEqual(deal._discipline_next_stage(), between)
        self.assertEqual(deal._discipline_next_stage(), next_by_crm())
        deal.invalidate_recordset(["pipeline_stage_ids"])
        self.assertNotIn(between, deal.pipeline_stage_ids)

    def test_won_goes_to_the_pipelines_won_stage(self):
        deal = self.Lead.create(self.deal_vals())
        self.assertEqual(deal._stage_find(domain=[("is_won", "=", True)], limit=None), self.stage_won)
        deal.action_set_won()
        self.assertEqual(deal.stage_id, self.stage_won)

    def test_the_pipeline_shows_its_own_stages_only(self):
        Lead = self.env["crm.lead"].with_user(self.salesperson).with_context(default_team_id=self.team.id)
        columns = Lead._read_group_stage_ids(self.env["crm.stage"], [])
        self.assertEqual(columns, self.stage_new | self.stage_proposal | self.stage_won)
        stock_columns = Lead.with_context(default_team_id=self.stock_team.id)._read_group_stage_ids(
            self.env["crm.stage"], []
        )
        self.assertEqual(stock_columns, self.stock_stages)

    def test_a_deal_left_in_a_stock_stage_still_shows_its_column(self):
        stock_new = self.stock_stages.sorted()[:1]
        Lead = self.env["crm.lead"].with_user(self.salesperson).with_context(default_team_id=self.team.id)
        columns = Lead._read_group_stage_ids(stock_new, [])
        self.assertEqual(columns, stock_new | self.stage_new | self.stage_proposal | self.stage_won)

    def test_a_stage_moved_to_another_team_is_seen_at_once(self):
        self.stock_team.discipline_own_stages_only = True
        self.assertIn(self.team.id, self.env["crm.stage"]._discipline_teams_with_stages())
        self.assertNotIn(self.stock_team.id, self.env["crm.stage"]._discipline_teams_with_stages())
        self.stage_won.team_id = self.stock_team
        self.assertIn(self.stock_team.id, self.env["crm.stage"]._discipline_teams_with_stages())

    def test_own_stages_only_is_opt_in(self):
        """A team with stages of its own but without the flag keeps crm's behaviour (Odoo's teams, other apps)."""
        self.team.discipline_own_stages_only = False
        self.assertNotIn(self.team.id, self.env["crm.stage"]._discipline_teams_with_stages())
        vals = self.deal_vals()
        del vals["stage_id"]
        deal = self.Lead.create(vals)
        self.assertEqual(
            deal.stage_id, (self.stock_stages | self.stage_new).filtered(lambda stage: not stage.fold).sorted()[:1]
        )


@tagged("post_install", "-at_install")
class TestPipelineLanding(DealDisciplineCase):
    """ "My Pipeline" opens, for each role, the pipeline it works with, never crm's "member of no Sales Team" sample."""

    def landing(self, user):
        return self.env["crm.team"].with_user(user).action_your_pipeline()

    def test_a_salesperson_lands_on_their_deals_in_their_team(self):
        action = self.landing(self.salesperson)
        self.assertEqual(action["context"]["default_team_id"], self.team.id)
        self.assertEqual(action["context"].get("search_default_assigned_to_me"), 1)

    def test_a_team_lead_lands_on_the_teams_they_lead(self):
        other_team = self.env["crm.team"].create({"name": "Another Team", "sequence": 0})
        action = self.landing(self.team_lead)
        self.assertEqual(action["context"]["default_team_id"], self.team.id)
        self.assertNotIn("search_default_assigned_to_me", action["context"])
        self.assertIn(("team_id", "in", [self.team.id]), action["domain"])
        self.assertNotIn("member of no Sales Team", action["help"])
        self.assertIn("Discipline Test Team", action["help"])
        deal = self.Lead.create(self.deal_vals())
        visible = self.env["crm.lead"].with_user(self.team_lead).search(action["domain"])
        self.assertIn(deal, visible)
        self.assertNotEqual(action["context"]["default_team_id"], other_team.id)

    def test_the_head_lands_on_every_team(self):
        action = self.landing(self.head)
        self.assertNotIn("search_default_assigned_to_me", action["context"])
        self.assertNotIn("default_team_id", action["context"])
        self.assertNotIn("team_id", str(action.get("domain")))
        self.assertNotIn("member of no Sales Team", action["help"])

    def test_a_user_of_no_team_keeps_crms_landing(self):
        manager = new_test_user(self.env, login="sd_plain_sales", groups="sales_team.group_sale_salesman")
        action = self.landing(manager)
        self.assertEqual(action["context"].get("search_default_assigned_to_me"), 1)
