from odoo import models


class CrmLead(models.Model):
    """Deals under discipline."""

    _inherit = "crm.lead"

    def write(self, vals):
        """Refresh the client status as soon as a deal is won, lost or moves to another client."""
        result = super().write(vals)
        if {"stage_id", "active", "partner_id", "probability"} & set(vals):
            self.partner_id._discipline_refresh_client_status()
        return result
