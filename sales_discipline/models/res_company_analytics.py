from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """AN-2: the company's ABC-XYZ policy (the window of months, the ABC shares of revenue, the XYZ limits of the
    variation of monthly purchases) and when its clients were last classified; AN-3: the margin P of the LTV and
    the average lifetime t of its clients."""

    # one file per capability of res.company (house style), merged by the registry
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    discipline_abc_months = fields.Integer(
        string="ABC-XYZ Window (Months)",
        default=12,
        help="The full months before the current one whose purchases classify the clients.",
    )
    discipline_abc_share_a = fields.Integer(
        string="Class A: Share of Revenue (%)",
        default=80,
        help="The biggest clients who together bring this share of the window's revenue are class A.",
    )
    discipline_abc_share_b = fields.Integer(
        string="Class B: Next Share of Revenue (%)",
        default=15,
        help="The next clients who bring this share are class B; the rest are class C.",
    )
    discipline_xyz_limit_x = fields.Float(
        string="Class X: Variation up to (%)",
        default=10.0,
        digits=(16, 1),
        help="Clients whose monthly purchases vary by at most this coefficient of variation are class X (regular).",
    )
    discipline_xyz_limit_y = fields.Float(
        string="Class Y: Variation up to (%)",
        default=25.0,
        digits=(16, 1),
        help="Up to this coefficient of variation a client is class Y; beyond it class Z (unpredictable).",
    )
    discipline_abc_computed_on = fields.Date(string="ABC-XYZ Computed On", readonly=True, copy=False)
    discipline_ltv_margin = fields.Float(
        string="Margin for the LTV (%)",
        default=100.0,
        digits=(16, 1),
        help="P of LTV = S x C x P x t: the company's gross margin on its sales. At 100 the LTV is in revenue.",
    )
    discipline_ltv_lifetime_months = fields.Float(
        string="Average Months as a Client (t)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        help="t of LTV: the average, over the company's clients, of the months from their first to their last"
        " purchase; computed with the ABC-XYZ classes.",
    )

    @api.constrains("discipline_abc_months", "discipline_abc_share_a", "discipline_abc_share_b")
    def _check_abc_policy(self):
        for company in self:
            if not 1 <= company.discipline_abc_months <= 60:
                raise ValidationError(
                    self.env._(
                        "The ABC-XYZ window is 1 to 60 months, not %(months)s.", months=company.discipline_abc_months
                    )
                )
            share_a, share_b = company.discipline_abc_share_a, company.discipline_abc_share_b
            if share_a <= 0 or share_b <= 0 or share_a + share_b >= 100:
                raise ValidationError(
                    self.env._(
                        "The shares of classes A and B are each more than 0 and together less than 100 %%, so that"
                        " class C keeps the rest: not %(share_a)s %% and %(share_b)s %%.",
                        share_a=share_a,
                        share_b=share_b,
                    )
                )

    @api.constrains("discipline_xyz_limit_x", "discipline_xyz_limit_y")
    def _check_xyz_policy(self):
        for company in self:
            limit_x, limit_y = company.discipline_xyz_limit_x, company.discipline_xyz_limit_y
            if limit_x <= 0 or limit_y <= limit_x:
                raise ValidationError(
                    self.env._(
                        "The variation limit of class X is more than 0 and that of class Y more than X's:"
                        " not %(limit_x)s %% and %(limit_y)s %%.",
                        limit_x=limit_x,
                        limit_y=limit_y,
                    )
                )

    @api.constrains("discipline_ltv_margin")
    def _check_ltv_margin(self):
        for company in self:
            if not 0 < company.discipline_ltv_margin <= 100:
                raise ValidationError(
                    self.env._(
                        "The margin for the LTV is more than 0 and at most 100 %%, not %(margin)s %%.",
                        margin=company.discipline_ltv_margin,
                    )
                )

    @api.model
    def _discipline_policy_fields(self):
        """The discipline administrator sets the ABC-XYZ policy with the other policies."""
        return super()._discipline_policy_fields() | {
            "discipline_abc_months",
            "discipline_abc_share_a",
            "discipline_abc_share_b",
            "discipline_xyz_limit_x",
            "discipline_xyz_limit_y",
            "discipline_ltv_margin",
        }
