from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_lead_next_step import NEXT_STEP_FIELDS

BYPASS_FLAG = "sales_discipline_bypass"
ASSIGNMENT_FIELDS = frozenset({"user_id", "team_id", "date_open"})  # date_open: the assignment date of the owner


class CrmLead(models.Model):
    """Deals under discipline: every save path (form, kanban drag, RPC, import, mass edit) meets the deal rules
    of crm_lead_rules (DL-1 … DL-4) and crm_lead_next_step (NS-1) in one message, and keeps the stage history
    (DL-6). A discipline administrator's bypass is explicit and logged on the deal."""

    _inherit = "crm.lead"

    stage_history_ids = fields.One2many("crm.lead.stage.history", "lead_id")

    @api.model_create_multi
    def create(self, vals_list):
        """Stamp the start date, record the first stage, and refuse a deal that breaks a rule."""
        enforce = not self.env.su and not self._discipline_bypass_allowed()
        # work on copies: an import retries a failed batch row by row with the very same dicts
        vals_list = [dict(vals) for vals in vals_list]
        if enforce:
            now = fields.Datetime.now()
            for vals in vals_list:
                vals["date_started"] = now
        # the next step is planned once the deal and its followers exist: planning it during the create would
        # subscribe its assignee before mail.thread subscribes the creator, the same partner twice
        steps = [{name: vals.pop(name) for name in NEXT_STEP_FIELDS if name in vals} for vals in vals_list]
        leads = super().create(vals_list)
        leads._discipline_plan_next_steps(steps)
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
        if enforce and "date_started" in vals:
            raise ValidationError(self.env._("The start date of a deal cannot be changed."))
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
            self._discipline_enforce(touched, moving=moving)
        elif self._discipline_bypass_allowed() and not self.env.su:
            self._discipline_log_bypass()
        if {"stage_id", "active", "partner_id", "probability"} & touched:
            self.partner_id._discipline_refresh_client_status()
        if vals.get("user_id") and not self.env.context.get("discipline_routing"):
            self._discipline_log_role_mismatch()
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

    def _discipline_leads_changing_stage(self, vals):
        if "stage_id" not in vals:
            return self.browse()
        return self.filtered(lambda lead: lead.stage_id.id != vals["stage_id"])

    def _discipline_enforce(self, touched, is_create=False, moving=None):
        """Collect every broken rule of these deals into one message; then require the next step."""
        problems = []
        problems += self._discipline_deal_type_problems(touched, is_create)
        problems += self._discipline_stage_problems(touched, is_create, moving or self.browse())
        problems += self._discipline_loss_problems(touched)
        if problems:
            raise ValidationError(self.env._("The deal cannot be saved:\n%(problems)s", problems="\n".join(problems)))
        # Reassigning a deal (handover, routing) is not saving its content: it does not require the next step.
        if is_create or not touched <= ASSIGNMENT_FIELDS:
            self._discipline_check_next_step()
