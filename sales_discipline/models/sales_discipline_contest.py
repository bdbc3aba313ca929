from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .sales_discipline_kpi import period_bounds

CONTEST_STATES = [("draft", "Draft"), ("running", "Running"), ("done", "Finished")]


class SalesDisciplineContest(models.Model):
    """SC-2: a sales contest: a period, a KPI and its participants (the members of one sales team, or every
    salesperson of the company's teams). The standings come from the KPI's facts, computed like a plan's (one
    grouped query for all the participants); when the period ends the winners are recorded, and a contest set to
    rotate starts again for the next month.

    Gamification's challenges are not used: their CRM goal definitions count what they should not; the KPIs here
    are the ones the plans measure."""

    _name = "sales.discipline.contest"
    _description = "Sales Contest"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    kpi_id = fields.Many2one(
        "sales.discipline.kpi",
        string="KPI",
        required=True,
        ondelete="restrict",
        domain=[("source", "=", "data")],
        tracking=True,
    )
    date_from = fields.Date(string="From", required=True, default=lambda self: self._default_dates()[0])
    date_to = fields.Date(string="To", required=True, default=lambda self: self._default_dates()[1])
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        check_company=True,
        tracking=True,
        help="Its members compete; empty: every salesperson of the company's sales teams.",
    )
    rotate_monthly = fields.Boolean(help="When it ends, the same contest starts for the next month.")
    previous_contest_id = fields.Many2one("sales.discipline.contest", readonly=True, copy=False, index=True)
    state = fields.Selection(CONTEST_STATES, required=True, default="draft", tracking=True, copy=False, readonly=True)
    standing_ids = fields.One2many("sales.discipline.contest.standing", "contest_id", string="Standings", readonly=True)
    winner_ids = fields.Many2many("res.users", string="Winners", readonly=True, copy=False)
    standings_refreshed = fields.Datetime(readonly=True, copy=False)

    @api.model
    def _default_dates(self):
        return period_bounds("month", fields.Date.context_today(self))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for contest in self:
            if contest.date_to < contest.date_from:
                raise ValidationError(
                    self.env._("The contest %(contest)s ends before it starts.", contest=contest.name)
                )

    def write(self, vals):
        """A contest that runs or has finished keeps its rules: its KPI, period and participants."""
        frozen = {"kpi_id", "date_from", "date_to", "team_id", "company_id"} & set(vals)
        if frozen and not self.env.su and self.filtered(lambda contest: contest.state != "draft"):
            raise UserError(self.env._("A contest that has started keeps its KPI, its period and its participants."))
        return super().write(vals)

    # ------------------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------------------

    def action_start(self):
        """Start the draft contests and compute their first standings: for those who run them."""
        self.check_access("write")
        if self.filtered(lambda contest: contest.state != "draft"):
            raise UserError(self.env._("Only a draft contest can be started."))
        self.sudo().write({"state": "running"})
        self._discipline_refresh_standings()
        return True

    def action_finish(self):
        """Finish the running contests: last standings, winners recorded, the next month's started where they
        rotate. For those who run them."""
        self.check_access("write")
        if self.filtered(lambda contest: contest.state != "running"):
            raise UserError(self.env._("Only a running contest can be finished."))
        self._discipline_refresh_standings()
        for contest in self.sudo():
            first = contest.standing_ids.filtered(lambda standing: standing.rank == 1 and standing.fact > 0)
            contest.write({"state": "done", "winner_ids": [fields.Command.set(first.user_id.ids)]})
        self.sudo().filtered("rotate_monthly")._discipline_rotate()
        return True

    def action_refresh_standings(self):
        self._discipline_refresh_standings()
        return True

    @api.model
    def _cron_discipline_contests(self):
        """Daily: start the draft contests whose period began, finish the ones whose period ended, refresh the
        standings of the others."""
        today = fields.Date.context_today(self)
        self.search([("state", "=", "draft"), ("date_from", "<=", today), ("date_to", ">=", today)]).action_start()
        running = self.search([("state", "=", "running")])
        running.filtered(lambda contest: contest.date_to < today).action_finish()
        running.filtered(lambda contest: contest.date_to >= today)._discipline_refresh_standings()

    def _discipline_rotate(self):
        """The next month's contest of each rotating contest, running, unless it exists already."""
        rotated = self.search([("previous_contest_id", "in", self.ids)]).previous_contest_id
        for contest in self - rotated:
            date_from, date_to = period_bounds("month", contest.date_to + timedelta(days=1))
            contest.copy({"date_from": date_from, "date_to": date_to, "previous_contest_id": contest.id}).action_start()

    # ------------------------------------------------------------------------------------------------------------
    # Standings
    # ------------------------------------------------------------------------------------------------------------

    def _discipline_participants(self):
        """The salespeople who compete: the team's members (and leader), or every member of the company's teams."""
        self.ensure_one()
        if self.team_id:
            return self.team_id.member_ids | self.team_id.user_id
        teams = self.env["crm.team"].sudo().search([("company_id", "in", [self.company_id.id, False])])
        return teams.member_ids

    def _discipline_refresh_standings(self):
        """Replace the standings of the contests by the KPI's facts of their participants, ranked (ties share a
        rank). One grouped query per contest, whatever the number of participants."""
        Standing = self.env["sales.discipline.contest.standing"].sudo()
        for contest in self.sudo():
            participants = contest._discipline_participants()
            facts = contest._discipline_facts(participants)
            ranked = sorted(participants, key=lambda user: (-facts.get(user.id, 0.0), user.name or ""))
            leader = facts.get(ranked[0].id, 0.0) if ranked else 0.0
            rows, rank = [], 0
            for position, user in enumerate(ranked, start=1):
                fact = facts.get(user.id, 0.0)
                if position == 1 or fact != facts.get(ranked[position - 2].id, 0.0):
                    rank = position
                rows.append(
                    {
                        "contest_id": contest.id,
                        "user_id": user.id,
                        "fact": fact,
                        "rank": rank,
                        "share_of_leader": 100.0 * fact / leader if leader else 0.0,
                    }
                )
            contest.standing_ids.unlink()
            Standing.create(rows)
            contest.standings_refreshed = fields.Datetime.now()

    def _discipline_facts(self, users):
        """{user id: fact} of the contest's KPI over its period: the KPI's facts for one day-by-day plan per
        participant, never stored."""
        self.ensure_one()
        Plan = self.env["sales.discipline.plan"].sudo()
        plans = Plan.browse()
        by_plan = {}
        for user in users:
            plan = Plan.new(
                {
                    "company_id": self.company_id.id,
                    "scope": "user",
                    "user_id": user.id,
                    "period_type": "day",
                    "date_from": self.date_from,
                }
            )
            plan.date_to = self.date_to
            plans |= plan
            by_plan[plan.id] = user.id
        facts = self.kpi_id._discipline_facts(plans) if plans else {}
        return {by_plan[plan_id]: value for plan_id, value in facts.items()}
