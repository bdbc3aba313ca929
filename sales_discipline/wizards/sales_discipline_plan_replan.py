from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.sales_discipline_plan_line import REPLAN_FLAG


class SalesDisciplinePlanReplan(models.TransientModel):
    """PL-6: the one way down for an approved plan's target: an explicit re-plan by the discipline administrator,
    with its reason, kept as a correction and noted on the plan."""

    _name = "sales.discipline.plan.replan"
    _description = "Re-plan a Target"

    line_id = fields.Many2one("sales.discipline.plan.line", string="Target", required=True, readonly=True)
    current_target = fields.Float(related="line_id.target", string="Current Target")
    target = fields.Float(string="New Target", required=True)
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        line = self.env["sales.discipline.plan.line"].browse(self.env.context.get("default_line_id"))
        if line.exists() and "target" in fields_list and "target" not in values:
            values["target"] = line.target
        return values

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group("sales_discipline.group_discipline_admin"):
            raise AccessError(self.env._("Only a discipline administrator re-plans an approved target."))
        if self.target < 0:
            raise UserError(self.env._("A target cannot be negative."))
        line = self.line_id
        old = line.target
        line.with_context(**{REPLAN_FLAG: True, "sales_discipline_replan_reason": self.reason}).write(
            {"target": self.target}
        )
        old_value, new_value = f"{old:g}", f"{self.target:g}"
        line.plan_id._message_log(
            body=self.env._(
                "Re-planned by %(user)s: %(kpi)s from %(old)s to %(new)s. Reason: %(reason)s",
                user=self.env.user.name,
                kpi=line.kpi_id.name,
                old=old_value,
                new=new_value,
                reason=self.reason,
            )
        )
        return {"type": "ir.actions.act_window_close"}
