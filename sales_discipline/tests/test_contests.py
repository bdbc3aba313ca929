from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from ..models.sales_discipline_kpi import period_bounds
from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestContests(DealDisciplineCase):
    """SC-2: contests with standings from the KPI's facts, winners and a monthly rotation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kpi_won = cls.env.ref("sales_discipline.kpi_deals_won")
        cls.kpi_turnover = cls.env.ref("sales_discipline.kpi_turnover")
        cls.month = period_bounds("month", fields.Date.today())
        Lead = cls.env["crm.lead"]
        for name, user in (("Pumps", cls.salesperson), ("Valves", cls.salesperson), ("Hoses", cls.colleague)):
            deal = Lead.create(cls.deal_vals(name=name, user_id=user.id, expected_revenue=1000.0))
            deal.stage_id = cls.stage_won
        Lead.create(cls.deal_vals(name="Tanks"))  # open: not counted
        cls.Contest = cls.env["sales.discipline.contest"]

    def _contest(self, user=None, **values):
        Contest = self.Contest.with_user(user or self.team_lead)
        return Contest.create(
            {"name": "Deals of the month", "kpi_id": self.kpi_won.id, "team_id": self.team.id, **values}
        )

    def test_standings_rank_the_participants_by_the_kpis_facts(self):
        contest = self._contest()
        self.assertEqual((contest.date_from, contest.date_to), self.month, "this month by default")
        contest.action_start()
        self.assertEqual(contest.state, "running")
        self.assertEqual(
            [(s.user_id, s.rank, s.share_of_leader) for s in contest.standing_ids],
            [(self.salesperson, 1, 100.0), (self.colleague, 2, 50.0), (self.team_lead, 3, 0.0)],
        )
        self.assertEqual(contest.standing_ids.mapped("fact"), [2.0, 1.0, 0.0])
        # the results on the dashboard: the salesperson's card says their place
        Scorecard = self.env["sales.discipline.scorecard"]
        Scorecard._discipline_refresh("month", *self.month)
        cards = Scorecard.with_user(self.team_lead).search(
            [("date_from", "=", self.month[0]), ("period_type", "=", "month"), ("user_id", "!=", False)]
        )
        self.assertEqual(
            {card.user_id: card.contest_standing for card in cards},
            {self.salesperson: "Deals of the month: 1 of 3", self.colleague: "Deals of the month: 2 of 3"},
        )

    def test_a_company_wide_contest_counts_every_team_member_once(self):
        other = new_test_user(self.env, login="sd_other_team", groups="sales_team.group_sale_salesman")
        self.env["crm.team"].create({"name": "Other Team", "member_ids": [(4, other.id), (4, self.salesperson.id)]})
        contest = self._contest(self.head, team_id=False)
        contest.action_start()
        users = contest.standing_ids.mapped("user_id")
        self.assertEqual(len(users), len(contest.standing_ids), "one standing each, in two teams or not")
        self.assertLessEqual(self.salesperson | self.colleague | other, users)
        self.assertEqual(users, self.env["crm.team"].search([]).member_ids)

    def test_finish_records_the_winners_and_a_rotating_contest_starts_next_month(self):
        contest = self._contest(rotate_monthly=True)
        contest.action_start()
        contest.action_finish()
        self.assertEqual((contest.state, contest.winner_ids), ("done", self.salesperson))
        following = self.Contest.search([("previous_contest_id", "=", contest.id)])
        self.assertEqual(following.state, "running")
        self.assertEqual(following.date_from, self.month[1] + timedelta(days=1))
        self.assertEqual(following.date_to, period_bounds("month", following.date_from)[1])
        self.assertEqual((following.kpi_id, following.team_id, following.name), (self.kpi_won, self.team, contest.name))

    def test_cron_starts_refreshes_and_finishes_by_the_dates(self):
        due = self._contest(date_from=date(2030, 1, 1), date_to=date(2030, 1, 31), rotate_monthly=True)
        with freeze_time("2030-01-05"):
            self.Contest._cron_discipline_contests()
        self.assertEqual(due.state, "running")
        with freeze_time("2030-02-01"):
            self.Contest._cron_discipline_contests()
        self.assertEqual(due.state, "done")
        self.assertFalse(due.winner_ids, "nobody won a deal in January 2030")
        following = self.Contest.search([("previous_contest_id", "=", due.id)])
        self.assertEqual((following.date_from, following.date_to), (date(2030, 2, 1), date(2030, 2, 28)))
        with freeze_time("2030-02-01"):
            self.Contest._cron_discipline_contests()
        self.assertEqual(self.Contest.search_count([("previous_contest_id", "=", due.id)]), 1, "rotated once")

    def test_salespeople_read_ranks_and_shares_never_colleagues_amounts(self):
        contest = self._contest(kpi_id=self.kpi_turnover.id)
        contest.action_start()
        # a salesperson set up the usual Odoo way, in the team
        odoo_user = new_test_user(self.env, login="sd_odoo_sales", groups="sales_team.group_sale_salesman")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": odoo_user.id})]
        for user in (self.salesperson, odoo_user):
            standings = contest.with_user(user).standing_ids
            self.assertEqual(standings.mapped("rank"), [1, 2, 3], user.login)
            self.assertEqual(standings.mapped("share_of_leader"), [100.0, 50.0, 0.0])
            with self.assertRaises(AccessError):
                standings.read(["fact"])
        self.assertEqual(contest.with_user(self.team_lead).standing_ids.mapped("fact"), [2000.0, 1000.0, 0.0])
        elsewhere = new_test_user(self.env, login="sd_elsewhere", groups="sales_team.group_sale_salesman")
        other_team = self.env["crm.team"].create({"name": "Other Team", "member_ids": [(4, elsewhere.id)]})
        other = self._contest(self.head, team_id=other_team.id)
        self.assertFalse(self.Contest.with_user(self.salesperson).search([("id", "=", other.id)]))

    def test_who_runs_a_contest(self):
        self.assertRefused(
            AccessError,
            "You are not allowed to create 'Sales Contest' (sales.discipline.contest) records.\n\n"
            "This operation is allowed for the following groups:\n"
            "\t- Sales/Administrator\n\t- Sales Discipline/Team Lead\n\n"
            "Contact your administrator to request access if necessary.",
            self._contest,
            self.salesperson,
        )
        other_team = self.env["crm.team"].create({"name": "Other Team"})
        with self.assertRaises(AccessError):
            self._contest(team_id=other_team.id)
        with self.assertRaises(AccessError):
            self._contest(team_id=False)
        contest = self._contest()
        for action in ("action_start", "action_finish"):
            with self.assertRaises(AccessError):
                getattr(contest.with_user(self.salesperson), action)()
        self.assertEqual(contest.state, "draft")

    def test_a_started_contest_keeps_its_rules_and_bad_dates_are_refused(self):
        contest = self._contest()
        contest.action_start()
        self.assertRefused(
            UserError,
            "A contest that has started keeps its KPI, its period and its participants.",
            contest.write,
            {"kpi_id": self.kpi_turnover.id},
        )
        self.assertRefused(UserError, "Only a draft contest can be started.", contest.action_start)
        self.assertRefused(
            ValidationError,
            "The contest Late ends before it starts.",
            self._contest,
            name="Late",
            date_from=date(2030, 2, 1),
            date_to=date(2030, 1, 1),
        )

    def test_the_form_creates_a_contest(self):
        with Form(self.Contest.with_user(self.team_lead)) as form:
            form.name = "Most meetings"
            form.kpi_id = self.kpi_won
            form.team_id = self.team
        self.assertEqual(form.record.state, "draft")
