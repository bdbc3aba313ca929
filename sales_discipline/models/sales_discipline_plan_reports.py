from datetime import date, timedelta

from odoo import api, fields, models

REPORT_PERIODS = ("month", "quarter")


class SalesDisciplinePlan(models.Model):
    """PL-7: the report on an approved monthly or quarterly plan is due by a day of the following month (5th and
    10th by default, per company); a daily cron gives the person responsible for the plan a "Plan Report" activity
    on it, once, due that day; an overdue one shows on the team dashboard (crm_team_plans.py) and in the activities."""

    # one file per capability of the plan, merged by the registry
    _name = "sales.discipline.plan"
    _inherit = ["sales.discipline.plan", "mail.activity.mixin"]  # pylint: disable=consider-merging-classes-inherited

    report_requested = fields.Boolean(readonly=True, copy=False, help="The report activity of the plan was planned.")
    responsible_id = fields.Many2one(
        "res.users",
        compute="_compute_responsible_id",
        help="Who reports on the plan: the salesperson, the team lead, or for the company whoever drafted it.",
    )

    @api.depends("scope", "user_id", "team_id.user_id", "create_uid")
    def _compute_responsible_id(self):
        for plan in self:
            plan.responsible_id = {"user": plan.user_id, "team": plan.team_id.user_id}.get(
                plan.scope
            ) or plan.create_uid

    def _discipline_report_deadline(self):
        """The day the report is due: the company's day of the month that follows the period."""
        self.ensure_one()
        following = self.date_to + timedelta(days=1)
        day = (
            self.company_id.discipline_quarter_report_day
            if self.period_type == "quarter"
            else self.company_id.discipline_month_report_day
        )
        return date(following.year, following.month, day)

    @api.model
    def _cron_discipline_plan_reports(self, batch_size=500):
        """Daily: the approved monthly and quarterly plans whose period has ended get their report activity, in
        batches; each plan once."""
        today = fields.Date.context_today(self)
        plans = self.sudo().search(
            [
                ("state", "=", "approved"),
                ("period_type", "in", REPORT_PERIODS),
                ("date_to", "<", today),
                ("report_requested", "=", False),
            ],
            order="date_to, id",
            limit=batch_size,
        )
        report_type = self.env.ref("sales_discipline.mail_activity_type_plan_report")
        model_id = self.env["ir.model"]._get_id(self._name)
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": plan.id,
                    "activity_type_id": report_type.id,
                    "summary": self.env._("Report on %(plan)s", plan=plan.name),
                    "date_deadline": plan._discipline_report_deadline(),
                    "user_id": (plan.responsible_id.filtered("active") or plan.create_uid).id,
                }
                for plan in plans
            ]
        )
        plans.write({"report_requested": True})
        remaining = self.sudo().search_count(
            [
                ("state", "=", "approved"),
                ("period_type", "in", REPORT_PERIODS),
                ("date_to", "<", today),
                ("report_requested", "=", False),
            ]
        )
        self.env["ir.cron"]._notify_progress(done=len(plans), remaining=remaining)
        return len(plans)
