from odoo import fields, models


class CrmTeam(models.Model):
    """PL-7: the team dashboard shows the team's plan reports that are overdue."""

    # one file per capability of crm.team (house style), merged by the registry
    _inherit = "crm.team"  # pylint: disable=consider-merging-classes-inherited

    discipline_overdue_report_count = fields.Integer(
        string="Overdue Plan Reports", compute="_compute_discipline_overdue_report_count"
    )

    def _compute_discipline_overdue_report_count(self):
        """One grouped query for the teams: the overdue "Plan Report" activities of their plans (team and members)."""
        counts = {}
        if self.ids:
            report_type = self.env.ref("sales_discipline.mail_activity_type_plan_report", raise_if_not_found=False)
            Plan = self.env["sales.discipline.plan"].sudo()
            plans = Plan._search([("team_id", "in", self.ids)])
            groups = (
                self.env["mail.activity"]
                .sudo()
                ._read_group(
                    [
                        ("res_model", "=", "sales.discipline.plan"),
                        ("res_id", "in", plans),
                        ("activity_type_id", "=", report_type.id if report_type else False),
                        ("date_deadline", "<", fields.Date.context_today(self)),
                    ],
                    ["res_id"],
                    ["__count"],
                )
            )
            team_of = {plan.id: plan.team_id.id for plan in Plan.browse([res_id for res_id, _count in groups])}
            for res_id, count in groups:
                counts[team_of[res_id]] = counts.get(team_of[res_id], 0) + count
        for team in self:
            team.discipline_overdue_report_count = counts.get(team.id, 0)

    def action_discipline_overdue_reports(self):
        """The team's plans with an overdue report."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.sales_discipline_plan_action")
        action.update(
            {
                "domain": [("team_id", "=", self.id), ("activity_state", "=", "overdue")],
                "context": {},
            }
        )
        return action
