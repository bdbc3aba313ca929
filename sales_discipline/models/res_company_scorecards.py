from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .sales_discipline_scorecard import SCORE_SIGNALS


class ResCompany(models.Model):
    """SC-1: the weights of the discipline score's signals, a company policy; they add up to 100."""

    # one file per capability of res.company (house style), merged by the registry
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    discipline_score_weight_plan = fields.Integer(
        string="Weight: Plan Completion", default=25, help="Share of the discipline score (the weights add up to 100)."
    )
    discipline_score_weight_next_step = fields.Integer(string="Weight: Deals With a Next Step", default=20)
    discipline_score_weight_overdue = fields.Integer(string="Weight: Steps On Time", default=20)
    discipline_score_weight_stale = fields.Integer(string="Weight: Deals Moving", default=15)
    discipline_score_weight_cards = fields.Integer(string="Weight: Client Cards Complete", default=10)
    discipline_score_weight_nps = fields.Integer(string="Weight: NPS", default=10)

    @api.constrains(*(f"discipline_score_weight_{signal}" for signal in SCORE_SIGNALS))
    def _check_score_weights(self):
        for company in self:
            weights = company._discipline_score_weights()
            if min(weights.values()) < 0 or sum(weights.values()) != 100:
                raise ValidationError(
                    self.env._(
                        "The weights of the discipline score add up to 100 (each 0 or more), not %(total)s.",
                        total=sum(weights.values()),
                    )
                )

    def _discipline_score_weights(self):
        self.ensure_one()
        return {signal: self[f"discipline_score_weight_{signal}"] for signal in SCORE_SIGNALS}

    @api.model
    def _discipline_policy_fields(self):
        """The discipline administrator sets the score's weights with the other policies."""
        return super()._discipline_policy_fields() | {f"discipline_score_weight_{signal}" for signal in SCORE_SIGNALS}
