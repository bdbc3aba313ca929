from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .res_partner import COMPLETENESS_REFRESH_BATCH, STATUS_REFRESH_BATCH


class ResPartner(models.Model):
    """CL-4, CL-6, RO-6: the completeness of client cards stored for listing (recomputed by a batched cron after a
    policy change), the client status computed from won deals, and the win-back of lost clients."""

    # one file per capability of res.partner (house style), merged by the registry
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Completeness and status
    # ------------------------------------------------------------------

    def _discipline_refresh_completeness(self):
        """Store, per card, what the policy finds missing, so that incomplete cards can be listed and filtered."""
        self._discipline_in_scope()._discipline_store_completeness()

    @api.model
    def _discipline_mark_completeness_outdated(self, companies):
        """Mark the cards the policies of ``companies`` apply to (theirs and the shared ones) in one statement, and
        wake the completeness cron: a policy change never recomputes the client base inside the request."""
        self.flush_model(["company_id", "is_company", "type", "discipline_completeness_outdated"])
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner SET discipline_completeness_outdated = TRUE
                    WHERE (company_id IS NULL OR company_id = ANY(%(companies)s))
                      AND (is_company OR type = 'contact')
                      AND discipline_completeness_outdated IS NOT TRUE""",
                companies=companies.ids,
            )
        )
        self.invalidate_model(["discipline_completeness_outdated"])
        cron = self.env.ref("sales_discipline.ir_cron_refresh_completeness", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _discipline_store_completeness(self):
        updates = {}
        for partner in self:
            required = partner._discipline_required_fields()
            missing = partner._discipline_missing_fields()
            percent = round(100 * (len(required) - len(missing)) / len(required)) if required else 100
            key = (",".join(missing) or False, percent)
            if (partner.missing_field_names, partner.data_completeness) != key:
                updates.setdefault(key, []).append(partner.id)
        for (missing, percent), ids in updates.items():
            self.browse(ids).sudo().write(
                {"missing_field_names": missing, "data_completeness": percent, "is_data_complete": not missing}
            )

    def _discipline_refresh_client_status(self):
        """Compute Active / Lost / Inquiry from won deals (and confirmed sale orders) for these commercial partners.

        Only the cards whose status, last purchase or refresh date differ are written: a card's write runs the
        client policy and its tracking, and most refreshes change nothing."""
        commercial = self.commercial_partner_id
        if not commercial:
            return
        last_dates = commercial._discipline_last_purchase_dates()
        today = fields.Date.context_today(self)
        groups = {}
        for company in commercial.company_id | self.env.company:
            threshold = today - timedelta(days=company.discipline_client_active_days)
            for partner in commercial.filtered(lambda p, c=company: (p.company_id or self.env.company) == c):
                last = last_dates.get(partner.id)
                if not last:
                    status = "inquiry"
                elif last >= threshold:
                    status = "active"
                else:
                    status = "lost"
                groups.setdefault((status, last or False), []).append(partner.id)
        for (status, last), ids in groups.items():
            outdated = (
                self.browse(ids)
                .sudo()
                .filtered(
                    lambda p, key=(status, last, today): (
                        (p.client_status, p.last_purchase_date, p.client_status_date) != key
                    )
                )
            )
            if outdated:
                outdated.write({"client_status": status, "last_purchase_date": last, "client_status_date": today})

    def _discipline_last_purchase_dates(self):
        """Last won deal (or confirmed sale order, when Sales is installed) per commercial partner."""
        partners = self._discipline_client_partners()
        commercial_of = {p.id: p.commercial_partner_id.id for p in partners}
        last_dates = {}

        def merge(partner_id, moment):
            key = commercial_of.get(partner_id)
            if key and moment:
                day = fields.Date.to_date(moment)
                if last_dates.get(key) is None or day > last_dates[key]:
                    last_dates[key] = day

        won = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [("partner_id", "in", partners.ids), ("stage_id.is_won", "=", True)],
                groupby=["partner_id"],
                aggregates=["date_closed:max"],
            )
        )
        for partner, moment in won:
            merge(partner.id, moment)
        if "sale.order" in self.env:
            orders = (
                self.env["sale.order"]
                .sudo()
                ._read_group(
                    [("partner_id", "in", partners.ids), ("state", "=", "sale")],
                    groupby=["partner_id"],
                    aggregates=["date_order:max"],
                )
            )
            for partner, moment in orders:
                merge(partner.id, moment)
        return last_dates

    @api.model
    def _cron_discipline_refresh_clients(self, batch_size=STATUS_REFRESH_BATCH):
        """Daily: refresh the client status in batches, reporting progress to the scheduler."""
        today = fields.Date.context_today(self)
        domain = [
            ("parent_id", "=", False),
            "|",
            ("client_status_date", "=", False),
            ("client_status_date", "<", today),
        ]
        todo = self.search(domain, limit=batch_size, order="id")
        todo._discipline_refresh_client_status()
        remaining = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(todo), remaining=remaining)
        return remaining

    @api.model
    def _cron_discipline_refresh_completeness(self, batch_size=COMPLETENESS_REFRESH_BATCH):
        """Recompute, batch by batch, the completeness of the cards marked by a policy change or at install."""
        Partner = self.with_context(active_test=False)
        domain = [("discipline_completeness_outdated", "=", True)]
        todo = Partner.search(domain, limit=batch_size, order="id")
        todo._discipline_refresh_completeness()
        if todo:
            # a technical flag: cleared without touching the cards' write date
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET discipline_completeness_outdated = FALSE WHERE id = ANY(%s)",
                    todo.ids,
                )
            )
            todo.invalidate_recordset(["discipline_completeness_outdated"])
        remaining = Partner.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(todo), remaining=remaining)
        return remaining

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_won_deals(self):
        """Open the won deals of the client and of its contacts."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action["domain"] = [
            ("partner_id", "in", self.commercial_partner_id._discipline_client_partners().ids),
            ("stage_id.is_won", "=", True),
        ]
        action["context"] = {"create": False}
        return action

    def action_add_to_winback(self):
        """RO-6: put lost clients on the win-back list, remembering who lost them."""
        not_lost = self.filtered(lambda p: p.commercial_partner_id.client_status != "lost")
        if not_lost:
            raise UserError(
                self.env._(
                    "Only lost clients go on the win-back list: %(clients)s.",
                    clients=", ".join(not_lost.mapped("display_name")),
                )
            )
        for lost_by, partners in self.grouped("user_id").items():
            partners.write({"winback_listed": True, "winback_lost_by_id": lost_by.id})
        return True

    def action_start_winback(self):
        """Open a win-back deal for the client, owned by a hunter other than the salesperson who lost it."""
        self.ensure_one()
        if not self.winback_listed:
            raise UserError(self.env._("Put %(client)s on the win-back list first.", client=self.display_name))
        team, owner = self._discipline_winback_owner()
        if not owner:
            raise UserError(
                self.env._(
                    "No sales team has a hunter other than %(user)s to win %(client)s back.",
                    user=self.winback_lost_by_id.name,
                    client=self.display_name,
                )
            )
        deal = self.env["crm.lead"].create(
            {
                "name": self.env._("Win-back: %(client)s", client=self.name),
                "type": "opportunity",
                "partner_id": self.id,
                "team_id": team.id,
                "deal_type": "returning",
                "winback_excluded_user_id": self.winback_lost_by_id.id,
                "user_id": owner.id,
                "next_step_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "next_step_goal": self.env._("Find out why the client left and agree a meeting"),
                "next_step_deadline": fields.Date.context_today(self) + timedelta(days=1),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": deal.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _discipline_winback_owner(self):
        """The team of the client's last deal if it has a hunter other than who lost the client, else the first
        pipeline that has one (a client lost by a farmer is won back by the hunters); and that hunter."""
        self.ensure_one()
        last_deal = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(
                [("partner_id", "child_of", self.commercial_partner_id.id), ("team_id", "!=", False)],
                order="id desc",
                limit=1,
            )
        )
        teams = last_deal.team_id | self.env["crm.team"].search(
            [("use_opportunities", "=", True), ("company_id", "in", [False, self.env.company.id])], order="sequence"
        )
        Lead = self.env["crm.lead"]
        for team in teams:
            owner = Lead._discipline_pick_owner(team, "hunter", excluded_user=self.winback_lost_by_id)
            if owner:
                return team, owner
        return self.env["crm.team"], self.env["res.users"]
