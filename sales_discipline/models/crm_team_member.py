from odoo import api, fields, models

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

    # The salespeople's deal rule names the teams they belong to (SE-2), computed once per user by the rule cache:
    # a membership that appears, changes or goes must reach it.
    @api.model_create_multi
    def create(self, vals_list):
        """Clear the rule cache: see above."""
        members = super().create(vals_list)
        self.env.registry.clear_cache()
        return members

    def write(self, vals):
        """Clear the rule cache when a membership changes its user, team or archiving: see above."""
        result = super().write(vals)
        if {"user_id", "crm_team_id", "active"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        """Clear the rule cache: see above."""
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
