from datetime import datetime, time, timedelta

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.sales_discipline_kpi import PERIOD_TYPES, period_bounds

NEXT_PERIOD = {"year": "quarter", "quarter": "month", "month": "week", "week": "day"}
SPLIT_METHODS = [("even", "Evenly"), ("weights", "By weights"), ("working_days", "By working days")]


class SalesDisciplinePlanSplit(models.TransientModel):
    """PL-1, PL-5: split a plan's targets to the plans below it — the next shorter periods of the same scope (the
    quarters of a year, the weeks of a month), or the same period of the next narrower scope (the teams of the
    company, the members of a team) — evenly, by weights, or by working days (the company's working calendar, its
    public holidays off; a salesperson's own calendar and leaves where Odoo has them, e.g. from HR and Time Off;
    Monday to Friday for a company without a calendar). The children that
    do not exist yet are created; counts are split in whole numbers, so the children's sum is the parent's."""

    _name = "sales.discipline.plan.split"
    _description = "Split a Plan"

    plan_id = fields.Many2one("sales.discipline.plan", required=True, readonly=True)
    direction = fields.Selection(
        [("period", "Into shorter periods"), ("scope", "Into teams or salespeople")], required=True, default="period"
    )
    method = fields.Selection(SPLIT_METHODS, required=True, default="even")
    kpi_ids = fields.Many2many("sales.discipline.kpi", string="KPIs to Split")
    line_ids = fields.One2many("sales.discipline.plan.split.line", "split_id", string="Children")

    @api.onchange("direction", "method")
    def _onchange_children(self):
        self.line_ids = [Command.clear()] + [Command.create(values) for values in self._discipline_children()]

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        plan = self.env["sales.discipline.plan"].browse(
            values.get("plan_id") or self.env.context.get("default_plan_id")
        )
        if plan.exists():
            values.setdefault("kpi_ids", [Command.set(plan.line_ids.kpi_id.ids)])
            values.setdefault("direction", "scope" if plan.period_type == "day" else "period")
        return values

    def _discipline_children(self):
        """The children this split fills: [{period start, team, user, weight}], existing or to create."""
        plan = self.plan_id
        if not plan:
            return []
        resources = self._discipline_resources() if self.method == "working_days" else {}
        if self.direction == "period":
            period_type = NEXT_PERIOD.get(plan.period_type)
            if not period_type:
                return []
            children = []
            day = period_bounds(period_type, plan.date_from)[0]
            while day <= plan.date_to:
                start, stop = period_bounds(period_type, day)
                if start >= plan.date_from:  # a week belongs to the period of its Monday
                    children.append(
                        self._discipline_child_values(
                            period_type, start, stop, plan.team_id, plan.user_id, resources=resources
                        )
                    )
                day = stop + timedelta(days=1)
            return children
        if plan.scope == "company":
            teams = self.env["crm.team"].search([("company_id", "in", [plan.company_id.id, False])])
            return [
                self._discipline_child_values(
                    plan.period_type, plan.date_from, plan.date_to, team, None, resources=resources
                )
                for team in teams
            ]
        if plan.scope == "team":
            members = plan.team_id.member_ids
            return [
                self._discipline_child_values(
                    plan.period_type, plan.date_from, plan.date_to, plan.team_id, user, resources=resources
                )
                for user in members
            ]
        return []

    def _discipline_child_values(self, period_type, start, stop, team, user, *, resources):
        plan = self.plan_id
        first, last = max(start, plan.date_from), min(stop, plan.date_to)
        working_days = 1.0
        if self.method == "working_days":
            resource = resources.get(user.id) if user else None
            working_days = self._discipline_working_days(first, last, resource)
        return {
            "period_type": period_type,
            "date_from": start,
            "team_id": team.id if team else False,
            "user_id": user.id if user else False,
            "weight": working_days,
        }

    def _discipline_resources(self):
        """{user id: resource} of the salespeople of the split plan whose working time Odoo knows: their resource
        (the employee's, where HR is installed) carries their own calendar and their leaves (Time Off writes the
        validated leaves there). One search for all the children."""
        plan = self.plan_id
        users = plan.team_id.member_ids | plan.user_id
        found = (
            self.env["resource.resource"]
            .sudo()
            .search([("user_id", "in", users.ids), ("company_id", "in", [plan.company_id.id, False])])
        )
        resources = {}
        for resource in found.sorted(lambda resource: not resource.company_id):  # the company's own first
            resources.setdefault(resource.user_id.id, resource)
        return resources

    def _discipline_working_days(self, first, last, resource=None):
        """The working days from ``first`` to ``last``: the salesperson's own (their resource's calendar, with the
        public holidays and their leaves off) where Odoo knows their working time, else the company's working
        calendar with its public holidays off; Monday to Friday where the company has no calendar."""
        calendar = (resource and resource.calendar_id) or self.plan_id.company_id.resource_calendar_id
        if not calendar:
            return sum(1 for n in range((last - first).days + 1) if (first + timedelta(days=n)).weekday() < 5)
        tz = pytz.timezone((resource and resource.tz) or calendar.tz or "UTC")
        start = tz.localize(datetime.combine(first, time.min))
        stop = tz.localize(datetime.combine(last + timedelta(days=1), time.min))
        if resource:
            # resource.calendar's own reckoning of a resource's working days (what hr's work days data use)
            intervals = calendar._work_intervals_batch(start, stop, resources=resource)[resource.id]
            return round(calendar._get_attendance_intervals_days_data(intervals)["days"], 2)
        return round(calendar.get_work_duration_data(start, stop, compute_leaves=True)["days"], 2)

    def action_apply(self):
        """Create the missing children and set their targets; every child's KPI gets its share."""
        self.ensure_one()
        plan = self.plan_id
        lines = self.line_ids.filtered(lambda line: line.weight > 0)
        if not lines:
            raise UserError(self.env._("Nothing to split %(plan)s into: give the children a weight.", plan=plan.name))
        children = lines._discipline_child_plans()
        total = sum(lines.mapped("weight"))
        commands = {child: [] for child in children}
        for target in plan.line_ids.filtered(lambda line: line.kpi_id in self.kpi_ids):
            shares = _shares(target.target, [line.weight / total for line in lines], whole=target.unit == "count")
            for child, share in zip(children, shares, strict=True):
                if not target.kpi_id._discipline_applies_to(child.period_type):
                    continue
                existing = child.line_ids.filtered(lambda line, kpi=target.kpi_id: line.kpi_id == kpi)
                commands[child].append(
                    Command.update(existing.id, {"target": share})
                    if existing
                    else Command.create({"kpi_id": target.kpi_id.id, "target": share})
                )
        for child, child_commands in commands.items():  # one save per child: its checks see all its targets
            if child_commands:
                child.write({"line_ids": child_commands})
        plan._message_log(
            body=self.env._(
                "Targets split by %(user)s into %(count)s plans (%(method)s).",
                user=self.env.user.name,
                count=len(children),
                method=dict(SPLIT_METHODS)[self.method],
            )
        )
        return plan.action_open_children()


class SalesDisciplinePlanSplitLine(models.TransientModel):
    """One child of a split, existing or to create, with its weight."""

    _name = "sales.discipline.plan.split.line"
    _description = "Split a Plan: Child"

    split_id = fields.Many2one("sales.discipline.plan.split", required=True, ondelete="cascade")
    period_type = fields.Selection(PERIOD_TYPES, required=True, readonly=True)
    date_from = fields.Date(required=True, readonly=True)
    team_id = fields.Many2one("crm.team", readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    weight = fields.Float(default=1.0)

    def _discipline_child_plans(self):
        """The plan of each line, found or created under the split plan, in the lines' order."""
        Plan = self.env["sales.discipline.plan"]
        parent = self.split_id.plan_id
        plans = []
        for line in self:
            values = {
                "period_type": line.period_type,
                "date_from": line.date_from,
                "scope": "user" if line.user_id else "team" if line.team_id else "company",
                "team_id": line.team_id.id,
                "user_id": line.user_id.id,
                "company_id": parent.company_id.id,
            }
            child = Plan.search([(name, "=", value) for name, value in values.items()], limit=1)
            plans.append(child or Plan.create({**values, "parent_id": parent.id}))
        return plans


def _shares(total, fractions, whole):
    """``total`` split by ``fractions`` (which add up to 1): whole numbers by largest remainder when ``whole``, so that
    the shares add up to the total exactly; otherwise rounded to cents, the last share taking the rounding."""
    if whole:
        raw = [total * fraction for fraction in fractions]
        shares = [int(value) for value in raw]
        left = round(total) - sum(shares)
        for index in sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)[: max(left, 0)]:
            shares[index] += 1
        return [float(share) for share in shares]
    shares = [round(total * fraction, 2) for fraction in fractions]
    shares[-1] = round(total - sum(shares[:-1]), 2)
    return shares
