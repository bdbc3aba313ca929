from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_lead_next_step import NEXT_STEP_FIELDS
from .partner_keys import check_raw_values
from .rollout import ROLLOUT_FAMILIES, warned_flag

BYPASS_FLAG = "sales_discipline_bypass"
ASSIGNMENT_FIELDS = frozenset({"user_id", "team_id", "date_open"})  # date_open: the assignment date of the owner


class CrmLead(models.Model):
    """Deals under discipline: every save path (form, kanban drag, RPC, import, mass edit) meets the deal rules
    of crm_lead_rules (DL-1 … DL-4) and crm_lead_next_step (NS-1) in one message, and keeps the stage history
    (DL-6). A discipline administrator's bypass is explicit and logged on the deal."""

    _inherit = "crm.lead"

    stage_history_ids = fields.One2many("crm.lead.stage.history", "lead_id")
    discipline_enforced_families = fields.Char(
        compute="_compute_discipline_enforced_families",
        help="Technical: the families of rules the deal's company enforces, for the form to mark what it requires.",
    )
    discipline_warned = warned_flag()

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_discipline_enforced_families(self):
        Warning = self.env["sales.discipline.warning"]
        families = [family for family, _label in ROLLOUT_FAMILIES]
        for lead in self:
            enforced = [family for family in families if Warning._discipline_mode_of(lead, family) == "enforce"]
            lead.discipline_enforced_families = ",".join(enforced)

    @api.model_create_multi
    def create(self, vals_list):
        """Stamp the start date, record the first stage, and refuse a deal that breaks a rule."""
        enforce = not self.env.su and not self._discipline_bypass_allowed()
        # work on copies: an import retries a failed batch row by row with the very same dicts
        vals_list = [dict(vals) for vals in vals_list]
        check_raw_values(self, vals_list)
        if enforce:
            now = fields.Datetime.now()
            for vals in vals_list:
                vals["date_started"] = now
        # the next step is planned once the deal and its followers exist: planning it during the create would
        # subscribe its assignee before mail.thread subscribes the creator, the same partner twice
        steps = [{name: vals.pop(name) for name in NEXT_STEP_FIELDS if name in vals} for vals in vals_list]
        leads = super().create(vals_list)
        leads.with_context(discipline_new_deals=True)._discipline_plan_next_steps(steps)
        self.env["crm.lead.stage.history"]._record_entries(leads, fields.Datetime.now())
        if enforce:
            leads._discipline_enforce(set().union(*vals_list), is_create=True)
        elif self._discipline_bypass_allowed():
            leads._discipline_log_bypass()
        # last: routing may hand the deal to someone the creator cannot see
        leads._discipline_route()
        return leads

    def write(self, vals):
        """Enforce the deal rules on every path (form, kanban drag, RPC, mass edit, import) and keep the history."""
        enforce = not self.env.su and not self._discipline_bypass_allowed()
        moved_start = self.browse()
        if enforce and "date_started" in vals:
            moved_start = self._discipline_start_date_moves(vals["date_started"])
        check_raw_values(self, [vals])
        moving = self._discipline_leads_changing_stage(vals)
        losing = self.filtered("active") if vals.get("active") is False else self.browse()
        touched = set(vals)
        # crm adds its own stamps to the values it is given (stage date, probability): give it a copy, so that the
        # caller's dict (an import retrying row by row) and what we check stay what the caller wrote
        result = super().write(dict(vals))
        if moving:
            # a new stay in a stage may go stale again; the flag is a manager's field, hence sudo
            super(CrmLead, moving.sudo()).write({"stale_notified": False})
        for stage, leads in losing.grouped("stage_id").items():
            super(CrmLead, leads).write({"lost_stage_id": stage.id})
        if moving:
            self.env["crm.lead.stage.history"]._record_moves(moving, fields.Datetime.now())
        if enforce:
            self._discipline_enforce(touched, moving=moving, moved_start=moved_start)
        elif self._discipline_bypass_allowed() and not self.env.su:
            self._discipline_log_bypass()
        if {"stage_id", "active", "partner_id", "probability"} & touched:
            self._discipline_refresh_clients()
        if vals.get("user_id") and not self.env.context.get("discipline_routing"):
            self._discipline_log_role_mismatch()
        return result

    def action_discipline_open_stage_history(self):
        """DL-6: the stays of this deal in its stages, newest first, with who moved it and how long it stayed. Behind
        a button of the form rather than inline, so that opening or saving a deal does not read them."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.crm_lead_stage_history_action")
        list_view = self.env.ref("sales_discipline.crm_lead_stage_history_view_list").id
        action.update(
            {
                "name": self.env._("Stage History of %(deal)s", deal=self.name),
                "domain": [("lead_id", "=", self.id)],
                "view_mode": "list,pivot,graph,form",
                "views": [(list_view, "list"), (False, "pivot"), (False, "graph"), (False, "form")],
                "context": {},
            }
        )
        return action

    def _merge_dependences(self, opportunities):
        """Merging deals deletes the merged-away ones as the superuser: their stage history (DL-6) moves to the kept
        deal first, and the kept deal notes what was merged into it and by whom."""
        result = super()._merge_dependences(opportunities)
        merged = opportunities - self
        if merged:
            History = self.env["crm.lead.stage.history"].sudo()
            History.search([("lead_id", "in", merged.ids)]).write({"lead_id": self.id})
            self.sudo().message_post(
                body=self.env._(
                    "Merged into this deal by %(user)s, with their stage history: %(deals)s.",
                    user=self.env.user.name,
                    deals=", ".join(f"{deal.name} (#{deal.id})" for deal in merged),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result

    def _inverse_email_from(self):
        """crm copies a deal's email onto its client card: for an old incomplete card, that copy is checked, not
        the whole card (CL-4), so the deal stays editable and the card stays listed as incomplete."""
        with self.env["res.partner"]._discipline_synced_from_deal():
            return super()._inverse_email_from()

    def _inverse_phone(self):
        """crm copies a deal's phone onto its client card: checked like the email (see _inverse_email_from)."""
        with self.env["res.partner"]._discipline_synced_from_deal():
            return super()._inverse_phone()

    def _discipline_bypass_allowed(self):
        return bool(self.env.context.get(BYPASS_FLAG)) and self.env.user.has_group(
            "sales_discipline.group_discipline_admin"
        )

    def _discipline_log_bypass(self):
        for lead in self:
            lead.sudo().message_post(
                body=self.env._("Deal discipline rules bypassed by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )

    def _discipline_start_date_moves(self, value):
        """DL-4: the start date is when the deal was recorded. A change is refused before anything is written where
        the deal rules are enforced; returns the deals where it is only warned of (listed after the write)."""
        Warning = self.env["sales.discipline.warning"]
        new_value = fields.Datetime.to_datetime(value)
        moved = Warning._discipline_in_force("deal_data", self.filtered(lambda lead: lead.date_started != new_value))
        if any(Warning._discipline_mode_of(deal, "deal_data") == "enforce" for deal in moved):
            raise ValidationError(self.env._("The start date of a deal cannot be changed."))
        return moved

    def _discipline_leads_changing_stage(self, vals):
        if "stage_id" not in vals:
            return self.browse()
        return self.filtered(lambda lead: lead.stage_id.id != vals["stage_id"])

    def _discipline_enforce(self, touched, is_create=False, moving=None, moved_start=None):
        """Check the deal rules in the modes of the deals' companies, in one pass: one message for the deal rules
        that "enforce" refuses (the next step's after the deal's data), a rule warning for what "warn" lets
        through. Reassigning a deal (handover, routing) is not saving its content: it does not require the next
        step (NS-1)."""
        Warning = self.env["sales.discipline.warning"]
        with_data = Warning._discipline_in_force("deal_data", self)
        with_reasons = Warning._discipline_in_force("refusal_reasons", self)
        with_step = self.browse()
        if is_create or not touched <= ASSIGNMENT_FIELDS:
            with_step = Warning._discipline_in_force("next_step", self)
        deal_title = self.env._("The deal cannot be saved:")
        Warning._discipline_settle(
            with_data | with_reasons | with_step,
            {
                "deal_data": with_data._discipline_deal_data_problems(
                    touched, is_create, moving or self.browse(), moved_start=moved_start
                ),
                "refusal_reasons": with_reasons._discipline_loss_problems(touched),
                "next_step": with_step._discipline_next_step_problems() if with_step else None,
            },
            {"deal_data": deal_title, "refusal_reasons": deal_title, "next_step": ""},
            new=is_create,
        )

    def _discipline_family_problems(self, family):
        """Every problem of ``family`` these deals have now, whatever was edited: rechecks an open rule warning."""
        if family == "deal_data":
            recorded_late = self.filtered(lambda lead: lead._discipline_start_date_moved())
            return self._discipline_deal_data_problems(set(), True, self.browse(), moved_start=recorded_late)
        if family == "refusal_reasons":
            return self._discipline_loss_problems({"active"})
        if family == "next_step":
            return self._discipline_next_step_problems()
        return {}

    def _discipline_warning_owner(self):
        """The salesperson who must fix a rule warning of this deal, and the deal's team."""
        self.ensure_one()
        return self.user_id, self.team_id

    def unlink(self):
        """A deleted deal takes its rule warnings along."""
        self.env["sales.discipline.warning"]._discipline_forget(self)
        return super().unlink()
