from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from .sales_discipline_kpi import PERIOD_RANK, PERIOD_TYPES, period_bounds

SCOPES = [("company", "Company"), ("team", "Sales Team"), ("user", "Salesperson")]
SCOPE_RANK = {"company": 0, "team": 1, "user": 2}
STATES = [("draft", "Draft"), ("submitted", "Submitted"), ("approved", "Approved")]
HEAD_GROUP = "sales_team.group_sale_salesman_all_leads"
MAX_PERSONAL_KPIS = 5


class SalesDisciplinePlan(models.Model):
    """A plan (PL-1): the KPI targets of one period (year, quarter, month, week, day) for one scope (the company,
    a sales team, a salesperson). Plans cascade in both directions: a child is either the same scope over a
    shorter period inside its parent's (a month of a quarter), or the same period for a narrower scope inside it
    (a team of the company, a member of the team). Each level is approved by the level above (PL-5); once approved,
    targets only go up (PL-6, sales.discipline.plan.line)."""

    _name = "sales.discipline.plan"
    _description = "Sales Plan"
    _inherit = ["mail.thread"]
    _order = "date_from desc, period_rank, scope_rank, id"
    _parent_store = True
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    period_type = fields.Selection(PERIOD_TYPES, string="Period", required=True, default="month", tracking=True)
    period_rank = fields.Integer(compute="_compute_ranks", store=True)
    date_from = fields.Date(string="From", required=True, default=fields.Date.context_today, tracking=True)
    date_to = fields.Date(string="To", compute="_compute_date_to", store=True)
    scope = fields.Selection(SCOPES, required=True, default="company", tracking=True)
    scope_rank = fields.Integer(compute="_compute_ranks", store=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, check_company=True, tracking=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True, tracking=True)
    parent_id = fields.Many2one("sales.discipline.plan", string="Parent Plan", index=True, ondelete="restrict")
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("sales.discipline.plan", "parent_id", string="Child Plans")
    line_ids = fields.One2many("sales.discipline.plan.line", "plan_id", string="Targets")
    revision_ids = fields.One2many("sales.discipline.plan.revision", "plan_id", string="Corrections")
    state = fields.Selection(STATES, required=True, default="draft", tracking=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_date = fields.Datetime(readonly=True, copy=False)
    completion = fields.Float(
        string="Completion (%)",
        compute="_compute_completion",
        aggregator="avg",
        help="The average completion of the plan's targets.",
    )

    @api.depends("period_type", "date_from", "scope", "team_id", "user_id", "company_id")
    def _compute_name(self):
        for plan in self:
            period = plan._discipline_period_label()
            who = {"company": plan.company_id.name, "team": plan.team_id.name, "user": plan.user_id.name}
            plan.name = f"{period} · {who.get(plan.scope) or ''}"

    def _discipline_period_label(self):
        self.ensure_one()
        if not self.date_from:
            return ""
        day = self.date_from
        if self.period_type == "year":
            return str(day.year)
        if self.period_type == "quarter":
            return self.env._("Q%(quarter)s %(year)s", quarter=(day.month - 1) // 3 + 1, year=day.year)
        if self.period_type == "month":
            return format_date(self.env, day, date_format="LLLL yyyy")
        if self.period_type == "week":
            return self.env._("Week %(week)s, %(year)s", week=day.isocalendar()[1], year=day.isocalendar()[0])
        return format_date(self.env, day)

    @api.depends("period_type", "scope")
    def _compute_ranks(self):
        for plan in self:
            plan.period_rank = PERIOD_RANK.get(plan.period_type, 0)
            plan.scope_rank = SCOPE_RANK.get(plan.scope, 0)

    @api.depends("period_type", "date_from")
    def _compute_date_to(self):
        for plan in self:
            plan.date_to = period_bounds(plan.period_type, plan.date_from)[1] if plan.date_from else False

    @api.depends("line_ids.completion")
    def _compute_completion(self):
        for plan in self:
            lines = plan.line_ids
            plan.completion = sum(lines.mapped("completion")) / len(lines) if lines else 0.0

    # ------------------------------------------------------------------------------------------------------------
    # The tree (PL-1)
    # ------------------------------------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """A plan starts on the first day of its period, whatever day was picked (or defaulted)."""
        today = fields.Date.context_today(self)
        vals_list = [dict(vals) for vals in vals_list]  # an import retries row by row with the caller's dicts
        for vals in vals_list:
            vals.setdefault("date_from", self.env.context.get("default_date_from") or today)
            period_type = vals.get("period_type") or self.env.context.get("default_period_type") or "month"
            vals["date_from"] = period_bounds(period_type, fields.Date.to_date(vals["date_from"]))[0]
        # a new plan is a draft: the form sends that status with the rest
        self._discipline_check_workflow_fields(
            [
                {name: value for name, value in vals.items() if value and (name, value) != ("state", "draft")}
                for vals in vals_list
            ]
        )
        return super().create(vals_list)

    def write(self, vals):
        """The period, the scope and the parent of an approved plan are fixed: its targets were agreed for them.
        The status and the approval change through the buttons only (their rights are checked there)."""
        self._discipline_check_workflow_fields([vals])
        frame = {"period_type", "date_from", "scope", "team_id", "user_id", "parent_id", "company_id"}
        if frame & set(vals) and not self.env.su and self.filtered(lambda plan: plan.state == "approved"):
            raise UserError(
                self.env._("An approved plan keeps its period, scope and parent: re-plan it or create another one.")
            )
        if "date_from" in vals or "period_type" in vals:
            # each plan starts on the first day of its own period
            for period_type, plans in self.grouped(lambda plan: vals.get("period_type") or plan.period_type).items():
                for day, same_day in plans.grouped(lambda plan: vals.get("date_from") or plan.date_from).items():
                    start = period_bounds(period_type, fields.Date.to_date(day))[0]
                    super(SalesDisciplinePlan, same_day).write({**vals, "date_from": start})
            return True
        return super().write(vals)

    def _discipline_check_workflow_fields(self, vals_list):
        """PL-5: an RPC call, an import or a mass edit does not approve a plan or set who approved it."""
        guarded = {"state", "approved_by_id", "approved_date", "report_requested"}
        if not self.env.su and any(guarded & set(vals) for vals in vals_list):
            raise UserError(
                self.env._("A plan is submitted, approved or sent back to draft with its buttons, by whoever may.")
            )

    @api.constrains("company_id", "period_type", "date_from", "scope", "team_id", "user_id")
    def _check_unique(self):
        """One plan per period, scope and company."""
        for plan in self:
            twins = self.sudo().search_count(
                [
                    ("id", "!=", plan.id),
                    ("company_id", "=", plan.company_id.id),
                    ("period_type", "=", plan.period_type),
                    ("date_from", "=", plan.date_from),
                    ("scope", "=", plan.scope),
                    ("team_id", "=", plan.team_id.id),
                    ("user_id", "=", plan.user_id.id),
                ]
            )
            if twins:
                raise ValidationError(self.env._("The plan %(plan)s exists already.", plan=plan.name))

    @api.constrains("scope", "team_id", "user_id")
    def _check_scope(self):
        for plan in self:
            if plan.scope == "team" and not plan.team_id:
                raise ValidationError(self.env._("A team plan names its sales team."))
            if plan.scope == "user" and not (plan.user_id and plan.team_id):
                raise ValidationError(self.env._("A salesperson's plan names the salesperson and their team."))
            if plan.scope == "user" and plan.user_id not in plan.team_id.member_ids | plan.team_id.user_id:
                raise ValidationError(
                    self.env._(
                        "%(user)s is not a member of %(team)s: a salesperson's plan is set within their team.",
                        user=plan.user_id.name,
                        team=plan.team_id.name,
                    )
                )
            if plan.scope == "company" and (plan.team_id or plan.user_id):
                raise ValidationError(self.env._("A company plan names no team and no salesperson."))

    @api.constrains("parent_id", "period_type", "date_from", "scope", "team_id", "user_id", "company_id")
    def _check_parent(self):
        """A child is inside its parent: the same scope over a shorter period within the parent's (a week within
        the period of its Monday), or the same period for the next narrower scope (a team of the company, a member
        of the team)."""
        for plan in self.filtered("parent_id"):
            parent = plan.parent_id
            if parent.company_id != plan.company_id:
                raise ValidationError(self.env._("A plan and its parent belong to the same company."))
            same_frame = (plan.scope, plan.team_id, plan.user_id) == (parent.scope, parent.team_id, parent.user_id)
            # a week belongs to the period of its Monday: weeks cross the ends of months
            ends_inside = plan.period_type == "week" or plan.date_to <= parent.date_to
            shorter_inside = (
                same_frame
                and PERIOD_RANK[plan.period_type] > PERIOD_RANK[parent.period_type]
                and parent.date_from <= plan.date_from <= parent.date_to
                and ends_inside
            )
            narrower_scope = (
                (plan.period_type, plan.date_from) == (parent.period_type, parent.date_from)
                and SCOPE_RANK[plan.scope] == SCOPE_RANK[parent.scope] + 1
                and (parent.scope == "company" or plan.team_id == parent.team_id)
            )
            if not (shorter_inside or narrower_scope):
                raise ValidationError(
                    self.env._(
                        "The plan %(plan)s does not fit inside %(parent)s: a child plan covers part of its parent's "
                        "period for the same scope, or the same period for a team of the company or a member of "
                        "the team.",
                        plan=plan.name,
                        parent=parent.name,
                    )
                )

    @api.constrains("line_ids", "scope")
    def _check_personal_kpi_count(self):
        """PL-8: a salesperson's plan carries at most five KPIs, so that they know what they are paid for."""
        for plan in self.filtered(lambda p: p.scope == "user"):
            if len(plan.line_ids) > MAX_PERSONAL_KPIS:
                raise ValidationError(
                    self.env._(
                        "A salesperson's plan has at most %(limit)s KPIs: %(plan)s has %(count)s.",
                        limit=MAX_PERSONAL_KPIS,
                        plan=plan.name,
                        count=len(plan.line_ids),
                    )
                )

    # ------------------------------------------------------------------------------------------------------------
    # Approval (PL-5)
    # ------------------------------------------------------------------------------------------------------------

    def action_submit(self):
        """The plan is ready for the level above."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only a draft plan can be submitted: %(plan)s.", plan=plan.name))
            if not plan.line_ids:
                raise UserError(self.env._("The plan %(plan)s has no target yet.", plan=plan.name))
        self.check_access("write")
        self.sudo().write({"state": "submitted"})
        for plan in self:
            plan._message_log(body=self.env._("Submitted for approval by %(user)s.", user=self.env.user.name))
        return True

    def action_approve(self):
        """The level above approves: the general director of the company the year and quarter plans (the head of
        sales where none is set), the head of sales the months, the team lead the weeks, the salesperson their
        days. The approval is recorded on the plan."""
        for plan in self:
            if plan.state != "submitted":
                raise UserError(self.env._("Only a submitted plan can be approved: %(plan)s.", plan=plan.name))
            if not plan._discipline_may_approve(self.env.user):
                raise AccessError(
                    self.env._(
                        "%(user)s cannot approve %(plan)s: %(who)s approves it.",
                        user=self.env.user.name,
                        plan=plan.name,
                        who=plan._discipline_approver_label(),
                    )
                )
        self.sudo().write({"state": "approved", "approved_by_id": self.env.uid, "approved_date": fields.Datetime.now()})
        for plan in self:
            plan._message_log(body=self.env._("Approved by %(user)s.", user=self.env.user.name))
        return True

    def action_reset_to_draft(self):
        """A submitted plan goes back to its author for changes; an approved one is re-planned instead."""
        if self.filtered(lambda plan: plan.state == "approved"):
            raise UserError(
                self.env._("An approved plan is not reset: its targets are corrected upward or re-planned.")
            )
        self.check_access("write")
        self.sudo().write({"state": "draft"})
        return True

    def _discipline_may_approve(self, user):
        self.ensure_one()
        head = user._has_group(HEAD_GROUP)
        if self.period_type in ("year", "quarter"):
            director = self.company_id.discipline_plan_director_id
            return user == director if director else head
        if self.period_type == "month":
            return head
        if self.period_type == "week":
            return head or (self.team_id and user == self.team_id.user_id)
        return head or user in (self.user_id | self.team_id.user_id)

    def _discipline_approver_label(self):
        self.ensure_one()
        if self.period_type in ("year", "quarter"):
            director = self.company_id.discipline_plan_director_id
            return director.name if director else self.env._("the head of sales")
        if self.period_type == "month":
            return self.env._("the head of sales")
        if self.period_type == "week":
            return self.team_id.user_id.name or self.env._("the team lead")
        return self.user_id.name or self.env._("the salesperson")

    def action_add_manager_kpis(self):
        """PL-3: the manager's plan as a ready-made set: new deals created, deals moved on, deals won and the revenue
        they bring (won deals times their average value), added where the plan lacks them and the period has them."""
        codes = ["deals_created", "deals_moved", "deals_won", "turnover"]
        kpis = self.env["sales.discipline.kpi"].search([("code", "in", codes)])
        for plan in self:
            present = plan.line_ids.kpi_id
            plan.write(
                {
                    "line_ids": [
                        Command.create({"kpi_id": kpi.id, "target": 0.0})
                        for kpi in kpis.sorted(lambda k: codes.index(k.code))
                        if kpi not in present and kpi._discipline_applies_to(plan.period_type)
                    ]
                }
            )
        return True

    @api.model
    def _discipline_create_demo_plans(self, team_ids):
        """Demo data (demo/sales_discipline_plan_demo.xml): this year's company plan split down to this month's
        weeks of each salesperson of the teams ``team_ids``, approved down to the months, with the manager's KPIs;
        the facts come from the demo deals."""
        teams = self.env["crm.team"].browse(team_ids)
        today = fields.Date.context_today(self)
        kpis = {kpi.code: kpi for kpi in self.env["sales.discipline.kpi"].search([])}

        def plan(period_type, scope, parent, targets, *, team=None, user=None):
            return self.create(
                {
                    "period_type": period_type,
                    "date_from": today,
                    "scope": scope,
                    "team_id": team.id if team else False,
                    "user_id": user.id if user else False,
                    "parent_id": parent.id if parent else False,
                    "line_ids": [
                        Command.create({"kpi_id": kpis[code].id, "target": target})
                        for code, target in targets.items()
                        if kpis[code]._discipline_applies_to(period_type)
                    ],
                }
            )

        year = plan("year", "company", None, {"turnover": 3_600_000, "deals_won": 96, "deals_created": 240})
        quarter = plan("quarter", "company", year, {"turnover": 900_000, "deals_won": 24, "deals_created": 60})
        month = plan("month", "company", quarter, {"turnover": 300_000, "deals_won": 8, "deals_created": 20})
        approved = year | quarter | month
        for team in teams:
            team_month = plan("month", "team", month, {"turnover": 150_000, "deals_won": 4}, team=team)
            approved |= team_month
            for user in team.member_ids:
                user_month = plan(
                    "month",
                    "user",
                    team_month,
                    {"turnover": 50_000, "deals_won": 1, "deals_created": 3},
                    team=team,
                    user=user,
                )
                approved |= user_month
                first_week = period_bounds("week", user_month.date_from)[0]
                for week_start in range(0, (user_month.date_to - first_week).days + 1, 7):
                    day = fields.Date.add(first_week, days=week_start)
                    if day < user_month.date_from:
                        continue
                    self.create(
                        {
                            "period_type": "week",
                            "date_from": day,
                            "scope": "user",
                            "team_id": team.id,
                            "user_id": user.id,
                            "parent_id": user_month.id,
                            "line_ids": [
                                Command.create({"kpi_id": kpis["deals_created"].id, "target": 2}),
                                Command.create({"kpi_id": kpis["result_calls"].id, "target": 50}),
                            ],
                        }
                    )
        approved.write({"state": "approved", "approved_by_id": self.env.ref("base.user_admin").id})
        return True

    # ------------------------------------------------------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------------------------------------------------------

    def action_open_children(self):
        """The plans directly below this one."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.sales_discipline_plan_action")
        action.update({"domain": [("parent_id", "=", self.id)], "context": {"default_parent_id": self.id}})
        return action

    def action_open_parent(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.parent_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
