from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .sales_discipline_scorecard import SCORE_SIGNALS


class ResCompany(models.Model):
    """SC-1: the weights of the discipline score's signals, a company policy; they add up to 100. SC-4: the multiple
    of the turnover target below which a weighted pipeline is flagged small. SC-3: the stand-up report's email."""

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

    discipline_pipeline_multiple = fields.Float(
        string="Pipeline Multiple of the Plan",
        default=1.0,
        digits=(16, 2),
        help="A salesperson's pipeline is flagged small when its value weighted by the deals' probabilities is below"
        " this multiple of the period's turnover target.",
    )
    discipline_standup_report = fields.Selection(
        [("off", "Not Sent"), ("daily", "Every Working Day"), ("weekly", "Weekly")],
        string="Stand-up Report by Email",
        default="off",
        required=True,
        help="Each sales team receives its stand-up figures: yesterday's fact and today's plan per salesperson.",
    )
    discipline_standup_weekday = fields.Selection(
        [("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"), ("4", "Friday")],
        string="Weekly Report Day",
        default="0",
        required=True,
    )

    @api.constrains("discipline_pipeline_multiple")
    def _check_pipeline_multiple(self):
        for company in self:
            if company.discipline_pipeline_multiple <= 0:
                raise ValidationError(
                    self.env._(
                        "The pipeline multiple of the plan is more than 0, not %(multiple)s.",
                        multiple=company.discipline_pipeline_multiple,
                    )
                )

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

    def _discipline_standup_due(self, day):
        """Whether the stand-up report goes out on ``day``: every working day, or on the weekly report day."""
        self.ensure_one()
        if self.discipline_standup_report == "daily":
            return day.weekday() < 5
        return self.discipline_standup_report == "weekly" and str(day.weekday()) == self.discipline_standup_weekday

    def _discipline_score_weights(self):
        self.ensure_one()
        return {signal: self[f"discipline_score_weight_{signal}"] for signal in SCORE_SIGNALS}

    @api.model
    def _discipline_policy_fields(self):
        """The discipline administrator sets the score's weights with the other policies."""
        return super()._discipline_policy_fields() | {
            *(f"discipline_score_weight_{signal}" for signal in SCORE_SIGNALS),
            "discipline_pipeline_multiple",
            "discipline_standup_report",
            "discipline_standup_weekday",
        }
