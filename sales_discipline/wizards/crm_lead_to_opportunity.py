from odoo import api, fields, models

from ..models.mail_activity_type import DATE_PRECISIONS
from ..models.res_partner import FROM_LEAD


class CrmLead2OpportunityPartner(models.TransientModel):
    """Converting a lead into an opportunity plans its next step in the same dialog (NS-1); the customer it creates
    is saved incomplete, listed and noted (CL-4). The mass conversion inherits both."""

    _inherit = "crm.lead2opportunity.partner"

    next_step_type_id = fields.Many2one(
        "mail.activity.type",
        string="Next Step",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    next_step_goal = fields.Char(string="Goal")
    next_step_deadline = fields.Date(string="Due")
    next_step_at = fields.Datetime(string="At")
    next_step_date_start = fields.Date(string="From")
    next_step_precision = fields.Selection(DATE_PRECISIONS, compute="_compute_next_step_precision")

    @api.depends("next_step_type_id")
    def _compute_next_step_precision(self):
        for wizard in self:
            wizard.next_step_precision = wizard.next_step_type_id.date_precision

    @api.onchange("next_step_type_id")
    def _onchange_next_step_type_id(self):
        if self.next_step_type_id.default_goal and not self.next_step_goal:
            self.next_step_goal = self.next_step_type_id.default_goal

    def _convert_and_allocate(self, leads, user_ids, team_id=False):
        """Plan the next step before the leads become opportunities, which must have one."""
        if self.next_step_type_id:
            step = {
                "next_step_type_id": self.next_step_type_id.id,
                "next_step_goal": self.next_step_goal,
                "next_step_deadline": self.next_step_deadline,
                "next_step_at": self.next_step_at,
                "next_step_date_start": self.next_step_date_start,
            }
            leads._discipline_plan_next_steps([step] * len(leads), user=self.user_id or None)
        return super()._convert_and_allocate(leads, user_ids, team_id=team_id)

    def _convert_handle_partner(self, lead, action, partner_id):
        """crm builds the new customer from what the lead knows (a name, an email), whatever the dialog (single, mass,
        merge of duplicates): like a contact met in the chatter, it is saved as it comes, listed with the incomplete
        cards, and the card and the deal say so. The salesperson (CL-3) and duplicate (CL-5) rules still apply."""
        with self.env["res.partner"]._discipline_unattended_cards(FROM_LEAD) as created:
            result = super()._convert_handle_partner(lead, action, partner_id)
        self._discipline_note_incomplete_customers(lead, self.env["res.partner"].browse(created))
        return result

    @api.model
    def _discipline_note_incomplete_customers(self, lead, cards):
        """A note on each incomplete card created from the lead, and one on the lead naming them."""
        incomplete = cards.filtered(lambda card: not card.is_data_complete)
        if not incomplete:
            return
        for card in incomplete:
            card.sudo().message_post(
                body=self.env._(
                    "Created by %(user)s from the lead “%(lead)s” and saved incomplete: fill in %(fields)s.",
                    user=self.env.user.name,
                    lead=lead.name,
                    fields=card._discipline_missing_labels(),
                ),
                subtype_xmlid="mail.mt_note",
            )
        lines = [
            self.env._("%(card)s (%(fields)s)", card=card.display_name, fields=card._discipline_missing_labels())
            for card in incomplete
        ]
        lead.sudo().message_post(
            body=self.env._("New customer cards to complete: %(cards)s.", cards="; ".join(lines)),
            subtype_xmlid="mail.mt_note",
        )
