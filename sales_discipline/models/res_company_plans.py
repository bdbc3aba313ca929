from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """PL-5, PL-7: who approves the company's year and quarter plans with the head of sales, and by which day of the
    following month the monthly and quarterly plan reports are due."""

    # one file per capability of res.company (house style), merged by the registry
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    discipline_plan_director_id = fields.Many2one(
        "res.users",
        string="General Director",
        help="Approves the year and quarter plans; where nobody is set, the head of sales does.",
    )
    discipline_month_report_day = fields.Integer(
        string="Monthly Report Due On Day",
        default=5,
        help="Day of the following month by which the report on a monthly plan is due.",
    )
    discipline_quarter_report_day = fields.Integer(
        string="Quarterly Report Due On Day",
        default=10,
        help="Day of the month after the quarter by which the report on a quarterly plan is due.",
    )

    @api.constrains("discipline_month_report_day", "discipline_quarter_report_day")
    def _check_report_days(self):
        for company in self:
            for day in (company.discipline_month_report_day, company.discipline_quarter_report_day):
                if not 1 <= day <= 28:
                    raise ValidationError(self.env._("A report is due on a day from 1 to 28 of the month."))

    @api.model
    def _discipline_policy_fields(self):
        """The discipline administrator names the approver and the report days with the other policies."""
        return super()._discipline_policy_fields() | {
            "discipline_plan_director_id",
            "discipline_month_report_day",
            "discipline_quarter_report_day",
        }
