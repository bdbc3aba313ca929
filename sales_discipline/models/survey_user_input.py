from odoo import fields, models


class SurveyUserInput(models.Model):
    """A client needs questionnaire is filled for a deal, which lets its meeting count as conducted (RO-3).

    The answer belongs to the salesperson who fills it in with the client (Odoo's survey pages open an answer only
    to the person whose partner it carries); the deal and its client are linked here.
    """

    _inherit = "survey.user_input"

    crm_lead_id = fields.Many2one("crm.lead", string="Deal", index="btree_not_null", ondelete="set null")
    client_partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        index="btree_not_null",
        ondelete="set null",
        help="The client whose needs this questionnaire records, filled in by the salesperson with them.",
    )
