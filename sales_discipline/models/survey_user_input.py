from odoo import fields, models


class SurveyUserInput(models.Model):
    """A client needs questionnaire is filled for a deal, which lets its meeting count as conducted (RO-3)."""

    _inherit = "survey.user_input"

    crm_lead_id = fields.Many2one("crm.lead", string="Deal", index="btree_not_null", ondelete="set null")
