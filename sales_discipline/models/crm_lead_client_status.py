from odoo import models

# ids of the deals that counted as purchases when a write changing stage or archiving started (see _handle_won_lost)
COUNTED_BEFORE_KEY = "sales_discipline_purchases_before_write"


class CrmLead(models.Model):
    """A deal counts as a purchase of its client while it is won and not archived (CL-6): only a write that makes a
    deal count, stop counting, or changes what it counts (its client, its close date) can change the client's
    status, so only those refresh it; a move between two open stages leaves the client card alone."""

    # one file per capability of crm.lead (house style), merged by the registry
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    def _handle_won_lost(self, vals):
        """crm calls this hook on a write of stage or archiving, with the deals still as they were: note which of
        them counted as purchases, for _discipline_refresh_clients once the write is done."""
        counted = self.filtered(lambda lead: lead.active and lead.stage_id.is_won)
        self.env.cr.cache.setdefault(COUNTED_BEFORE_KEY, set()).update(counted.ids)
        return super()._handle_won_lost(vals)

    def _discipline_refresh_clients(self):
        """After a write of stage, archiving, client or probability: refresh the clients of the deals that count as
        purchases now or did before the write."""
        counted_before = self.env.cr.cache.get(COUNTED_BEFORE_KEY, set())
        leads = self.filtered(lambda lead: lead.id in counted_before or (lead.active and lead.stage_id.is_won))
        counted_before.difference_update(self.ids)
        leads.partner_id._discipline_refresh_client_status()
