from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .crm_stage import NUMERIC_FIELD_TYPES
from .mail_activity_type import DATE_PRECISIONS

DEAL_TYPES = [
    ("new_sale", "New sale"),
    ("returning", "Returning client"),
    ("expansion", "Assortment expansion"),
    ("promo", "Promotional sale"),
]
# The deal type a new deal gets from its client's status (DL-1).
DEAL_TYPE_BY_CLIENT_STATUS = {"active": "expansion", "lost": "returning", "inquiry": "new_sale"}
NEXT_STEP_FIELDS = ("next_step_type_id", "next_step_goal", "next_step_deadline", "next_step_at", "next_step_date_start")
BYPASS_FLAG = "sales_discipline_bypass"
ASSIGNMENT_FIELDS = frozenset({"user_id", "team_id", "date_open"})  # crm stamps date_open on reassignment
STALE_NOTIFY_BATCH = 2000
FLAG_NO_NEXT_STEP = "no_next_step"
FLAG_OVERDUE = "overdue"
FLAG_STALE = "stale"


class DisciplineFlag(SQL):
    """A domain value standing for a discipline flag: crm.lead._condition_to_sql renders it on the deal row.

    It is an SQL object so that the domain machinery passes it through untouched; rendered by any other
    model it is an empty set.
    """

    def __init__(self, flag):
        super().__init__("SELECT NULL::int WHERE FALSE")
        self.flag = flag


class CrmLead(models.Model):
    """Deals under discipline: type, data per stage, refusal reason, next step, stage history, no backdating."""

    _inherit = "crm.lead"

    deal_type = fields.Selection(
        DEAL_TYPES,
        compute="_compute_deal_type",
        store=True,
        readonly=False,
        tracking=True,
        index=True,
        help="Why this deal exists: a new client, a client coming back, more products for a current client, "
        "or a promotion.",
    )
    lost_comment = fields.Text(string="Refusal Details", tracking=True)
    lost_stage_id = fields.Many2one("crm.stage", string="Stage at Loss", readonly=True, copy=False, index=True)
    date_started = fields.Datetime(
        string="Start Date",
        readonly=True,
        copy=False,
        index=True,
        default=fields.Datetime.now,
        help="When the deal was recorded; it cannot be changed afterwards.",
    )
    cycle_days = fields.Float(
        string="Deal Length (days)",
        compute="_compute_cycle_days",
        store=True,
        aggregator="avg",
        digits=(16, 1),
    )
    recorded_after_fact = fields.Boolean(
        string="Recorded After the Fact",
        compute="_compute_recorded_after_fact",
        store=True,
        index=True,
        groups="sales_discipline.group_team_lead",
        help="Won or lost so soon after being recorded that the deal was probably entered after it happened.",
    )
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
    stage_history_ids = fields.One2many("crm.lead.stage.history", "lead_id")
    winback_excluded_user_id = fields.Many2one(
        "res.users",
        string="Lost the Client",
        readonly=True,
        copy=False,
        help="This win-back deal may not be given to the salesperson who lost the client (RO-6).",
    )
    questionnaire_input_ids = fields.One2many(
        "survey.user_input", "crm_lead_id", string="Needs Questionnaires", groups="survey.group_survey_user"
    )
    has_next_step = fields.Boolean(compute="_compute_discipline_flags", search="_search_has_next_step")
    has_overdue_step = fields.Boolean(compute="_compute_discipline_flags", search="_search_has_overdue_step")
    is_stale = fields.Boolean(string="Stale", compute="_compute_discipline_flags", search="_search_is_stale")
    next_stage_requirements = fields.Char(compute="_compute_next_stage_requirements")
    next_step_type_id = fields.Many2one(
        "mail.activity.type",
        string="Next Step",
        compute="_compute_next_step",
        inverse="_inverse_next_step",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    next_step_goal = fields.Char(string="Goal", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_deadline = fields.Date(string="Due", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_at = fields.Datetime(string="At", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_date_start = fields.Date(string="From", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_precision = fields.Selection(DATE_PRECISIONS, compute="_compute_next_step_precision")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("partner_id", "type")
    def _compute_deal_type(self):
        for lead in self:
            if lead.deal_type or lead.type != "opportunity":
                lead.deal_type = lead.deal_type
                continue
            status = lead.partner_id.commercial_partner_id.client_status
            lead.deal_type = DEAL_TYPE_BY_CLIENT_STATUS.get(status, "new_sale")

    @api.depends("date_started", "date_closed")
    def _compute_cycle_days(self):
        for lead in self:
            if lead.date_started and lead.date_closed:
                lead.cycle_days = max((lead.date_closed - lead.date_started).total_seconds() / 86400, 0.0)
            else:
                lead.cycle_days = 0.0

    @api.depends("date_started", "date_closed")
    def _compute_recorded_after_fact(self):
        for lead in self:
            hours = lead.company_id.discipline_backdate_hours or self.env.company.discipline_backdate_hours
            lead.recorded_after_fact = bool(
                hours
                and lead.date_started
                and lead.date_closed
                and lead.date_closed - lead.date_started < timedelta(hours=hours)
            )

    def _compute_discipline_flags(self):
        ids = [lead_id for lead_id in self.ids if lead_id]
        with_step = self._discipline_ids_with_next_step(ids)
        overdue = self._discipline_ids_matching(FLAG_OVERDUE, ids)
        stale = self._discipline_ids_matching(FLAG_STALE, ids)
        for lead in self:
            lead.has_next_step = lead.id in with_step
            lead.has_overdue_step = lead.id in overdue
            lead.is_stale = lead.id in stale

    @api.depends("stage_id", "team_id")
    def _compute_next_stage_requirements(self):
        next_stages = {}  # one stage look-up per (stage, team), not per deal
        for lead in self:
            key = (lead.stage_id, lead.team_id)
            if key not in next_stages:
                next_stages[key] = lead._discipline_next_stage()
            next_stage = next_stages[key]
            if not next_stage:
                lead.next_stage_requirements = False
                continue
            names = next_stage._discipline_required_field_names()
            labels = sorted(self._fields[name]._description_string(self.env) for name in names if name in self._fields)
            lead.next_stage_requirements = (
                self.env._("%(stage)s requires: %(fields)s", stage=next_stage.name, fields=", ".join(labels))
                if labels
                else False
            )

    @api.depends("activity_ids.date_deadline", "activity_ids.goal", "activity_ids.scheduled_at")
    def _compute_next_step(self):
        for lead in self:
            step = lead._discipline_next_activity()
            lead.next_step_type_id = step.activity_type_id
            lead.next_step_goal = step.goal
            lead.next_step_deadline = step.date_deadline
            lead.next_step_at = step.scheduled_at
            lead.next_step_date_start = step.date_start

    @api.depends("next_step_type_id")
    def _compute_next_step_precision(self):
        for lead in self:
            lead.next_step_precision = lead.next_step_type_id.date_precision

    def _inverse_next_step(self):
        """The Next Step fields of the form create the deal's next activity, or edit the one already planned."""
        self._discipline_plan_next_steps(
            [
                {
                    "next_step_type_id": lead.next_step_type_id.id,
                    "next_step_goal": lead.next_step_goal,
                    "next_step_deadline": lead.next_step_deadline,
                    "next_step_at": lead.next_step_at,
                    "next_step_date_start": lead.next_step_date_start,
                }
                for lead in self
            ]
        )

    def _discipline_plan_next_steps(self, steps, user=None):
        """Create (or update) each deal's next activity from its Next Step values, in one batch; the new
        activities go to ``user``, else to the deal's owner, else to the current user."""
        to_create = []
        for lead, step in zip(self, steps, strict=True):
            deadline = fields.Date.to_date(step.get("next_step_deadline"))
            moment = fields.Datetime.to_datetime(step.get("next_step_at"))
            if not (step.get("next_step_type_id") and (deadline or moment)):
                continue
            values = {
                "activity_type_id": step["next_step_type_id"],
                "goal": step.get("next_step_goal"),
                "date_deadline": deadline or moment.date(),
                "scheduled_at": moment or False,
                "date_start": step.get("next_step_date_start") or False,
            }
            planned = lead._discipline_next_activity()
            if planned:
                planned.write(values)
            else:
                # the goal doubles as the summary, so that a step planned for a colleague says what to do (TK-1)
                to_create.append(
                    dict(
                        values,
                        summary=values["goal"],
                        res_id=lead.id,
                        user_id=(user or lead.user_id or self.env.user).id,
                        automated=False,
                    )
                )
        if to_create:
            model_id = self.env["ir.model"]._get_id("crm.lead")
            self.env["mail.activity"].create([dict(vals, res_model_id=model_id) for vals in to_create])

    # ------------------------------------------------------------------
    # Searches: each flag is one SQL condition on the deal row, correlated to its activities, so that a
    # search is a single scan of crm_lead with an (anti-)semi-join on mail_activity, never a Python filter.
    # ------------------------------------------------------------------

    def _discipline_flush(self):
        """The discipline conditions read deals, stages and activities in SQL: write pending changes first."""
        self.env["crm.lead"].flush_model(["active", "type", "stage_id", "date_last_stage_update", "last_touch_date"])
        self.env["crm.stage"].flush_model(["is_won", "max_days"])
        self.env["mail.activity"].flush_model(["res_model", "res_id", "active", "date_deadline"])

    @api.model
    def _discipline_flag_condition(self, flag, alias, stage_alias):
        """The SQL condition that a deal (row ``alias`` of crm_lead, its stage joined as ``stage_alias``) has the
        flag; activities are reached by a correlated (NOT) EXISTS, which PostgreSQL plans as an (anti-)join."""
        lead, stage = SQL.identifier(alias), SQL.identifier(stage_alias)
        activities = SQL(
            "SELECT 1 FROM mail_activity act WHERE act.res_model = 'crm.lead' AND act.active AND act.res_id = %s.id",
            lead,
        )
        if flag == FLAG_NO_NEXT_STEP:
            return SQL(
                """(%(lead)s.active AND %(lead)s.type = 'opportunity' AND %(stage)s.is_won IS NOT TRUE
                    AND NOT EXISTS (%(activities)s))""",
                lead=lead,
                stage=stage,
                activities=activities,
            )
        if flag == FLAG_OVERDUE:
            return SQL(
                "(%(lead)s.active AND EXISTS (%(activities)s AND act.date_deadline < %(today)s))",
                lead=lead,
                activities=activities,
                today=fields.Date.context_today(self),
            )
        # Stale: in its stage longer than the stage allows, unless touched within that time *and* with a next
        # step due within it (so a far-future step does not hide a dead deal).
        now = fields.Datetime.now()
        return SQL(
            """(%(lead)s.active AND %(lead)s.type = 'opportunity' AND %(stage)s.is_won IS NOT TRUE
                AND %(stage)s.max_days > 0
                AND %(lead)s.date_last_stage_update < %(now)s - make_interval(days => %(stage)s.max_days)
                AND NOT EXISTS (
                    %(activities)s
                    AND act.date_deadline <= %(today)s + %(stage)s.max_days
                    AND %(lead)s.last_touch_date >= %(now)s - make_interval(days => %(stage)s.max_days)))""",
            lead=lead,
            stage=stage,
            activities=activities,
            now=now,
            today=now.date(),
        )

    def _discipline_ids_matching(self, flag, ids):
        """Ids among ``ids`` whose deals have the flag, in one query."""
        if not ids:
            return set()
        self._discipline_flush()
        self.env.cr.execute(
            SQL(
                """SELECT lead.id FROM crm_lead lead LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                    WHERE lead.id = ANY(%s) AND %s""",
                list(ids),
                self._discipline_flag_condition(flag, "lead", "stage"),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _discipline_ids_with_next_step(self, ids):
        """Ids among ``ids`` that have a planned activity: one look-up on the activities' partial index."""
        if not ids:
            return set()
        self.env["mail.activity"].flush_model(["res_model", "res_id", "active"])
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT res_id FROM mail_activity "
                "WHERE res_model = 'crm.lead' AND active AND res_id = ANY(%s)",
                list(ids),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _discipline_search_domain(self, flag, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on a discipline flag."))
        self._discipline_flush()
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", DisciplineFlag(flag))]

    def _condition_to_sql(self, alias, fname, operator, value, query):
        """Render a discipline flag (see _discipline_search_domain) as a condition on the deal row itself."""
        if fname == "id" and isinstance(value, DisciplineFlag):
            # a LEFT JOIN keeps the searched rows as they are, whatever the operator
            stage_alias = query.make_alias(alias, "discipline_stage")
            query.add_join(
                "LEFT JOIN",
                stage_alias,
                "crm_stage",
                SQL("%s = %s", SQL.identifier(stage_alias, "id"), SQL.identifier(alias, "stage_id")),
            )
            condition = self._discipline_flag_condition(value.flag, alias, stage_alias)
            return condition if operator == "in" else SQL("(NOT %s)", condition)
        return super()._condition_to_sql(alias, fname, operator, value, query)

    def _search_has_next_step(self, operator, value):
        # the flag describes the deals *without* a next step: searching for those with one is its negation
        return self._discipline_search_domain(FLAG_NO_NEXT_STEP, operator, not value)

    def _search_has_overdue_step(self, operator, value):
        return self._discipline_search_domain(FLAG_OVERDUE, operator, value)

    def _search_is_stale(self, operator, value):
        return self._discipline_search_domain(FLAG_STALE, operator, value)

    @api.constrains("user_id", "winback_excluded_user_id")
    def _check_winback_owner(self):
        for lead in self:
            if lead.winback_excluded_user_id and lead.user_id == lead.winback_excluded_user_id:
                raise ValidationError(
                    self.env._(
                        "The win-back of %(deal)s cannot be given to %(user)s, who lost this client.",
                        deal=lead.name,
                        user=lead.user_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Stamp the start date, record the first stage, and refuse a deal that breaks a rule."""
        enforce = not self.env.su and not self._discipline_bypass_allowed()
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
        result = super().write(vals)
        if moving:
            # a new stay in a stage may go stale again; the flag is a manager's field, hence sudo
            super(CrmLead, moving.sudo()).write({"stale_notified": False})
        for stage, leads in losing.grouped("stage_id").items():
            super(CrmLead, leads).write({"lost_stage_id": stage.id})
        if moving:
            self.env["crm.lead.stage.history"]._record_moves(moving, fields.Datetime.now())
        if enforce:
            self._discipline_enforce(set(vals), moving=moving)
        elif self._discipline_bypass_allowed() and not self.env.su:
            self._discipline_log_bypass()
        if {"stage_id", "active", "partner_id", "probability"} & set(vals):
            self.partner_id._discipline_refresh_client_status()
        if vals.get("user_id") and not self.env.context.get("discipline_routing"):
            self._discipline_log_role_mismatch()
        return result

    def copy_data(self, default=None):
        """A duplicated deal gets the same next step as its original, so that duplicating an open deal in a
        strict pipeline is not refused for want of one."""
        vals_list = super().copy_data(default=default)
        for lead, vals in zip(self, vals_list, strict=True):
            step = lead._discipline_next_activity()
            if step and not any(name in vals for name in NEXT_STEP_FIELDS):
                vals.update(
                    {
                        "next_step_type_id": step.activity_type_id.id,
                        "next_step_goal": step.goal,
                        "next_step_deadline": step.date_deadline,
                        "next_step_at": step.scheduled_at,
                        "next_step_date_start": step.date_start,
                    }
                )
        return vals_list

    def action_set_lost(self, **additional_values):
        """Archive with the refusal reason in one write, so that the loss is checked together with its reason."""
        values = dict(additional_values)
        if self.env.context.get("discipline_lost_comment"):
            values.setdefault("lost_comment", self.env.context["discipline_lost_comment"])
        self.filtered("active").write({**values, "active": False, "probability": 0, "automated_probability": 0})
        return super().action_set_lost(**values)

    def _message_post_after_hook(self, message, msg_vals):
        """A message or an email written by our side is a real touch of the deal."""
        result = super()._message_post_after_hook(message, msg_vals)
        if msg_vals.get("message_type") in ("comment", "email") and not self.env.user.share and not self.env.su:
            self._discipline_touch()
        return result

    # ------------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------------

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

    def _discipline_deal_type_problems(self, touched, is_create):
        if not (is_create or {"deal_type", "type"} & touched):
            return []
        return [
            self.env._("%(deal)s: choose the deal type.", deal=lead.name)
            for lead in self
            if lead.type == "opportunity" and not lead.deal_type
        ]

    @api.model
    def _discipline_field_missing(self, lead, name):
        field = self._fields[name]
        value = lead[name]
        if field.type in NUMERIC_FIELD_TYPES:
            return not value or value <= 0
        if field.type == "html":
            return not (value and str(value).strip() and str(value) != "<p><br></p>")
        return not value

    def _discipline_stage_problems(self, touched, is_create, moving):
        """DL-2: the stage's required fields, checked on entry and whenever one of them is edited."""
        problems = []
        for lead in self.filtered(lambda lead: lead.active and lead.type == "opportunity" and lead.stage_id):
            names = lead.stage_id._discipline_required_field_names()
            if not (is_create or lead in moving or set(names) & touched):
                continue
            missing = [name for name in names if name in self._fields and self._discipline_field_missing(lead, name)]
            if missing:
                labels = ", ".join(sorted(self._fields[name]._description_string(self.env) for name in missing))
                problems.append(
                    self.env._(
                        "%(deal)s: the stage %(stage)s requires %(fields)s.",
                        deal=lead.name,
                        stage=lead.stage_id.name,
                        fields=labels,
                    )
                )
        return problems

    def _discipline_loss_problems(self, touched):
        """DL-3: a lost deal carries a reason from the catalogue, and its detail where the reason needs one."""
        if not {"active", "lost_reason_id", "lost_comment"} & touched:
            return []
        problems = []
        for lead in self.filtered(lambda lead: not lead.active and lead.type == "opportunity"):
            if not lead.lost_reason_id:
                problems.append(self.env._("%(deal)s: choose the refusal reason.", deal=lead.name))
            elif lead.lost_reason_id.requires_comment and not (lead.lost_comment or "").strip():
                problems.append(
                    self.env._(
                        "%(deal)s: the reason “%(reason)s” needs a detail in the comment.",
                        deal=lead.name,
                        reason=lead.lost_reason_id.name,
                    )
                )
        return problems

    def _discipline_next_step_policy(self):
        self.ensure_one()
        return self.team_id.next_step_policy or "flag"

    def _discipline_check_next_step(self):
        """NS-1: an open deal of a strict team cannot exist without a planned next step."""
        open_strict = self.filtered(
            lambda lead: (
                lead.active
                and lead.type == "opportunity"
                and not lead.stage_id.is_won
                and lead._discipline_next_step_policy() == "refuse"
            )
        )
        if not open_strict:
            return
        with_step = self._discipline_ids_with_next_step(open_strict.ids)
        without = open_strict.filtered(lambda lead: lead.id not in with_step)
        if without:
            names = ", ".join(without.mapped("name"))
            raise ValidationError(
                self.env._(
                    "Plan the next step (type, goal and date) of %(deals)s before saving: every open deal needs one.",
                    deals=names,
                )
            )

    # ------------------------------------------------------------------
    # Routing (RO-2)
    # ------------------------------------------------------------------

    def _discipline_expected_role(self):
        """New clients (Inquiry, no client, lost) are hunted; current (active) clients are farmed."""
        self.ensure_one()
        return "farmer" if self.partner_id.commercial_partner_id.client_status == "active" else "hunter"

    def _discipline_team_roles(self):
        """{(team id, user id): role} of the active memberships of these deals' teams, in one query."""
        members = self.env["crm.team.member"].sudo().search([("crm_team_id", "in", self.team_id.ids)])
        return {(m.crm_team_id.id, m.user_id.id): m.sales_role for m in members}

    def _discipline_route(self):
        """Give unowned new deals (and deals entered by someone outside the team) to the least loaded member of
        the right role; a deal entered by a team member for themselves stays theirs, and is logged if off-role."""
        deals = self.filtered(lambda lead: lead.type == "opportunity" and lead.active and lead.team_id)
        if not deals:
            return
        roles = deals._discipline_team_roles()
        to_route = deals.filtered(
            lambda lead: (
                lead.team_id.routing_method == "least_loaded"
                and (not lead.user_id or (lead.team_id.id, lead.user_id.id) not in roles)
            )
        )
        (deals - to_route).filtered("user_id")._discipline_log_role_mismatch(roles)
        if not to_route:
            return
        candidates = {}
        for (team_id, user_id), role in roles.items():
            candidates.setdefault((team_id, role), []).append(user_id)
        load = self._discipline_open_deal_load({user_id for _team, user_id in roles})
        assignment = {}
        for lead in to_route.sorted("id"):
            pool = [
                user_id
                for user_id in candidates.get((lead.team_id.id, lead._discipline_expected_role()), [])
                if user_id != lead.winback_excluded_user_id.id
            ]
            if not pool:
                continue
            chosen = min(pool, key=lambda user_id: (load.get(user_id, 0), user_id))
            load[chosen] = load.get(chosen, 0) + 1
            assignment.setdefault(chosen, self.browse())
            assignment[chosen] |= lead
        for user_id, leads in assignment.items():
            leads.with_context(discipline_routing=True).write({"user_id": user_id})
            # the next step planned by whoever entered the deal goes to its new owner
            leads.sudo().activity_ids.filtered(lambda a: a.user_id == self.env.user).write({"user_id": user_id})

    @api.model
    def _discipline_open_deal_load(self, user_ids):
        """{user id: number of open deals}: the load routing balances."""
        return {
            user.id: count
            for user, count in self.env["crm.lead"]
            .sudo()
            ._read_group(
                [("user_id", "in", list(user_ids)), ("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
                groupby=["user_id"],
                aggregates=["__count"],
            )
        }

    @api.model
    def _discipline_pick_owner(self, team, role, excluded_user=None):
        """The least loaded member of the team with this role, other than the excluded user (RO-2, RO-6)."""
        members = (
            team.sudo()
            .crm_team_member_ids.filtered(lambda m: m.sales_role == role and m.user_id != excluded_user)
            .user_id
        )
        load = self._discipline_open_deal_load(members.ids)
        return min(members, key=lambda user: (load.get(user.id, 0), user.id), default=self.env["res.users"])

    def _discipline_log_role_mismatch(self, roles=None):
        """A manual assignment against the hunter/farmer rule stays possible, and is traced on the deal."""
        deals = self.filtered(lambda lead: lead.type == "opportunity" and lead.team_id and lead.user_id)
        if not deals:
            return
        roles = roles if roles is not None else deals._discipline_team_roles()
        labels = dict(self.env["crm.team.member"]._fields["sales_role"]._description_selection(self.env))
        for lead in deals:
            role = roles.get((lead.team_id.id, lead.user_id.id))
            expected = lead._discipline_expected_role()
            if role and role != expected:
                lead.sudo().message_post(
                    body=self.env._(
                        "Assigned to %(user)s (%(role)s in %(team)s) by %(author)s, although the rule gives this "
                        "deal to a %(expected)s.",
                        user=lead.user_id.name,
                        role=labels[role],
                        team=lead.team_id.name,
                        author=self.env.user.name,
                        expected=labels[expected].lower(),
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    def action_fill_needs_questionnaire(self):
        """Open the client needs questionnaire for this deal, filled in by the salesperson during the meeting."""
        self.ensure_one()
        survey = self.env.ref("sales_discipline.survey_client_needs").sudo()
        answer = survey._create_answer(partner=self.partner_id, check_attempts=False, crm_lead_id=self.id)
        return {"type": "ir.actions.act_url", "url": answer.get_start_url(), "target": "new"}

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _discipline_next_activity(self):
        self.ensure_one()
        planned = self.activity_ids.filtered("active").sorted(lambda a: (a.date_deadline, a.id))
        return planned[:1]

    def _discipline_next_stage(self):
        self.ensure_one()
        if not self.stage_id or self.stage_id.is_won:
            return self.env["crm.stage"]
        return self._stage_find(domain=[("sequence", ">", self.stage_id.sequence)])

    def _discipline_touch(self):
        if self:
            self.sudo().write({"last_touch_date": fields.Datetime.now()})

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------

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
