import math
from collections import namedtuple

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .sales_discipline_kpi import PlanValues, plan_values_of

REPLAN_FLAG = "sales_discipline_replan"


LineRow = namedtuple("LineRow", "id kpi_id source plan_id scope manual_fact target plan")


class SalesDisciplinePlanLine(models.Model):
    """A target of a plan: one KPI, its target, its fact and the completion (PL-2, PL-4).

    The fact comes from the data (sales.discipline.kpi._discipline_facts, one grouped query per KPI for all the
    lines of one period type and scope); only a KPI marked as entered by hand takes a typed fact. Once the plan is
    submitted, every change of a target is kept (sales.discipline.plan.revision); once it is approved, a target
    only goes up on every path (form, RPC, import) and is not removed (PL-6): the discipline administrator's
    re-plan (sales.discipline.plan.replan) is the only way down, logged."""

    _name = "sales.discipline.plan.line"
    _description = "Plan Target"
    _order = "plan_id, sequence, id"
    _check_company_auto = True

    plan_id = fields.Many2one("sales.discipline.plan", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    period_type = fields.Selection(related="plan_id.period_type", store=True)
    date_from = fields.Date(related="plan_id.date_from", store=True)
    date_to = fields.Date(related="plan_id.date_to", store=True)
    scope = fields.Selection(related="plan_id.scope", store=True)
    team_id = fields.Many2one(related="plan_id.team_id", store=True)
    user_id = fields.Many2one(related="plan_id.user_id", store=True)
    plan_state = fields.Selection(related="plan_id.state", string="Plan Status")
    sequence = fields.Integer(related="kpi_id.sequence", store=True)
    kpi_id = fields.Many2one("sales.discipline.kpi", string="KPI", required=True, ondelete="restrict")
    kpi_source = fields.Selection(related="kpi_id.source")
    unit = fields.Selection(related="kpi_id.unit")
    target = fields.Float(required=True, default=0.0, aggregator="sum")
    fact = fields.Float(
        compute="_compute_fact",
        aggregator="sum",
        help="Computed from the data, or typed by hand for a KPI entered by hand.",
    )
    manual_fact = fields.Float(string="Fact Entered", help="Only for a KPI entered by hand.")
    completion = fields.Float(string="Completion (%)", compute="_compute_fact", aggregator="avg")
    revision_ids = fields.One2many("sales.discipline.plan.revision", "line_id", string="Corrections")
    currency_id = fields.Many2one(related="company_id.currency_id")
    bonus = fields.Monetary(help="What the salesperson earns at 100 % of this target (PL-8).")
    earned = fields.Monetary(
        compute="_compute_earnings", help="The share of the bonus that the highest threshold reached pays."
    )
    next_threshold = fields.Float(string="Next Threshold (%)", compute="_compute_earnings")
    to_next_threshold = fields.Char(
        string="To the Next Threshold", compute="_compute_earnings", help="What is left to do to reach it."
    )
    children_target = fields.Float(
        compute="_compute_children_target",
        help="The sum of this KPI's targets in the plans directly below, to compare with this target.",
    )
    split_mismatch = fields.Boolean(compute="_compute_children_target")
    # the pivot and the graph group and add up stored values only: the facts as of the last refresh (hourly cron)
    stored_fact = fields.Float(string="Fact (last refresh)", readonly=True, aggregator="sum")
    stored_completion = fields.Float(string="Completion (last refresh, %)", readonly=True, aggregator="avg")
    facts_refreshed = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("kpi_unique", "UNIQUE(plan_id, kpi_id)", "A plan has one target per KPI."),
    ]

    @api.depends("kpi_id", "manual_fact", "target", "plan_id.date_from", "plan_id.period_type", "plan_id.scope")
    @api.depends_context("uid")
    def _compute_fact(self):
        """All the lines at once (Odoo computes 1,000 at a time): see _discipline_facts_of_lines."""
        values = self._discipline_facts_of_lines()
        for line in self:
            line.fact, line.completion = values.get(line.id, (0.0, 0.0))

    def _discipline_facts_of_lines(self):
        """{line id: (fact, completion)} for these lines: per KPI, one query for the lines of one period type and
        scope, however many they are (the hourly refresh computes every running target this way)."""
        rows = self._discipline_line_rows()
        groups = {}  # {(kpi id, period type, scope): {plan id: PlanValues}}
        for row in rows:
            if row.source == "data" and row.plan_id:
                groups.setdefault((row.kpi_id, row.plan.period_type, row.scope), {})[row.plan_id] = row.plan
        facts = {}  # {(kpi id, plan id): fact}
        Kpi, Plan = self.env["sales.discipline.kpi"], self.env["sales.discipline.plan"]
        for (kpi_id, _period, _scope), plan_values in groups.items():
            by_plan = Kpi.browse(kpi_id)._discipline_facts(Plan.browse(plan_values), plan_values)
            facts.update({(kpi_id, plan_id): fact for plan_id, fact in by_plan.items()})
        values = {}
        for row in rows:
            fact = row.manual_fact if row.source == "manual" else facts.get((row.kpi_id, row.plan_id), 0.0)
            values[row.id] = (fact, 100.0 * fact / row.target if row.target else 0.0)
        return values

    def _discipline_line_rows(self):
        """[LineRow] of these lines: one query for saved lines (thousands of them, field by field through the ORM,
        cost as much as their facts' queries), the ORM for new ones (a form being edited)."""
        if not all(isinstance(line_id, int) for line_id in self.ids):
            return [
                LineRow(
                    line.id,
                    line.kpi_id.id,
                    line.kpi_id.source,
                    line.plan_id.id,
                    line.plan_id.scope,
                    line.manual_fact,
                    line.target,
                    plan_values_of(line.plan_id),
                )
                for line in self
            ]
        self.flush_recordset(["kpi_id", "plan_id", "manual_fact", "target"])
        self.env["sales.discipline.plan"].flush_model(
            ["company_id", "user_id", "team_id", "scope", "period_type", "date_from", "date_to"]
        )
        self.env["sales.discipline.kpi"].flush_model(["source"])
        rows = self.env.execute_query(
            SQL(
                """SELECT line.id, line.kpi_id, kpi.source, line.plan_id, plan.scope, line.manual_fact, line.target,
                          plan.company_id, plan.user_id, plan.team_id, plan.period_type, plan.date_from, plan.date_to
                     FROM sales_discipline_plan_line line
                     JOIN sales_discipline_plan plan ON plan.id = line.plan_id
                     JOIN sales_discipline_kpi kpi ON kpi.id = line.kpi_id
                    WHERE line.id = ANY(%s)""",
                self.ids,
            )
        )
        return [
            LineRow(line_id, kpi_id, source, plan_id, scope, manual or 0.0, target or 0.0, PlanValues(*plan))
            for line_id, kpi_id, source, plan_id, scope, manual, target, *plan in rows
        ]

    @api.depends("fact", "completion", "bonus", "target")
    @api.depends_context("uid")
    def _compute_earnings(self):
        """PL-8: what the target has earned so far, and what is left to reach the next threshold, in the KPI's terms
        ("2 more of Deals won", or for an amount also the number of won deals of the salesperson's average value)."""
        Threshold = self.env["sales.discipline.plan.threshold"]
        ladders = {company: Threshold._discipline_ladder(company) for company in self.company_id}
        averages = self._discipline_average_won_values()
        for line in self:
            ladder = ladders.get(line.company_id, [])
            reached = [payout for completion, payout in ladder if line.completion >= completion]
            line.earned = line.bonus * (reached[-1] if reached else 0.0) / 100.0
            following = next((completion for completion, _payout in ladder if line.completion < completion), 0.0)
            line.next_threshold = following
            line.to_next_threshold = (
                line._discipline_hint(following, averages.get(line.user_id.id)) if following else ""
            )

    def _discipline_hint(self, threshold, average_value):
        self.ensure_one()
        missing = max(self.target * threshold / 100.0 - self.fact, 0.0)
        percent = f"{threshold:g}"
        if self.unit == "amount" and average_value:
            amount, average, deals = f"{missing:,.0f}", f"{average_value:,.0f}", math.ceil(missing / average_value)
            return self.env._(
                "%(amount)s more to reach %(threshold)s %% (won deals at your average of %(average)s: %(deals)s)",
                amount=amount,
                threshold=percent,
                average=average,
                deals=deals,
            )
        shown = (
            f"{missing:,.0f}"
            if self.unit == "amount"
            else f"{math.ceil(missing) if self.unit == 'count' else missing:g}"
        )
        return self.env._("%(missing)s more to reach %(threshold)s %%", missing=shown, threshold=percent)

    def _discipline_average_won_values(self):
        """{user id: average value of their deals won over the last 12 months}, in one grouped query."""
        users = self.filtered(lambda line: line.unit == "amount").user_id
        if not users:
            return {}
        since = fields.Datetime.subtract(fields.Datetime.now(), months=12)
        groups = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [("user_id", "in", users.ids), ("stage_id.is_won", "=", True), ("date_closed", ">=", since)],
                ["user_id"],
                ["expected_revenue:avg"],
            )
        )
        return {user.id: average for user, average in groups if average}

    @api.depends("target", "plan_id.child_ids.line_ids.target")
    def _compute_children_target(self):
        """The children's sum per KPI, one grouped query for all these lines; a mismatch is flagged where the plan
        has children with this KPI and their sum differs from the target."""
        plans = self.plan_id.filtered("id")
        sums = {}
        if plans:
            groups = self.sudo()._read_group(
                [("plan_id.parent_id", "in", plans.ids)],
                ["plan_id", "kpi_id"],
                ["target:sum"],
            )
            for child_plan, kpi, total in groups:
                by_direction = sums.setdefault((child_plan.parent_id.id, kpi.id), {})
                across_scopes = child_plan.scope != child_plan.parent_id.scope
                by_direction[across_scopes] = by_direction.get(across_scopes, 0.0) + total
        for line in self:
            by_direction = sums.get((line.plan_id.id, line.kpi_id.id), {})
            # children in periods and children in scopes are two splits of the same target: compare each
            line.children_target = by_direction.get(True, by_direction.get(False, 0.0))
            line.split_mismatch = any(round(total - line.target, 2) for total in by_direction.values())

    @api.model
    def _cron_discipline_refresh_facts(self, batch_size=5000):
        """Hourly: store the facts of the plans still running (or ended within the last 40 days, while late deals
        and reports come in) for the pivot and the graph; in batches, each batch one query per KPI and level."""
        since = fields.Date.subtract(fields.Date.context_today(self), days=40)
        lines = self.sudo().search(
            [("plan_id.date_to", ">=", since)], order="facts_refreshed ASC NULLS FIRST, id", limit=batch_size
        )
        lines._discipline_store_facts()
        remaining = self.sudo().search_count([("plan_id.date_to", ">=", since)]) - len(lines)
        self.env["ir.cron"]._notify_progress(done=len(lines), remaining=max(remaining, 0))
        return len(lines)

    def _discipline_store_facts(self):
        """Copy the live facts of these lines to the stored ones, in one statement (no revision: the target does not
        change)."""
        if not self:
            return
        facts = self._discipline_facts_of_lines()  # all of them at once, not 1,000 at a time
        values = [(line_id, fact, completion) for line_id, (fact, completion) in facts.items() if line_id]
        self.env.cr.execute(
            SQL(
                """UPDATE sales_discipline_plan_line line
                      SET stored_fact = fresh.fact, stored_completion = fresh.completion, facts_refreshed = %s
                     FROM (VALUES %s) AS fresh(id, fact, completion)
                    WHERE line.id = fresh.id""",
                fields.Datetime.now(),
                SQL(", ").join(SQL("(%s, %s::float, %s::float)", *row) for row in values),
            )
        )
        self.invalidate_recordset(["stored_fact", "stored_completion", "facts_refreshed"])

    def action_discipline_refresh_facts(self):
        """Refresh the stored facts of these targets now (the pivot and the graph show them)."""
        self._discipline_store_facts()
        return True

    @api.constrains("kpi_id", "plan_id")
    def _check_kpi_period(self):
        for line in self:
            if not line.kpi_id._discipline_applies_to(line.plan_id.period_type):
                raise ValidationError(
                    self.env._(
                        "The KPI %(kpi)s is not planned per %(period)s.",
                        kpi=line.kpi_id.name,
                        period=dict(line.plan_id._fields["period_type"]._description_selection(self.env))[
                            line.plan_id.period_type
                        ].lower(),
                    )
                )

    @api.constrains("target")
    def _check_target(self):
        for line in self:
            if line.target < 0:
                raise ValidationError(self.env._("The target of %(kpi)s cannot be negative.", kpi=line.kpi_id.name))

    @api.constrains("manual_fact", "kpi_id")
    def _check_manual_fact(self):
        for line in self:
            if line.manual_fact and line.kpi_id.source != "manual":
                raise ValidationError(
                    self.env._("The fact of %(kpi)s comes from the data: it is not typed.", kpi=line.kpi_id.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        """A target added to a plan already submitted is a correction like any other: it is kept."""
        lines = super().create(vals_list)
        lines.filtered(lambda line: line.plan_id.state != "draft")._discipline_record_revisions(
            {line.id: 0.0 for line in lines}
        )
        return lines

    def write(self, vals):
        """PL-6: an approved plan's target only goes up, whichever path writes it; every change of a submitted or
        approved plan's target is kept with who, when, from and to."""
        if (
            {"kpi_id", "plan_id"} & set(vals)
            and self.filtered(lambda line: line.plan_id.state == "approved")
            and not self.env.su
        ):
            raise UserError(
                self.env._("An approved plan's target keeps its KPI and its plan: add another target instead.")
            )
        before = {}
        if "target" in vals:
            new_target = float(vals["target"] or 0.0)
            replan = self._discipline_replanning()
            for line in self:
                if line.plan_id.state == "approved" and new_target < line.target and not replan:
                    old_value, new_value = f"{line.target:g}", f"{new_target:g}"
                    raise UserError(
                        self.env._(
                            "The plan %(plan)s is approved: the target of %(kpi)s can only go up, not from "
                            "%(old)s to %(new)s.",
                            plan=line.plan_id.name,
                            kpi=line.kpi_id.name,
                            old=old_value,
                            new=new_value,
                        )
                    )
            before = {line.id: line.target for line in self if line.plan_id.state != "draft"}
        result = super().write(vals)
        if before:
            self.filtered(lambda line: line.id in before)._discipline_record_revisions(before)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        """An approved plan's target is not removed: that would be a correction downward."""
        if self.filtered(lambda line: line.plan_id.state == "approved") and not self._discipline_replanning():
            raise UserError(self.env._("An approved plan's target is not removed: its targets only go up."))

    def _discipline_replanning(self):
        """A re-plan is asked by the context and allowed to the discipline administrator only (a context flag is
        in any caller's hands); it is kept as such in the corrections."""
        return bool(self.env.context.get(REPLAN_FLAG)) and (
            self.env.su or self.env.user.has_group("sales_discipline.group_discipline_admin")
        )

    def _discipline_record_revisions(self, before):
        changed = self.filtered(lambda line: line.target != before.get(line.id))
        if changed:
            self.env["sales.discipline.plan.revision"].sudo().create(
                [
                    {
                        "line_id": line.id,
                        "old_target": before.get(line.id, 0.0),
                        "new_target": line.target,
                        "replan": self._discipline_replanning(),
                        "reason": self.env.context.get("sales_discipline_replan_reason") or False,
                    }
                    for line in changed
                ]
            )
