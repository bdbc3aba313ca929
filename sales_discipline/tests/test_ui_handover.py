from odoo.tests import Form, new_test_user, tagged

from .common import SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestHandoverRecipients(SalesDisciplineCase):
    """CL-3, DL-8: the handover wizard offers as colleagues only the users who may receive clients."""

    def test_only_valid_recipients_are_offered(self):
        portal = new_test_user(self.env, login="sd_portal", groups="base.group_portal")
        archived_member = new_test_user(self.env, login="sd_archived", groups="sales_discipline.group_salesperson")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": archived_member.id})]
        archived_member.active = False
        form = Form(self.env["sales.discipline.handover"].with_user(self.head))
        form.from_user_id = self.salesperson
        form.to_user_ids.add(self.colleague)
        wizard = form.save()
        offered = (
            self.env["res.users"]
            .with_user(self.head)
            .search([("id", "in", wizard.valid_recipient_ids.ids), ("id", "!=", self.salesperson.id)])
        )
        self.assertIn(self.colleague, offered)
        self.assertIn(self.team_lead, offered, "a team's leader may own clients")
        for refused in (self.outsider, self.head, portal, archived_member, self.salesperson):
            self.assertNotIn(refused, offered)
        domain = self.env["sales.discipline.handover"]._fields["to_user_ids"].domain
        self.assertIn("valid_recipient_ids", domain)
