from itertools import repeat

from odoo import models


class CalendarEvent(models.Model):
    """SE-2: a meeting of a deal shows its title, attendees, description and deal only to those who may read the
    deal, and to its organiser; the others see it as Odoo shows a colleague's private meeting ("Busy"), so that the
    shared calendar does not list the clients of a colleague's deals."""

    _inherit = "calendar.event"

    def _discipline_events_of_unreadable_deals(self):
        """The meetings of ``self`` that belong to a deal the current user may not read (one check for the batch)."""
        if self.env.su:
            return self.browse()
        linked = self.filtered(lambda event: event.opportunity_id and event.user_id.id != self.env.uid)
        if not linked:
            return linked
        readable = linked.opportunity_id._filtered_access("read")
        return linked.filtered(lambda event: event.opportunity_id not in readable)

    def _fetch_query(self, query, fields):
        """Blank the private fields of the meetings of unreadable deals, the way calendar blanks others' private
        meetings (the same fields: all but the time and the organiser)."""
        if self.env.su:
            return super()._fetch_query(query, fields)
        public_names = self._get_public_fields()
        private_fields = [field for field in fields if field.name not in public_names]
        if not private_fields:
            return super()._fetch_query(query, fields)
        needed = [self._fields[name] for name in ("opportunity_id", "user_id") if self._fields[name] not in fields]
        events = super()._fetch_query(query, [*fields, *needed])
        hidden = events._discipline_events_of_unreadable_deals()
        if hidden:
            for field in {*private_fields, self._fields["opportunity_id"], self._fields["partner_ids"]}:
                replacement = field.convert_to_cache(self.env._("Busy") if field.name == "name" else False, hidden)
                self.env.cache.update(hidden, field, repeat(replacement))
        return events

    def _compute_display_name(self):
        """A meeting of an unreadable deal is named "Busy", like a colleague's private meeting."""
        hidden = self._discipline_events_of_unreadable_deals()
        hidden.display_name = self.env._("Busy")
        return super(CalendarEvent, self - hidden)._compute_display_name()

    def _check_calendar_privacy_write_permissions(self):
        """Only those who may read its deal change a meeting of a deal, as only attendees change a private one."""
        result = super()._check_calendar_privacy_write_permissions()
        hidden = self._discipline_events_of_unreadable_deals()
        if hidden:
            raise self.env["ir.rule"]._make_access_error("write", hidden[:1])
        return result
