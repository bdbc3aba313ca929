from odoo import api, fields, models

from .mail_activity_type import FUNNEL_KINDS, FUNNEL_ROLE


class SalesDisciplineNorm(models.Model):
    """A weekly norm: how many activities of one funnel step each hunter or farmer does in a week (RO-5)."""

    _name = "sales.discipline.norm"
    _description = "Weekly Activity Norm"
    _order = "sales_role, sequence, id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    funnel_kind = fields.Selection(FUNNEL_KINDS, string="Funnel Step", required=True)
    sales_role = fields.Selection(
        [("hunter", "Hunter"), ("farmer", "Farmer")],
        compute="_compute_sales_role",
        store=True,
    )
    sequence = fields.Integer(default=10)
    weekly_target = fields.Integer(required=True, help="Activities of this step to do each week, per person.")

    _sql_constraints = [
        ("kind_company_unique", "UNIQUE(company_id, funnel_kind)", "A funnel step has one weekly norm per company."),
        ("target_not_negative", "CHECK(weekly_target >= 0)", "A weekly norm cannot be negative."),
    ]

    @api.depends("funnel_kind")
    def _compute_sales_role(self):
        for norm in self:
            norm.sales_role = FUNNEL_ROLE.get(norm.funnel_kind)

    @api.model
    def _install_default_norms(self):
        """The seeds' weekly table (meeting slots of the planning grid), for every company lacking a norm."""
        defaults = {
            "result_call": 50,
            "conducted_meeting": 12,
            "result_meeting": 6,
            "progress": 4,
            "warm_contact": 40,
            "visit": 8,
            "incoming_call": 20,
            "needs_questionnaire": 8,
        }
        existing = {(n.company_id.id, n.funnel_kind) for n in self.sudo().search([])}
        self.sudo().create(
            [
                {"company_id": company.id, "funnel_kind": kind, "weekly_target": target, "sequence": index}
                for company in self.env["res.company"].sudo().search([])
                for index, (kind, target) in enumerate(defaults.items())
                if (company.id, kind) not in existing
            ]
        )
