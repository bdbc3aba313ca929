from odoo import api, models


class ResUsers(models.Model):
    """Keep the partners that Odoo creates for users out of the client-data policy."""

    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        """A user's partner is not a client card: it is created without the client policy."""
        return super(ResUsers, self.with_context(discipline_policy_exempt=True)).create(vals_list)
