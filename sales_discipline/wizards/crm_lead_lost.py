from odoo import fields, models
from odoo.tools import html2plaintext


class CrmLeadLost(models.TransientModel):
    """The lost wizard stores its closing note on the deal, where reasons that need detail require it."""

    _inherit = "crm.lead.lost"

    reason_requires_comment = fields.Boolean(related="lost_reason_id.requires_comment")

    def action_lost_reason_apply(self):
        """Hand the closing note to the deals as their refusal details, checked together with the reason."""
        comment = html2plaintext(self.lost_feedback or "").strip()
        return super(CrmLeadLost, self.with_context(discipline_lost_comment=comment)).action_lost_reason_apply()
