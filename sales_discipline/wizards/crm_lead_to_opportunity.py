from odoo import api, fields, models

from ..models.mail_activity_type import DATE_PRECISIONS


class CrmLead2OpportunityPartner(models.TransientModel):
    """Converting a lead into an opportunity plans its next step in the same dialog (NS-1)."""

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
