from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

STALE_NOTIFY_BATCH = 2000


class CrmLead(models.Model):
    """Stale deals (DL-5): the last real touch of a deal, and a daily notice to owners and team leads of the deals
    that stayed too long in their stage (the is_stale flag of crm_lead_flags), once per stay."""

    # one file per capability of crm.lead (house style), merged by the registry
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    last_touch_date = fields.Datetime(
        string="Last Touch",
        readonly=True,
        copy=False,
        index=True,
        help="Last done activity or message written by our side on this deal.",
    )
    stale_notified = fields.Boolean(
        readonly=True,
        copy=False,
        groups="sales_discipline.group_team_lead",
        help="The owner and the team lead were told this deal went stale in its current stage.",
    )

    def _message_post_after_hook(self, message, msg_vals):
        """A message or an email written by our side is a real touch of the deal."""
        result = super()._message_post_after_hook(message, msg_vals)
        if msg_vals.get("message_type") in ("comment", "email") and not self.env.user.share and not self.env.su:
            self._discipline_touch()
        return result

    def _discipline_touch(self):
        """Record a touch (DL-5) of these deals, those deleted meanwhile skipped. It is the addon's bookkeeping, not
        an edit of the deal: one UPDATE, with no write date, tracking or rule check, on every done step and every
        message; what depends on the date in this transaction's cache (the stale flag) is invalidated."""
        if not self.ids:
            return
        self.flush_recordset(["last_touch_date"])
        self.env.cr.execute(
            SQL("UPDATE crm_lead SET last_touch_date = %s WHERE id = ANY(%s)", fields.Datetime.now(), self.ids)
        )
        self.invalidate_recordset(["last_touch_date"])
        self.modified(["last_touch_date"])

    @api.model
    def _cron_discipline_notify_stale(self, batch_size=STALE_NOTIFY_BATCH):
        """Daily: tell each owner and team lead, in one message per person, which deals went stale; once per stay."""
        # one stale query per run: the ids give both this batch and what remains
        stale_ids = list(self._search([("is_stale", "=", True), ("stale_notified", "=", False)], order="id"))
        todo = self.browse(stale_ids[:batch_size])
        by_partner = {}
        for lead in todo:
            for user in (lead.user_id | lead.team_id.user_id).filtered("active"):
                by_partner.setdefault(user.partner_id, self.browse())
                by_partner[user.partner_id] |= lead
        for partner, partner_leads in by_partner.items():
            self._discipline_notify_stale(partner, partner_leads)
        todo.sudo().write({"stale_notified": True})
        remaining = len(stale_ids) - len(todo)
        self.env["ir.cron"]._notify_progress(done=len(todo), remaining=remaining)
        return remaining

    @api.model
    def _discipline_notify_stale(self, partner, leads):
        intro = self.env._(
            "These deals have stayed too long in their stage without progress. Move them forward or close them:"
        )
        items = Markup("").join(
            Markup("<li>%s — %s</li>") % (lead.name, lead.stage_id.name) for lead in leads.sorted("id")
        )
        self.env["mail.thread"].sudo().message_notify(
            partner_ids=partner.ids,
            subject=self.env._("Stale deals: %(count)s", count=len(leads)),
            body=Markup("<p>%s</p><ul>%s</ul>") % (intro, items),
        )
