from odoo import fields, models


class CrmLead(models.Model):
    """001 #17: the deal shows its stage's goal and call script where the salesperson works, so every salesperson
    follows the department's method instead of their own mood."""

    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    stage_goal = fields.Text(related="stage_id.goal", string="Stage Goal")
    stage_call_script = fields.Html(related="stage_id.call_script", string="Call Script")
