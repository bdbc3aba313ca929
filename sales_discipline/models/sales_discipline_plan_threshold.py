from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SalesDisciplinePlanThreshold(models.Model):
    """PL-8: a completion threshold of the plans and the share of a target's bonus it pays: 80 % of the target pays
    half the bonus, 90 % three quarters, 100 % all of it (the shipped defaults). Thresholds without a company apply
    to every company that has none of its own."""

    _name = "sales.discipline.plan.threshold"
    _description = "Plan Completion Threshold"
    _order = "completion, id"

    company_id = fields.Many2one("res.company", index=True, help="Empty: every company without thresholds of its own.")
    completion = fields.Float(string="Completion (%)", required=True, help="The completion that reaches the threshold.")
    payout = fields.Float(string="Bonus Paid (%)", required=True, help="The share of the target's bonus it pays.")

    @api.constrains("completion", "payout")
    def _check_values(self):
        for threshold in self:
            if threshold.completion <= 0 or threshold.payout < 0:
                raise ValidationError(
                    self.env._("A threshold is a completion above 0 % paying a share of the bonus of 0 % or more.")
                )

    @api.model
    def _discipline_ladder(self, company):
        """[(completion, payout)] of ``company``, ascending: its own thresholds, or the shared ones."""
        thresholds = self.sudo().search([("company_id", "in", [company.id, False])])
        own = thresholds.filtered(lambda t: t.company_id == company)
        return [(t.completion, t.payout) for t in (own or thresholds - own)]
