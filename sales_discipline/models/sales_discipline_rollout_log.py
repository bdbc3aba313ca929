from odoo import api, fields, models

from .rollout import ROLLOUT_FAMILIES, ROLLOUT_MODES


class SalesDisciplineRolloutLog(models.Model):
    """Who moved which family of rules to which mode, and when: the trace of a company's gradual rollout."""

    _name = "sales.discipline.rollout.log"
    _description = "Rule Rollout Log"
    _order = "id desc"
    _rec_name = "family"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    family = fields.Selection(
        ROLLOUT_FAMILIES,
        string="Rules",
        required=True,
        readonly=True,
    )
    old_mode = fields.Selection(ROLLOUT_MODES, string="From", readonly=True)
    new_mode = fields.Selection(ROLLOUT_MODES, string="To", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Changed By", readonly=True, ondelete="set null")
    create_date = fields.Datetime(string="When", readonly=True)

    @api.model
    def _discipline_log_changes(self, changes):
        """``changes``: (company, family, old mode, new mode) tuples; logged as the superuser, since nobody may
        write the log itself."""
        if changes:
            self.sudo().create(
                [
                    {
                        "company_id": company.id,
                        "family": family,
                        "old_mode": old,
                        "new_mode": new,
                        "user_id": self.env.uid,
                    }
                    for company, family, old, new in changes
                ]
            )
