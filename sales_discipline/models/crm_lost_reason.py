from odoo import fields, models


class CrmLostReason(models.Model):
    """Refusal reasons form a managed catalogue; some need the salesperson's detail to be useful."""

    _inherit = "crm.lost.reason"

    requires_comment = fields.Boolean(
        string="Needs Detail",
        help="Losing a deal for this reason also requires a comment (e.g. which competitor won).",
    )
