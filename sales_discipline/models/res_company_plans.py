from odoo import api, fields, models


class ResCompany(models.Model):
    """PL-5: who approves the company's year and quarter plans with the head of sales."""

    # one file per capability of res.company (house style), merged by the registry
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    discipline_plan_director_id = fields.Many2one(
        "res.users",
        string="General Director",
        help="Approves the year and quarter plans; where nobody is set, the head of sales does.",
    )

    @api.model
    def _discipline_policy_fields(self):
        """The discipline administrator names the approver with the other policies."""
        return super()._discipline_policy_fields() | {"discipline_plan_director_id"}
