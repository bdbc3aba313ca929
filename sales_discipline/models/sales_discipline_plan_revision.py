from odoo import fields, models


class SalesDisciplinePlanRevision(models.Model):
    """PL-6: one correction of a target once its plan was submitted, with who made it, when, from and to; a re-plan
    by the discipline administrator (the only way down after approval) is marked and carries its reason."""

    _name = "sales.discipline.plan.revision"
    _description = "Plan Target Correction"
    _order = "create_date desc, id desc"

    line_id = fields.Many2one(
        "sales.discipline.plan.line", string="Target", required=True, ondelete="cascade", index=True
    )
    plan_id = fields.Many2one(related="line_id.plan_id", store=True, index=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True)
    kpi_id = fields.Many2one(related="line_id.kpi_id", store=True)
    old_target = fields.Float(string="From", readonly=True)
    new_target = fields.Float(string="To", readonly=True)
    replan = fields.Boolean(
        string="Re-plan", readonly=True, help="A correction downward by the discipline administrator after approval."
    )
    reason = fields.Text(readonly=True)
