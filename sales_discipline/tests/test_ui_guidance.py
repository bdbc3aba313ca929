from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestStageGuidance(DealDisciplineCase):
    """001 #17: each stage carries its goal and call script, shown on the deal, changed by the discipline admin only."""

    REFUSAL = "Only a discipline administrator can change the guidance or the milestone of a stage."

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_new.sudo().write({"goal": "Reach the decision maker", "call_script": "<p>Ask for the meeting</p>"})

    def test_the_salesperson_reads_the_guidance_on_the_deal(self):
        deal = self.Lead.create(self.deal_vals())
        self.assertEqual(deal.stage_goal, "Reach the decision maker")
        self.assertIn("Ask for the meeting", deal.stage_call_script)
        view = self.Lead.get_view(self.env.ref("crm.crm_lead_view_form").id)
        self.assertIn('name="stage_goal"', view["arch"])
        self.assertIn('name="stage_call_script"', view["arch"])

    def test_the_discipline_admin_writes_the_guidance(self):
        self.stage_new.with_user(self.discipline_admin).write({"goal": "Sell the meeting"})
        self.assertEqual(self.stage_new.goal, "Sell the meeting")

    def test_a_sales_manager_without_the_discipline_role_cannot_change_it(self):
        manager = new_test_user(self.env, login="sd_sales_manager", groups="sales_team.group_sale_manager")
        stage = self.stage_new.with_user(manager)
        self.assertRefused(AccessError, self.REFUSAL, stage.write, {"goal": "My own method"})
        self.assertRefused(
            AccessError, self.REFUSAL, stage.update_field_translations, "goal", {"en_US": "Another method"}
        )
        self.assertRefused(
            AccessError,
            self.REFUSAL,
            self.env["crm.stage"].with_user(manager).create,
            {"name": "Demo Done", "call_script": "<p>x</p>"},
        )
        stage.write({"max_days": 12})  # the rest of the stage stays a sales manager's
        self.env["crm.stage"].with_user(manager).create({"name": "Demo Done", "goal": False, "call_script": False})
        self.assertEqual(self.stage_new.goal, "Reach the decision maker")

    def test_a_salesperson_cannot_change_it(self):
        with self.assertRaises(AccessError):
            self.stage_new.with_user(self.salesperson).write({"goal": "Mine"})

    def test_the_shipped_pipelines_carry_the_seeds_steps(self):
        stages = self.env["crm.stage"].search(
            [("team_id", "in", self.env.ref("sales_discipline.crm_team_new_clients").ids), ("is_won", "=", False)]
        )
        self.assertEqual(len(stages), 4)
        self.assertTrue(all(stages.mapped("goal")))
        self.assertTrue(all(stages.mapped("call_script")))
        first = self.env.ref("sales_discipline.crm_stage_new_first_contact").with_user(self.salesperson)
        self.assertIn("decision maker", first.goal)
