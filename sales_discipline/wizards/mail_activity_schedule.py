from odoo import api, fields, models

from ..models.mail_activity import SCHEDULED_BY_KEY, SCHEDULED_BY_PERSON


class MailActivitySchedule(models.TransientModel):
    """The Schedule Activity dialog states the step's goal (NS-2), the result a colleague's task must bring (TK-1)."""

    _inherit = "mail.activity.schedule"

    goal = fields.Char(help="What this step must achieve, or the result expected from the colleague it is given to.")

    @api.onchange("activity_type_id")
    def _onchange_activity_type_goal(self):
        if self.activity_type_id.default_goal and not self.goal:
            self.goal = self.activity_type_id.default_goal

    def _action_schedule_activities(self):
        """The activities are created by mail's own ``activity_schedule``, with the goal as their default; they are
        a person's steps, checked as such (not as an app's, see mail.activity.mixin)."""
        cache = self.env.cr.cache
        previous = cache.get(SCHEDULED_BY_KEY)
        cache[SCHEDULED_BY_KEY] = SCHEDULED_BY_PERSON
        try:
            wizard = self.with_context(default_goal=self.goal) if self.goal else self
            return super(MailActivitySchedule, wizard)._action_schedule_activities()
        finally:
            cache[SCHEDULED_BY_KEY] = previous
