from datetime import datetime, time, timedelta

from odoo import api, fields, models

from .sales_discipline_kpi import period_bounds

SCORECARD_PERIODS = [("week", "Week"), ("month", "Month"), ("quarter", "Quarter")]
SCORECARD_SCOPES = [("salesperson", "Salesperson"), ("team", "Sales Team")]
# the signals of the discipline score, each worth 0 to 100, in the order the breakdown lists them
SCORE_SIGNALS = ("plan", "next_step", "overdue", "stale", "cards", "nps")
# the counts a team's card adds up from its members' cards
ADDED_UP = (
    "deals_created",
    "deals_moved",
    "deals_won",
    "deals_lost",
    "won_amount",
    "cycle_days_total",
    "activities_done",
    "steps_planned",
    "steps_overdue",
    "deals_open",
    "deals_without_next_step",
    "deals_stale",
    "nps_answers",
    "nps_points_total",
    "pipeline_amount",
    "weighted_pipeline",
    "turnover_target",
)


class SalesDisciplineScorecard(models.Model):
    """SC-1: one scorecard per salesperson (and per sales team) per week, month and quarter, with the discipline
    score 0-100 and what lowered it.

    The flows of the period (deals created, moved, won and lost, conversion = won / closed, average won value,
    cycle length, activities done, NPS) are counted over the period; the state of the pipeline (planned and overdue
    steps, open deals without a next step, stale deals, the client cards' completeness) is what the last refresh
    saw, so a past period keeps the state at its end. A daily cron refreshes the periods that contain today and
    yesterday for every salesperson at once: one grouped query per figure, however many salespeople
    (``_discipline_refresh``).

    SC-4: the pipeline of the card (open deals' amount, weighted by their probability, its average deal and how
    that average changed since the previous period) is flagged small when the weighted pipeline is below the
    company's multiple of the period's turnover target. SC-2: each salesperson's rank in their team, the best and
    the worst, for the ranking that salespeople read with names and scores only.

    The weights of the score are the company's (``res.company.discipline_score_weight_*``,
    adding up to 100); a signal without data (no plan, no open deal, no answer) is left out and the others share
    its weight."""

    _name = "sales.discipline.scorecard"
    _description = "Salesperson Scorecard"
    _order = "date_from desc, period_type, scope desc, discipline_score desc, id"
    _rec_name = "user_id"

    period_type = fields.Selection(SCORECARD_PERIODS, string="Period", required=True, readonly=True)
    date_from = fields.Date(string="From", required=True, readonly=True, index=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    scope = fields.Selection(SCORECARD_SCOPES, required=True, readonly=True, default="salesperson")
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, index=True, ondelete="cascade")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    has_plan = fields.Boolean(readonly=True)
    plan_completion = fields.Float(
        string="Plan (%)", readonly=True, aggregator="avg", digits=(16, 1), help="Empty where there is no plan."
    )
    deals_created = fields.Integer(string="Created", readonly=True, aggregator="sum")
    deals_moved = fields.Integer(string="Moved", readonly=True, aggregator="sum")
    deals_won = fields.Integer(string="Won", readonly=True, aggregator="sum")
    deals_lost = fields.Integer(string="Lost", readonly=True, aggregator="sum")
    conversion = fields.Float(string="Conversion (%)", readonly=True, aggregator="avg", digits=(16, 1))
    won_amount = fields.Monetary(readonly=True, aggregator="sum")
    average_won_value = fields.Monetary(string="Average Won Deal", readonly=True, aggregator="avg")
    cycle_days_total = fields.Float(readonly=True)
    cycle_days = fields.Float(
        string="Cycle (days)", readonly=True, aggregator="avg", digits=(16, 1), help="From creation to won."
    )
    activities_done = fields.Integer(string="Steps Done", readonly=True, aggregator="sum")
    steps_planned = fields.Integer(readonly=True, aggregator="sum")
    steps_overdue = fields.Integer(readonly=True, aggregator="sum")
    deals_open = fields.Integer(string="Open Deals", readonly=True, aggregator="sum")
    deals_without_next_step = fields.Integer(string="Without Next Step", readonly=True, aggregator="sum")
    deals_stale = fields.Integer(string="Stale", readonly=True, aggregator="sum")
    card_count = fields.Integer(string="Client Cards", readonly=True, aggregator="sum")
    card_completeness = fields.Float(string="Cards Complete (%)", readonly=True, aggregator="avg", digits=(16, 1))
    nps_answers = fields.Integer(string="NPS Answers", readonly=True, aggregator="sum")
    nps_points_total = fields.Float(readonly=True)
    nps = fields.Float(string="NPS", readonly=True, aggregator="avg", digits=(16, 1))
    discipline_score = fields.Float(readonly=True, aggregator="avg", digits=(16, 1))
    score_breakdown = fields.Text(string="What Lowered the Score", readonly=True)
    refreshed_at = fields.Datetime(string="Refreshed", readonly=True)
    pipeline_amount = fields.Monetary(string="Pipeline", readonly=True, aggregator="sum", help="Open deals' amount.")
    weighted_pipeline = fields.Monetary(
        readonly=True, aggregator="sum", help="Open deals' amount, each weighted by its probability."
    )
    average_pipeline_value = fields.Monetary(string="Average Deal in Pipeline", readonly=True, aggregator="avg")
    average_pipeline_change = fields.Float(
        string="Average Deal Change (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Against the card of the previous period; empty without one.",
    )
    turnover_target = fields.Monetary(
        readonly=True, aggregator="sum", help="The turnover target of the period's plan; empty without a plan."
    )
    pipeline_coverage = fields.Float(
        readonly=True, aggregator="avg", digits=(16, 2), help="Weighted pipeline divided by the turnover target."
    )
    is_pipeline_small = fields.Boolean(
        string="Small Pipeline",
        readonly=True,
        help="The weighted pipeline is below the company's multiple of the turnover target.",
    )
    team_rank = fields.Integer(string="Rank in Team", readonly=True, aggregator="min")
    team_size = fields.Integer(readonly=True, aggregator="max")
    is_best = fields.Boolean(string="Best in Team", readonly=True)
    is_worst = fields.Boolean(string="Worst in Team", readonly=True)
    contest_standing = fields.Char(
        string="Current Contests", compute="_compute_contest_standing", help="The salesperson's places in them."
    )

    _sql_constraints = [
        (
            "card_unique",
            "UNIQUE NULLS NOT DISTINCT (period_type, date_from, scope, user_id, team_id, company_id)",
            "A salesperson or a team has one scorecard per period.",
        ),
    ]

    @api.depends("scope", "user_id", "team_id", "period_type", "date_from")
    def _compute_display_name(self):
        periods = dict(SCORECARD_PERIODS)
        for card in self:
            who = card.user_id.name if card.scope == "salesperson" else card.team_id.name
            card.display_name = f"{who or ''}, {periods.get(card.period_type, '')} {card.date_from or ''}"

    def _compute_contest_standing(self):
        """SC-2: the contests' results on the dashboard, one search and one grouped count for all the cards shown;
        a participant's place is no secret, the facts behind it stay in the standings."""
        Standing = self.env["sales.discipline.contest.standing"].sudo()
        people = self.filtered(lambda card: card.scope == "salesperson").user_id
        standings = Standing.search([("contest_id.state", "=", "running"), ("user_id", "in", people.ids)])
        sizes = dict(
            Standing._read_group([("contest_id", "in", standings.contest_id.ids)], ["contest_id"], ["__count"])
        )
        by_user = {}
        for standing in standings:
            by_user.setdefault(standing.user_id.id, []).append(standing)
        for card in self:
            places = by_user.get(card.user_id.id, []) if card.scope == "salesperson" else []
            card.contest_standing = ", ".join(
                self.env._(
                    "%(contest)s: %(rank)s of %(size)s",
                    contest=place.contest_id.name,
                    rank=place.rank,
                    size=sizes[place.contest_id],
                )
                for place in places
            )

    # ------------------------------------------------------------------------------------------------------------
    # Refresh
    # ------------------------------------------------------------------------------------------------------------

    @api.model
    def _cron_discipline_refresh_scorecards(self):
        """Daily: the periods containing today, and the ones that ended yesterday (their final state)."""
        today = fields.Date.context_today(self)
        periods = {
            (period_type, *period_bounds(period_type, day))
            for period_type, _label in SCORECARD_PERIODS
            for day in (today - timedelta(days=1), today)
        }
        for period_type, date_from, date_to in sorted(periods):
            self._discipline_refresh(period_type, date_from, date_to)

    @api.model
    def _discipline_refresh(self, period_type, date_from, date_to):
        """Compute and store the scorecards of one period for every salesperson of a sales team, and their teams."""
        members = self.env["crm.team.member"].sudo().search([("crm_team_id.active", "=", True)])
        teams_of = {}
        for member in members:
            teams_of.setdefault(member.user_id.id, member.crm_team_id)
        if not teams_of:
            return self.browse()
        figures = self._discipline_figures(list(teams_of), date_from, date_to)
        now = fields.Datetime.now()
        rows = []
        # one read of the salespeople's companies, for the teams that name none
        company_of = {user.id: user.company_id.id for user in self.env["res.users"].sudo().browse(list(teams_of))}
        for user_id, team in teams_of.items():
            values = figures.get(user_id, {})
            rows.append(
                {
                    "scope": "salesperson",
                    "user_id": user_id,
                    "team_id": team.id,
                    "company_id": team.company_id.id or company_of[user_id],
                    **values,
                }
            )
        rows += self._discipline_team_rows(rows)
        for row in rows:
            row.update(period_type=period_type, date_from=date_from, date_to=date_to, refreshed_at=now)
            row.update(self._discipline_derived(row))
        self._discipline_pipeline_change(rows)
        self._discipline_rank(rows)
        return self._discipline_store(rows)

    def _discipline_pipeline_change(self, rows):
        """SC-4, the dynamics: how the average deal in the pipeline moved since the card of the previous period."""
        first = rows[0]
        previous_from, _previous_to = period_bounds(first["period_type"], first["date_from"] - timedelta(days=1))
        previous = {
            self._discipline_key(card): card.average_pipeline_value
            for card in self.sudo().search(
                [("period_type", "=", first["period_type"]), ("date_from", "=", previous_from)]
            )
        }
        for row in rows:
            before = previous.get(self._discipline_key(row))
            row["average_pipeline_change"] = (
                100.0 * (row["average_pipeline_value"] - before) / before if before else 0.0
            )

    @staticmethod
    def _discipline_rank(rows):
        """SC-2: the rank of each salesperson in their team by discipline score (ties share a rank), the best and
        the worst where the team has two or more."""
        by_team = {}
        for row in rows:
            if row["scope"] == "salesperson":
                by_team.setdefault(row["team_id"], []).append(row)
        for members in by_team.values():
            members.sort(key=lambda row: row["discipline_score"], reverse=True)
            best, worst = members[0]["discipline_score"], members[-1]["discipline_score"]
            for position, row in enumerate(members, start=1):
                tied = position > 1 and row["discipline_score"] == members[position - 2]["discipline_score"]
                row["team_rank"] = members[position - 2]["team_rank"] if tied else position
                row["team_size"] = len(members)
                row["is_best"] = len(members) > 1 and best > worst and row["discipline_score"] == best
                row["is_worst"] = len(members) > 1 and best > worst and row["discipline_score"] == worst

    def _discipline_store(self, rows):
        """Update the existing cards of the period and create the missing ones (one search, one create)."""
        key = self._discipline_key
        existing = {
            key(card): card
            for card in self.sudo().search(
                [
                    ("period_type", "=", rows[0]["period_type"]),
                    ("date_from", "=", rows[0]["date_from"]),
                ]
            )
        }
        cards = self.sudo().browse()
        to_create = []
        for row in rows:
            card = existing.get(key(row))
            if card:
                card.write(row)
                cards |= card
            else:
                to_create.append(row)
        return cards | self.sudo().create(to_create)

    @staticmethod
    def _discipline_key(card):
        def ident(value):
            return value.id if isinstance(value, models.BaseModel) else value or False

        return tuple(ident(card[name]) for name in ("scope", "user_id", "team_id", "company_id"))

    def _discipline_team_rows(self, rows):
        """A team's card adds up its members' counts; its ratios and its score are computed from those sums."""
        teams = {}
        for row in rows:
            team = teams.setdefault(
                row["team_id"],
                {"scope": "team", "user_id": False, "team_id": row["team_id"], "company_id": row["company_id"]},
            )
            for name in (*ADDED_UP, "card_count"):
                team[name] = team.get(name, 0) + row.get(name, 0)
            team["card_points"] = team.get("card_points", 0.0) + row.get("card_completeness", 0.0) * row.get(
                "card_count", 0
            )
            if row.get("has_plan"):
                team.setdefault("plans", []).append(row["plan_completion"])
        for team in teams.values():
            points, plans = team.pop("card_points"), team.pop("plans", [])
            team["card_completeness"] = points / team["card_count"] if team["card_count"] else 0.0
            team["has_plan"] = bool(plans)
            team["plan_completion"] = sum(plans) / len(plans) if plans else 0.0
        return list(teams.values())

    def _discipline_derived(self, row):
        """The ratios of a card and its discipline score with the breakdown."""
        closed = row.get("deals_won", 0) + row.get("deals_lost", 0)
        won = row.get("deals_won", 0)
        answers = row.get("nps_answers", 0)
        derived = {
            "conversion": 100.0 * won / closed if closed else 0.0,
            "average_won_value": row.get("won_amount", 0.0) / won if won else 0.0,
            "cycle_days": row.get("cycle_days_total", 0.0) / won if won else 0.0,
            "nps": row.get("nps_points_total", 0.0) / answers if answers else 0.0,
        }
        company = self.env["res.company"].browse(row["company_id"])
        derived.update(self._discipline_pipeline(row, company.discipline_pipeline_multiple))
        derived["discipline_score"], derived["score_breakdown"] = self._discipline_score(
            {**row, **derived}, company._discipline_score_weights()
        )
        return derived

    @staticmethod
    def _discipline_pipeline(row, multiple):
        """SC-4: the average deal in the pipeline, the coverage of the target and the small-pipeline flag."""
        weighted, target = row.get("weighted_pipeline", 0.0), row.get("turnover_target", 0.0)
        open_deals = row.get("deals_open", 0)
        return {
            "average_pipeline_value": row.get("pipeline_amount", 0.0) / open_deals if open_deals else 0.0,
            "pipeline_coverage": weighted / target if target else 0.0,
            "is_pipeline_small": bool(target) and weighted < multiple * target,
        }

    def _discipline_signals(self, row):
        """{signal: (value 0-100, what it measures)} for the signals that have data on this card."""
        env = self.env
        signals = {}
        if row.get("has_plan"):
            signals["plan"] = (min(row["plan_completion"], 100.0), env._("Plan completion"))
        if row.get("deals_open"):
            open_deals = row["deals_open"]
            signals["next_step"] = (
                100.0 * (1 - row.get("deals_without_next_step", 0) / open_deals),
                env._(
                    "Open deals with a next step (%(without)s of %(open)s without)",
                    without=row.get("deals_without_next_step", 0),
                    open=open_deals,
                ),
            )
            signals["stale"] = (
                100.0 * (1 - row.get("deals_stale", 0) / open_deals),
                env._("Deals moving (%(stale)s of %(open)s stale)", stale=row.get("deals_stale", 0), open=open_deals),
            )
        if row.get("steps_planned"):
            signals["overdue"] = (
                100.0 * (1 - row.get("steps_overdue", 0) / row["steps_planned"]),
                env._(
                    "Steps on time (%(overdue)s of %(planned)s overdue)",
                    overdue=row.get("steps_overdue", 0),
                    planned=row["steps_planned"],
                ),
            )
        if row.get("card_count"):
            signals["cards"] = (row.get("card_completeness", 0.0), env._("Client cards complete"))
        if row.get("nps_answers"):
            signals["nps"] = ((row["nps"] + 100.0) / 2.0, env._("Clients' NPS"))
        return signals

    def _discipline_score(self, row, weights):
        """(score, breakdown): the weighted average of the signals with data, and per signal the points it cost,
        the costliest first."""
        signals = self._discipline_signals(row)
        total = sum(weights[name] for name in signals)
        if not total:
            return 0.0, self.env._("No data to score yet.")
        score = sum(weights[name] * value for name, (value, _label) in signals.items()) / total
        lost = sorted(
            ((weights[name] * (100.0 - value) / total, name) for name, (value, _label) in signals.items()),
            reverse=True,
        )
        lines = [
            self._discipline_breakdown_line(signals[name], weights[name], points)
            for points, name in lost
            if points >= 0.05
        ]
        return round(score, 1), "\n".join(lines) or self.env._("Nothing lowered the score.")

    def _discipline_breakdown_line(self, signal, weight, points):
        """One line of the breakdown: what a signal scored and the points it cost."""
        value, label = signal
        value, points = format(value, ".0f"), format(points, ".1f")
        return self.env._(
            "%(signal)s: %(value)s/100, weight %(weight)s: -%(lost)s",
            signal=label,
            value=value,
            weight=weight,
            lost=points,
        )

    # ------------------------------------------------------------------------------------------------------------
    # Figures: one grouped query each, for all the salespeople
    # ------------------------------------------------------------------------------------------------------------

    def _discipline_figures(self, user_ids, date_from, date_to):
        """{user id: {figure: value}} for the period [date_from, date_to] (flows) and now (state)."""
        start = datetime.combine(date_from, time.min)
        stop = datetime.combine(date_to + timedelta(days=1), time.min)
        figures = {}

        def merge(name, groups):
            for user, value in groups:
                if user:
                    figures.setdefault(user.id, {})[name] = value or 0

        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        users = [("user_id", "in", user_ids)]
        opportunity = [*users, ("type", "=", "opportunity")]
        closed_in = [("date_closed", ">=", start), ("date_closed", "<", stop)]
        merge(
            "deals_created",
            Lead._read_group(
                [*opportunity, ("create_date", ">=", start), ("create_date", "<", stop)], ["user_id"], ["__count"]
            ),
        )
        won = Lead._read_group(
            [*opportunity, *closed_in, ("active", "=", True), ("stage_id.is_won", "=", True)],
            ["user_id"],
            ["__count", "expected_revenue:sum"],
        )
        merge("deals_won", [(user, count) for user, count, _amount in won])
        merge("won_amount", [(user, amount) for user, _count, amount in won])
        merge("cycle_days_total", self._discipline_cycle_days(user_ids, start, stop))
        merge(
            "deals_lost",
            Lead._read_group(
                [*opportunity, *closed_in, ("active", "=", False), ("probability", "=", 0)], ["user_id"], ["__count"]
            ),
        )
        merge(
            "deals_moved",
            self.env["crm.lead.stage.history"]
            .sudo()
            ._read_group(
                [*users, ("next_stage_id", "!=", False), ("date_out", ">=", start), ("date_out", "<", stop)],
                ["user_id"],
                ["__count"],
            ),
        )
        self._discipline_activity_figures(merge, user_ids, start, stop)
        open_deals = [*opportunity, ("active", "=", True), ("stage_id.is_won", "=", False)]
        pipeline = Lead._read_group(
            open_deals, ["user_id"], ["__count", "expected_revenue:sum", "prorated_revenue:sum"]
        )
        merge("deals_open", [(user, count) for user, count, _amount, _weighted in pipeline])
        merge("pipeline_amount", [(user, amount) for user, _count, amount, _weighted in pipeline])
        merge("weighted_pipeline", [(user, weighted) for user, _count, _amount, weighted in pipeline])
        merge(
            "deals_without_next_step",
            Lead._read_group([*open_deals, ("has_next_step", "=", False)], ["user_id"], ["__count"]),
        )
        merge("deals_stale", Lead._read_group([*open_deals, ("is_stale", "=", True)], ["user_id"], ["__count"]))
        cards = (
            self.env["res.partner"]
            .sudo()
            ._read_group([*users, ("is_company", "=", True)], ["user_id"], ["__count", "data_completeness:avg"])
        )
        merge("card_count", [(user, count) for user, count, _avg in cards])
        merge("card_completeness", [(user, avg) for user, _count, avg in cards])
        nps = (
            self.env["sales.discipline.nps.answer"]
            .sudo()
            ._read_group(
                [*users, ("answer_date", ">=", start), ("answer_date", "<", stop)],
                ["user_id"],
                ["__count", "nps_points:sum"],
            )
        )
        merge("nps_answers", [(user, count) for user, count, _points in nps])
        merge("nps_points_total", [(user, points) for user, _count, points in nps])
        self._discipline_plan_figures(figures, user_ids, date_from, date_to)
        return figures

    def _discipline_cycle_days(self, user_ids, start, stop):
        """[(user, total days from creation to won)] of the deals won in the period."""
        self.env["crm.lead"].flush_model(["user_id", "create_date", "date_closed", "stage_id", "active", "type"])
        self.env.cr.execute(
            """
            SELECT lead.user_id, SUM(EXTRACT(EPOCH FROM lead.date_closed - lead.create_date)) / 86400.0
              FROM crm_lead lead
              JOIN crm_stage stage ON stage.id = lead.stage_id AND stage.is_won
             WHERE lead.user_id = ANY(%s) AND lead.type = 'opportunity' AND lead.active
               AND lead.date_closed >= %s AND lead.date_closed < %s
             GROUP BY lead.user_id
            """,
            [user_ids, start, stop],
        )
        Users = self.env["res.users"]
        return [(Users.browse(user_id), float(days)) for user_id, days in self.env.cr.fetchall()]

    def _discipline_activity_figures(self, merge, user_ids, start, stop):
        """Steps done in the period; deal steps planned and overdue now. In SQL as the superuser: never through
        mail.activity's per-record access check."""
        Activity = self.env["mail.activity"].sudo().with_context(active_test=False)
        merge(
            "activities_done",
            Activity._read_group(
                [
                    ("user_id", "in", user_ids),
                    ("active", "=", False),
                    ("date_done", ">=", start.date()),
                    ("date_done", "<", stop.date()),
                ],
                ["user_id"],
                ["__count"],
            ),
        )
        today = fields.Date.context_today(self)
        planned = Activity._read_group(
            [("user_id", "in", user_ids), ("active", "=", True), ("res_model", "=", "crm.lead")],
            ["user_id"],
            ["__count"],
        )
        merge("steps_planned", planned)
        merge(
            "steps_overdue",
            Activity._read_group(
                [
                    ("user_id", "in", user_ids),
                    ("active", "=", True),
                    ("res_model", "=", "crm.lead"),
                    ("date_deadline", "<", today),
                ],
                ["user_id"],
                ["__count"],
            ),
        )

    def _discipline_plan_figures(self, figures, user_ids, date_from, date_to):
        """The average completion of the salesperson's targets for exactly this period, where a plan exists (the
        facts of the last hourly refresh)."""
        domain = [
            ("plan_id.scope", "=", "user"),
            ("plan_id.user_id", "in", user_ids),
            ("plan_id.date_from", "=", date_from),
            ("plan_id.date_to", "=", date_to),
        ]
        groups = (
            self.env["sales.discipline.plan.line"].sudo()._read_group(domain, ["user_id"], ["stored_completion:avg"])
        )
        for user, completion in groups:
            figures.setdefault(user.id, {}).update(has_plan=True, plan_completion=completion or 0.0)
        targets = (
            self.env["sales.discipline.plan.line"]
            .sudo()
            ._read_group([*domain, ("kpi_id.code", "=", "turnover")], ["user_id"], ["target:sum"])
        )
        for user, target in targets:
            figures.setdefault(user.id, {})["turnover_target"] = target or 0.0
