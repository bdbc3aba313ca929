from odoo import api, fields, models
from odoo.tools import html2plaintext


class CrmLeadLost(models.TransientModel):
    """The lost wizard stores its closing note on the deal, where reasons that need detail require it."""

    _inherit = "crm.lead.lost"

    reason_requires_comment = fields.Boolean(related="lost_reason_id.requires_comment")
    discipline_reason_required = fields.Boolean(compute="_compute_discipline_reason_required")

    @api.depends("lead_ids")
    def _compute_discipline_reason_required(self):
        """The dialog asks for the reason where the refusal-reason rules (DL-3) are enforced."""
        Warning = self.env["sales.discipline.warning"]
        for wizard in self:
            wizard.discipline_reason_required = any(
                Warning._discipline_mode_of(lead, "refusal_reasons") == "enforce" for lead in wizard.lead_ids
            ) or (not wizard.lead_ids and self.env.company._discipline_mode("refusal_reasons") == "enforce")

    def action_lost_reason_apply(self):
        """Hand the closing note to the deals as their refusal details, checked together with the reason."""
        comment = html2plaintext(self.lost_feedback or "").strip()
        return super(CrmLeadLost, self.with_context(discipline_lost_comment=comment)).action_lost_reason_apply()
