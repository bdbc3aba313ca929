from odoo import models

from .mail_activity import SCHEDULED_BY_CODE, SCHEDULED_BY_KEY, SCHEDULED_BY_PERSON


class MailActivityMixin(models.AbstractModel):
    """Activities that apps schedule by code for their own purposes (crm's, other apps', automations) are never
    refused mid-flow by the next-step rules (NS-2, NS-3): what they lack is saved and listed as a rule warning."""

    _inherit = "mail.activity.mixin"

    def activity_schedule(self, act_type_xmlid="", date_deadline=None, summary="", note="", **act_values):
        """Mark the cursor while the app schedules, so that mail.activity.create knows who is scheduling. The mark is
        on the cursor, not in the context, so that no client can send it."""
        cache = self.env.cr.cache
        previous = cache.get(SCHEDULED_BY_KEY)
        if previous == SCHEDULED_BY_PERSON:
            # the Schedule Activity dialog also schedules through this method: a person filled it in
            return super().activity_schedule(
                act_type_xmlid=act_type_xmlid, date_deadline=date_deadline, summary=summary, note=note, **act_values
            )
        cache[SCHEDULED_BY_KEY] = SCHEDULED_BY_CODE
        try:
            return super().activity_schedule(
                act_type_xmlid=act_type_xmlid, date_deadline=date_deadline, summary=summary, note=note, **act_values
            )
        finally:
            cache[SCHEDULED_BY_KEY] = previous
