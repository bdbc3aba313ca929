from odoo import fields, models

SALES_ROLES = [
    ("hunter", "Hunter"),
    ("farmer", "Farmer"),
]


class CrmTeamMember(models.Model):
    """A salesperson's role is set per team: a hunter in one team may be a farmer in another (RO-1)."""

    _inherit = "crm.team.member"

    sales_role = fields.Selection(
        SALES_ROLES,
        default="hunter",
        required=True,
        help="Hunters win new clients (outbound, field work); farmers develop current clients (inbound, proactive).",
    )
