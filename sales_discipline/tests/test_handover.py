from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext
from odoo.tools.safe_eval import safe_eval

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestHandover(DealDisciplineCase):
    """SE-4, DL-8: a leaving salesperson's deals, clients and steps move to colleagues in one step."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"].with_user(cls.salesperson)
        cls.client_a = Partner.create(cls.company_vals())
        cls.client_b = Partner.create(
            cls.company_vals(name="Vasilek LLC", phone="+7 812 765-43-21", email="info@vasilek.example")
        )
        cls.deals_a = cls.Lead.create(
            [cls.deal_vals(name="A1", partner_id=cls.client_a.id), cls.deal_vals(name="A2", partner_id=cls.client_a.id)]
        )
        cls.deal_b = cls.Lead.create(cls.deal_vals(name="B1", partner_id=cls.client_b.id))
        cls.loose_deal = cls.Lead.create(cls.deal_vals(name="No client"))
        cls.client_step = cls.client_a.with_user(cls.salesperson).activity_schedule(
            act_type_xmlid="mail.mail_activity_data_todo", summary="Send the catalogue", date_deadline=date(2030, 1, 3)
        )

    def _hand_over(self, colleagues, note="Leaves on Friday"):
        form = Form(self.env["sales.discipline.handover"].with_user(self.head))
        form.from_user_id = self.salesperson
        for colleague in colleagues:
            form.to_user_ids.add(colleague)
        form.note = note
        wizard = form.save()
        self.assertEqual((wizard.deal_count, wizard.client_count), (4, 2))
        return wizard.action_hand_over()

    def test_everything_moves_and_nothing_is_left(self):
        result = self._hand_over(self.colleague | self.team_lead)
        self.assertEqual(result["params"]["type"], "success")
        uid = self.salesperson.id
        self.assertFalse(self.env["crm.lead"].search_count([("user_id", "=", uid), ("stage_id.is_won", "=", False)]))
        self.assertFalse(self.env["res.partner"].search_count([("user_id", "=", uid)]))
        self.assertFalse(self.env["mail.activity"].search_count([("user_id", "=", uid)]))
        self.env.invalidate_all()
        deals = (self.deals_a | self.deal_b | self.loose_deal).sudo()
        self.assertFalse(deals.filtered(lambda d: not d.user_id))
        # a client's deals and steps go with the client
        deals_a, deal_b = self.deals_a.sudo(), self.deal_b.sudo()
        # the cards were created by the leaving salesperson, who no longer reads them (SE-2)
        client_a, client_b = self.client_a.sudo(), self.client_b.sudo()
        self.assertEqual(deals_a.user_id, client_a.user_id)
        self.assertEqual(deal_b.user_id, client_b.user_id)
        self.assertEqual(self.client_step.sudo().user_id, client_a.user_id)
        self.assertEqual(deals_a.activity_ids.user_id, client_a.user_id)
        self.assertEqual(client_a.user_id | client_b.user_id, self.colleague | self.team_lead)

    def test_each_record_carries_a_note(self):
        self._hand_over(self.colleague)
        for record in [*self.deals_a.sudo(), self.loose_deal.sudo(), self.client_a.sudo()]:
            self.assertIn(
                "Handed over from Sasha Salesperson to Kolya Colleague by Hermann Head.", record.message_ids[0].body
            )
            self.assertIn("Leaves on Friday", record.message_ids[0].body)

    def test_cannot_hand_over_to_oneself(self):
        wizard = (
            self.env["sales.discipline.handover"]
            .with_user(self.head)
            .create(
                {"from_user_id": self.salesperson.id, "to_user_ids": [(6, 0, (self.salesperson | self.colleague).ids)]}
            )
        )
        self.assertRefused(
            UserError, "The leaving salesperson cannot receive their own deals.", wizard.action_hand_over
        )

    def test_cards_that_predate_the_policy_are_handed_over_and_stay_incomplete(self):
        # created before the policy (or by a flow that does not check it), as the install finds them
        old_company = self.env["res.partner"].create(
            {"name": "Old Client", "is_company": True, "user_id": self.salesperson.id}
        )
        old_contact = self.env["res.partner"].create(
            {"name": "Old Contact", "parent_id": old_company.id, "user_id": self.salesperson.id}
        )
        form = Form(self.env["sales.discipline.handover"].with_user(self.head))
        form.from_user_id = self.salesperson
        form.to_user_ids.add(self.colleague)
        wizard = form.save()
        self.assertEqual(wizard.client_count, 4)
        wizard.action_hand_over()
        for card in old_company | old_contact:
            self.assertEqual(card.user_id, self.colleague)
            self.assertFalse(card.is_data_complete)
            self.assertEqual(
                html2plaintext(card.message_ids[0].body),
                "Handed over from Sasha Salesperson to Kolya Colleague by Hermann Head.",
            )
        self.assertEqual(
            old_company.missing_field_labels, "Acquisition Channel, Client Type, Email, Industry, Phone, Street"
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.res_partner_action_incomplete")
        listed = self.env["res.partner"].with_user(self.colleague).search(safe_eval(action["domain"]))
        self.assertIn(old_company, listed)

    def test_clients_go_only_to_colleagues_who_may_own_them(self):
        form = Form(self.env["sales.discipline.handover"].with_user(self.head))
        form.from_user_id = self.salesperson
        form.to_user_ids.add(self.colleague)
        form.to_user_ids.add(self.outsider)
        self.assertRefused(
            UserError,
            "Otto Outsider cannot receive clients: a client's salesperson must be an active internal user who belongs "
            "to a sales team.",
            form.save().action_hand_over,
        )

    def test_reassigning_an_old_card_checks_the_new_salesperson_only(self):
        old_company = self.env["res.partner"].create({"name": "Old Client", "is_company": True})
        as_head = old_company.with_user(self.head)
        as_head.write({"user_id": self.colleague.id})
        self.assertEqual(old_company.user_id, self.colleague)
        self.assertRefused(
            ValidationError,
            "The client card cannot be saved:\nOld Client: the responsible salesperson Otto Outsider must be an "
            "active internal user who belongs to a sales team.",
            as_head.write,
            {"user_id": self.outsider.id},
        )
        self.assertRefused(
            ValidationError,
            "The client card cannot be saved:\nOld Client: fill in Salesperson.",
            as_head.write,
            {"user_id": False},
        )
        # changing anything else of the card with it is an edit: the card must then be completed
        self.assertRefused(
            ValidationError,
            "The client card cannot be saved:\nOld Client: fill in Acquisition Channel, Client Type, Email, Industry, "
            "Street.",
            as_head.write,
            {"user_id": self.salesperson.id, "phone": "+7 495 111-22-33"},
        )
