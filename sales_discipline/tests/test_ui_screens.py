import importlib.util
from pathlib import Path

from odoo.tests import tagged
from odoo.tools import SQL

from .common import SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestDisciplineScreens(SalesDisciplineCase):
    """The screens people were confused by: one refusal catalogue, one name for the refusal text, the team dashboard
    within reach of those who run teams."""

    def test_the_refusal_catalogue_has_one_price_reason(self):
        Reason = self.env["crm.lost.reason"].with_user(self.salesperson)
        names = Reason.search([]).mapped("name")
        self.assertIn("Too expensive", names)
        self.assertNotIn("Price too high", names)
        self.assertFalse(self.env.ref("sales_discipline.crm_lost_reason_price", raise_if_not_found=False))

    def test_the_lost_dialog_names_the_text_as_the_deal_does(self):
        arch = (
            self.env["crm.lead.lost"]
            .with_user(self.salesperson)
            .get_view(self.env.ref("crm.crm_lead_lost_view_form").id)["arch"]
        )
        label = self.env["crm.lead"]._fields["lost_comment"].string
        self.assertEqual(label, "Refusal Details")
        self.assertIn(f'string="{label}"', arch)
        self.assertNotIn("Closing Note", arch)

    def test_the_team_dashboard_has_a_menu_for_team_leads_and_the_head(self):
        menu = self.env.ref("sales_discipline.crm_team_menu_dashboard")
        for user in (self.team_lead, self.head):
            self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.salesperson)._visible_menu_ids())


@tagged("post_install", "-at_install")
class TestPriceReasonMigration(SalesDisciplineCase):
    """18.0.1.2.0: a database that has the addon's old "Price too high" gets its refusals on crm's "Too expensive"."""

    def test_the_old_price_reason_is_merged_into_crms(self):
        ours = self.env["crm.lost.reason"].create({"name": "Price too high", "requires_comment": True})
        self.env["ir.model.data"].create(
            {
                "module": "sales_discipline",
                "name": "crm_lost_reason_price",
                "model": "crm.lost.reason",
                "res_id": ours.id,
                "noupdate": True,
            }
        )
        deal = self.env["crm.lead"].sudo().create({"name": "Lost on price", "type": "lead"})
        self.env.cr.execute(
            SQL("UPDATE crm_lead SET lost_reason_id = %s, active = FALSE WHERE id = %s", ours.id, deal.id)
        )
        self.env.invalidate_all()
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.2.0" / "post-10-merge-price-reason.py"
        spec = importlib.util.spec_from_file_location("sd_merge_price_reason", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        script.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        kept = self.env.ref("crm.lost_reason_1")
        self.assertEqual(deal.with_context(active_test=False).lost_reason_id, kept)
        self.assertFalse(ours.exists())
        self.assertTrue(kept.requires_comment, "the stricter setting of the two is kept")
