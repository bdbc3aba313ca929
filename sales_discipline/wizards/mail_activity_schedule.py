from odoo import api, fields, models


class MailActivitySchedule(models.TransientModel):
    """The Schedule Activity dialog states the step's goal (NS-2), the result a colleague's task must bring (TK-1)."""

    _inherit = "mail.activity.schedule"

    goal = fields.Char(help="What this step must achieve, or the result expected from the colleague it is given to.")

    @api.onchange("activity_type_id")
    def _onchange_activity_type_goal(self):
        if self.activity_type_id.default_goal and not self.goal:
            self.goal = self.activity_type_id.default_goal

    def _action_schedule_activities(self):
        """The activities are created by mail's own ``activity_schedule``: they get the goal as their default."""
        if not self.goal:
            return super()._action_schedule_activities()
        return super(MailActivitySchedule, self.with_context(default_goal=self.goal))._action_schedule_activities()
