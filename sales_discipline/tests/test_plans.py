import re
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealDisciplineCase
from .test_odoo_users import form_user


class PlanCase(DealDisciplineCase):
    """A year plan of the company, its quarter, a month for the team and for its two salespeople, with won deals
    of both in that month and in the next."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Plan = cls.env["sales.discipline.plan"]
        cls.kpi = {
            code: cls.env.ref(f"sales_discipline.kpi_{code}")
            for code in ("turnover", "deals_won", "deals_created", "deals_moved", "non_standard", "result_calls")
        }
        cls.year = cls.Plan.create({"period_type": "year", "date_from": "2030-05-17", "scope": "company"})
        cls.quarter = cls.Plan.create(
            {"period_type": "quarter", "date_from": "2030-02-01", "scope": "company", "parent_id": cls.year.id}
        )
        cls.company_january = cls.Plan.create(
            {"period_type": "month", "date_from": "2030-01-01", "scope": "company", "parent_id": cls.quarter.id}
        )
        cls.team_january = cls.month_plan("team", parent=cls.company_january)
        cls.own_january = cls.month_plan("user", user=cls.salesperson, parent=cls.team_january)
        cls.colleague_january = cls.month_plan("user", user=cls.colleague, parent=cls.team_january)
        Lead = cls.env["crm.lead"].with_context(tracking_disable=True)
        cls.won = {}
        for user, amount, closed in (
            (cls.salesperson, 100_000, datetime(2030, 1, 10, 12)),
            (cls.salesperson, 50_000, datetime(2030, 1, 31, 20)),
            (cls.colleague, 30_000, datetime(2030, 1, 15, 9)),
            (cls.salesperson, 70_000, datetime(2030, 2, 1, 0, 30)),
        ):
            deal = Lead.create(cls.deal_vals(name=f"{user.name} {amount}", user_id=user.id, expected_revenue=amount))
            deal.sudo().write({"stage_id": cls.stage_won.id})
            deal.sudo().write({"date_closed": closed})
            cls.won[(user.login, amount)] = deal

    @classmethod
    def month_plan(cls, scope, user=None, parent=None, day="2030-01-01"):
        return cls.Plan.create(
            {
                "period_type": "month",
                "date_from": day,
                "scope": scope,
                "team_id": cls.team.id,
                "user_id": user.id if user else False,
                "parent_id": parent.id if parent else False,
            }
        )

    def add_targets(self, plan, **targets):
        plan.write(
            {"line_ids": [(0, 0, {"kpi_id": self.kpi[code].id, "target": value}) for code, value in targets.items()]}
        )
        return {line.kpi_id.code: line for line in plan.line_ids}


@tagged("post_install", "-at_install")
class TestPlanTree(PlanCase):
    """PL-1: periods and scopes cascade, each child inside its parent; one plan per period, scope and company."""

    def test_a_plan_starts_and_ends_with_its_period_and_the_tree_goes_both_ways(self):
        self.assertEqual((self.year.date_from, self.year.date_to), (date(2030, 1, 1), date(2030, 12, 31)))
        self.assertEqual((self.quarter.date_from, self.quarter.date_to), (date(2030, 1, 1), date(2030, 3, 31)))
        week = self.Plan.create(
            {"period_type": "week", "date_from": "2030-01-09", "scope": "company", "parent_id": self.company_january.id}
        )
        self.assertEqual((week.date_from, week.date_to), (date(2030, 1, 7), date(2030, 1, 13)))
        self.assertEqual(self.year.child_ids, self.quarter)
        self.assertEqual(self.own_january.parent_id.parent_id.parent_id.parent_id, self.year)
        self.assertIn(self.own_january, self.Plan.search([("parent_id", "child_of", self.year.id)]))
        self.assertEqual(self.quarter.action_open_children()["domain"], [("parent_id", "=", self.quarter.id)])

    def test_a_child_outside_its_parent_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "does not fit inside"):
            self.Plan.create(
                {"period_type": "month", "date_from": "2030-04-01", "scope": "company", "parent_id": self.quarter.id}
            )
        with self.assertRaisesRegex(ValidationError, "does not fit inside"):
            self.month_plan("user", user=self.salesperson, parent=self.company_january, day="2030-02-01")

    def test_a_plan_is_unique_per_period_scope_and_company(self):
        with self.assertRaisesRegex(ValidationError, "The plan January 2030 · Sasha Salesperson exists already"):
            self.month_plan("user", user=self.salesperson)

    def test_a_salesperson_outside_the_team_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "is not a member of Discipline Test Team"):
            self.month_plan("user", user=self.head, parent=self.team_january)


@tagged("post_install", "-at_install")
class TestPlanFacts(PlanCase):
    """PL-4: facts come from the data, per level, in one grouped query per KPI for the plans of one level."""

    def test_facts_per_salesperson_team_and_company_come_from_the_won_deals(self):
        own = self.add_targets(self.own_january, turnover=200_000, deals_won=3)
        colleague = self.add_targets(self.colleague_january, turnover=50_000)
        team = self.add_targets(self.team_january, turnover=300_000)
        company = self.add_targets(self.company_january, turnover=300_000)
        quarter = self.add_targets(self.quarter, turnover=600_000)
        self.assertEqual((own["turnover"].fact, own["deals_won"].fact), (150_000, 2))
        self.assertEqual(own["turnover"].completion, 75.0)
        self.assertEqual(colleague["turnover"].fact, 30_000)
        self.assertEqual(team["turnover"].fact, 180_000)
        self.assertEqual(company["turnover"].fact, 180_000)
        self.assertEqual(quarter["turnover"].fact, 250_000)

    def test_client_satisfaction_is_the_nps_of_the_period(self):
        client = self.env["res.partner"].create(self.company_vals())
        Answer = self.env["sales.discipline.nps.answer"]
        for score, day in ((10, 5), (9, 20), (3, 28), (0, 40)):  # the last one in February
            Answer.create(
                {"partner_id": client.id, "score": score, "answer_date": datetime(2030, 1, 1) + timedelta(days=day)}
            )
        nps = self.env.ref("sales_discipline.kpi_nps")
        self.own_january.write({"line_ids": [(0, 0, {"kpi_id": nps.id, "target": 50})]})
        line = self.own_january.line_ids.filtered(lambda target: target.kpi_id == nps)
        self.assertAlmostEqual(line.fact, 100 / 3, places=2)  # 2 promoters, 1 detractor of 3 answers
        self.assertFalse(nps._discipline_applies_to("week"))

    def test_proposals_and_the_days_to_them_come_from_the_stage_history(self):
        """PL-2: proposals prepared are the entries into a stage whose milestone is a proposal, for the salesperson
        of the deal at that moment, and the time to prepare one is the average of the days from the deals' start."""
        self.stage_proposal.milestone = "proposal"
        Lead = self.env["crm.lead"].with_context(tracking_disable=True)
        ready = {"description": "<p>Two pumps</p>", "source_id": self.source.id}
        for user, started, proposed in (
            (self.salesperson, datetime(2030, 1, 2, 9), datetime(2030, 1, 12, 9)),
            (self.salesperson, datetime(2029, 12, 27, 9), datetime(2030, 1, 3, 9)),
            (self.colleague, datetime(2030, 1, 5, 9), datetime(2030, 1, 9, 9)),
            (self.salesperson, datetime(2030, 1, 20, 9), datetime(2030, 2, 2, 9)),
        ):
            with freeze_time(started):
                deal = Lead.create(self.deal_vals(user_id=user.id, **ready))
            with freeze_time(proposed):
                deal.write({"stage_id": self.stage_proposal.id})
        deal.sudo().user_id = self.colleague  # handed over after its proposal: the proposal stays the salesperson's
        self.kpi.update(
            {code: self.env.ref(f"sales_discipline.kpi_{code}") for code in ("proposals", "time_to_proposal")}
        )
        own = self.add_targets(self.own_january, proposals=3, time_to_proposal=7)
        colleague = self.add_targets(self.colleague_january, proposals=1)
        team = self.add_targets(self.team_january, time_to_proposal=7)
        self.assertEqual((own["proposals"].fact, colleague["proposals"].fact), (2, 1))
        self.assertAlmostEqual(own["time_to_proposal"].fact, 8.5)  # 10 and 7 days
        self.assertAlmostEqual(team["time_to_proposal"].fact, 7.0)  # 10, 7 and 4 days
        with self.assertRaisesRegex(AccessError, "guidance or the milestone of a stage"):
            self.stage_proposal.with_user(self.head).milestone = "contract"

    def test_the_shipped_stages_carry_their_milestones_and_the_kpis_hand_entered_are_marked(self):
        milestones = {
            xmlid: self.env.ref(xmlid).milestone
            for xmlid in (
                "crm.stage_lead3",
                "sales_discipline.crm_stage_new_proposal_sent",
                "sales_discipline.crm_stage_new_terms_agreed",
                "sales_discipline.crm_stage_current_order_agreed",
            )
        }
        self.assertEqual(list(milestones.values()), ["proposal", "proposal", "contract", "contract"])
        manual = self.env["sales.discipline.kpi"].search([("source", "=", "manual")]).mapped("code")
        self.assertEqual(sorted(manual), ["churn", "complaints", "non_standard", "pilots", "pilots_amount", "quality"])

    def test_a_deal_handed_over_counts_for_its_new_owner(self):
        own = self.add_targets(self.own_january, turnover=1)
        colleague = self.add_targets(self.colleague_january, turnover=1)
        self.won[("sd_salesperson", 50_000)].sudo().user_id = self.colleague
        (own["turnover"] | colleague["turnover"]).invalidate_recordset(["fact"])
        self.assertEqual((own["turnover"].fact, colleague["turnover"].fact), (100_000, 80_000))

    def test_one_query_per_kpi_for_all_the_plans_of_a_level(self):
        lines = self.env["sales.discipline.plan.line"]
        for plan in (self.own_january, self.colleague_january):
            lines |= self.add_targets(plan, turnover=1, deals_won=1)["turnover"].plan_id.line_ids
        lines.invalidate_recordset(["fact"])
        # turnover and deals won, for both salespeople at once, and one read of the targets and their plans
        with self.assertQueryCount(3):
            facts = sorted(lines.mapped("fact"))
        self.assertEqual(facts, [1.0, 2.0, 30_000.0, 150_000.0])

    def test_a_salespersons_facts_are_read_from_the_covering_indexes_alone(self):
        """My Earnings at a real size: the facts of one salesperson's period must not visit every deal of theirs
        (1.8 s at 1,000,000 deals without these indexes, bench/bench_plans.py)."""
        self.add_targets(self.own_january, turnover=1, deals_created=1, result_calls=1)
        plans = self.own_january
        for code, index in (
            ("turnover", "crm_lead_discipline_closed_idx"),
            ("deals_created", "crm_lead_discipline_created_idx"),
            ("result_calls", "mail_activity_discipline_done_idx"),
        ):
            with self.subTest(code):
                query = self.kpi[code]._discipline_fact_query(plans)
                self.env.flush_all()
                self.kpi[code]._discipline_grouped_rows(query)
                statement = self.env.cr._obj.query  # the grouped query just sent
                self.assertIn(b"GROUP BY", statement)
                table = query["model"]._table
                read = set(re.findall(rf'"{table}"\."(\w+)"', statement.decode()))
                self.env.cr.execute("SELECT pg_get_indexdef(%s::regclass)", [index])
                definition = self.env.cr.fetchone()[0]
                self.assertIn(f"({query['by_field']}, {self.kpi[code].date_field})", definition)
                covered = set(re.findall(r"\w+", definition.split(" USING btree ", 1)[1]))
                # what PostgreSQL reads of the table for this statement is all in the index: an index-only scan
                self.assertLessEqual(read, covered, definition)

    def test_a_manual_kpi_takes_a_typed_fact_and_a_data_kpi_refuses_one(self):
        lines = self.add_targets(self.team_january, non_standard=4, turnover=1)
        lines["non_standard"].manual_fact = 3
        self.assertEqual(lines["non_standard"].completion, 75.0)
        with self.assertRaisesRegex(ValidationError, "comes from the data: it is not typed"):
            lines["turnover"].manual_fact = 5

    def test_activities_count_for_the_team_members(self):
        call = self.env["mail.activity.type"].search([("funnel_kind", "=", "result_call")], limit=1)
        self.assertTrue(call, "the addon ships a result call type")
        deal = self.won[("sd_salesperson", 100_000)]
        for user in (self.salesperson, self.colleague, self.head):
            self.env["mail.activity"].create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": deal.id,
                    "activity_type_id": call.id,
                    "user_id": user.id,
                    "date_deadline": "2030-01-09",
                    "summary": "Call",
                    "goal": "Reach the buyer",
                }
            ).sudo().write({"active": False, "date_done": "2030-01-09"})
        team = self.add_targets(self.team_january, result_calls=10)
        own = self.add_targets(self.own_january, result_calls=5)
        self.assertEqual((team["result_calls"].fact, own["result_calls"].fact), (2, 1))

    def test_stored_facts_for_the_pivot_are_refreshed_in_one_statement(self):
        lines = self.add_targets(self.own_january, turnover=300_000, deals_won=4)
        records = lines["turnover"] | lines["deals_won"]
        self.env["sales.discipline.plan.line"]._cron_discipline_refresh_facts()
        self.assertEqual(records.mapped("stored_fact"), [150_000.0, 2.0])
        groups = self.env["sales.discipline.plan.line"]._read_group(
            [("id", "in", records.ids)], ["kpi_id"], ["stored_fact:sum", "target:sum"]
        )
        self.assertEqual(
            {kpi.code: (fact, target) for kpi, fact, target in groups},
            {"turnover": (150_000.0, 300_000.0), "deals_won": (2.0, 4.0)},
        )


@tagged("post_install", "-at_install")
class TestPlanBadInput(PlanCase):
    """Bad input is refused with a clear message, nothing saved."""

    def test_negative_target_kpi_on_a_wrong_period_and_a_sixth_kpi_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "The target of Turnover cannot be negative"):
            self.add_targets(self.team_january, turnover=-5)
        with self.assertRaisesRegex(ValidationError, "The KPI Turnover is not planned per week"):
            week = self.Plan.create(
                {
                    "period_type": "week",
                    "date_from": "2030-01-07",
                    "scope": "company",
                    "parent_id": self.company_january.id,
                }
            )
            self.add_targets(week, turnover=10)
        kpis = self.env["sales.discipline.kpi"].search([("on_month", "=", True)], limit=6)
        self.assertEqual(len(kpis), 6)
        with self.assertRaisesRegex(ValidationError, "at most 5 KPIs"), self.env.cr.savepoint():
            self.own_january.write({"line_ids": [(0, 0, {"kpi_id": kpi.id, "target": 1}) for kpi in kpis]})
        self.own_january.invalidate_recordset()
        self.assertFalse(self.own_january.line_ids)

    def test_a_kpi_naming_a_missing_field_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "names the field amount_total, which crm.lead does not store"):
            self.env["sales.discipline.kpi"].create(
                {
                    "name": "Broken",
                    "code": "broken",
                    "model_name": "crm.lead",
                    "date_field": "date_closed",
                    "aggregate": "sum",
                    "value_field": "amount_total",
                }
            )


@tagged("post_install", "-at_install")
class TestPlanApproval(PlanCase):
    """PL-5 and PL-6: each level is approved by the level above; once approved, targets only go up."""

    def test_each_level_is_approved_by_the_level_above(self):
        self.add_targets(self.own_january, turnover=100)
        plan = self.own_january.with_user(self.head)
        plan.action_submit()
        with self.assertRaisesRegex(AccessError, "Sasha Salesperson cannot approve"):
            self.own_january.with_user(self.salesperson).action_approve()
        plan.action_approve()
        self.assertEqual((self.own_january.state, self.own_january.approved_by_id), ("approved", self.head))
        self.assertTrue(any("Approved by Hermann Head" in body for body in self.own_january.message_ids.mapped("body")))
        self.add_targets(self.year, turnover=1_000_000)
        self.year.action_submit()
        director = self.discipline_admin
        self.company.with_user(self.discipline_admin).discipline_plan_director_id = director
        with self.assertRaisesRegex(AccessError, "Hermann Head cannot approve .*: Ada Discipline Admin approves it"):
            self.year.with_user(self.head).action_approve()
        self.year.with_user(director).action_approve()
        self.assertEqual(self.year.state, "approved")

    def test_an_approved_target_only_goes_up_on_every_path_and_every_correction_is_kept(self):
        lines = self.add_targets(self.team_january, turnover=100_000)
        self.team_january.action_submit()
        self.team_january.with_user(self.head).action_approve()
        line = lines["turnover"].with_user(self.head)
        line.target = 120_000
        message = (
            "The plan January 2030 · Discipline Test Team is approved: the target of Turnover can only go up, not "
            "from 120000 to 90000."
        )
        with self.assertRaisesRegex(UserError, message):
            line.target = 90_000
        with self.assertRaisesRegex(UserError, "only go up"):
            line.with_context(sales_discipline_replan=True).write({"target": 90_000})
        result = (
            self.env["sales.discipline.plan.line"]
            .with_user(self.head)
            .load(["id", "target"], [[line.get_external_id().get(line.id) or self._export_id(line), "80000"]])
        )
        self.assertTrue(any("only go up" in message["message"] for message in result["messages"]), result)
        with self.assertRaisesRegex(UserError, "is not removed"):
            line.unlink()
        self.assertEqual(line.target, 120_000)
        self.assertEqual(
            [(r.old_target, r.new_target, r.create_uid, r.replan) for r in line.revision_ids],
            [(100_000, 120_000, self.head, False)],
        )

    def test_the_status_changes_through_the_buttons_only(self):
        """A team lead may edit their team's month plan, not approve it by writing its status over RPC."""
        self.add_targets(self.team_january, turnover=100)
        plan = self.team_january.with_user(self.team_lead)
        for values in ({"state": "approved"}, {"approved_by_id": self.team_lead.id}):
            with self.assertRaisesRegex(UserError, "submitted, approved or sent back to draft with its buttons"):
                plan.write(values)
        plan.action_submit()
        self.assertEqual(self.team_january.state, "submitted")
        with self.assertRaisesRegex(AccessError, "Tanya Team Lead cannot approve"):
            plan.action_approve()
        self.team_january.with_user(self.head).action_approve()
        line = self.team_january.line_ids.with_user(self.head)
        with self.assertRaisesRegex(UserError, "keeps its KPI and its plan"):
            line.plan_id = self.company_january

    def test_a_plan_created_without_a_start_starts_with_its_period(self):
        with freeze_time("2030-05-17"):
            plan = self.Plan.with_user(self.head).create(
                {"period_type": "quarter", "scope": "team", "team_id": self.team.id}
            )
        self.assertEqual((plan.date_from, plan.date_to), (date(2030, 4, 1), date(2030, 6, 30)))
        standalone = self.Plan.create({"period_type": "month", "date_from": "2030-06-01", "scope": "company"})
        plans = standalone | self.year
        plans.write({"date_from": "2031-03-03"})
        self.assertEqual(plans.mapped("date_from"), [date(2031, 3, 1), date(2031, 1, 1)])

    def test_the_discipline_administrator_replans_down_with_a_reason(self):
        lines = self.add_targets(self.team_january, turnover=100_000)
        self.team_january.action_submit()
        self.team_january.with_user(self.head).action_approve()
        Replan = self.env["sales.discipline.plan.replan"]
        wizard = Replan.with_user(self.discipline_admin).create(
            {"line_id": lines["turnover"].id, "target": 60_000, "reason": "The main client went bankrupt"}
        )
        wizard.action_apply()
        self.assertEqual(lines["turnover"].target, 60_000)
        revision = lines["turnover"].revision_ids
        self.assertEqual(
            (revision.old_target, revision.new_target, revision.replan, revision.reason),
            (100_000, 60_000, True, "The main client went bankrupt"),
        )
        self.assertTrue(
            any("Re-planned by Ada Discipline Admin" in body for body in self.team_january.message_ids.mapped("body"))
        )
        with self.assertRaises(AccessError):  # the head has no access to the re-plan at all
            Replan.with_user(self.head).create({"line_id": lines["turnover"].id, "target": 10, "reason": "x"})

    def _export_id(self, record):
        return record.sudo()._export_rows([["id"]])[0][0]


@tagged("post_install", "-at_install")
class TestPlanVisibility(PlanCase):
    """PL-5, SE-3: a salesperson sees their plans and their teams' and company's totals, never a colleague's
    targets, and sets their own days; a team lead their teams'; the head every plan."""

    def test_each_role_reads_what_it_may(self):
        plans = (
            self.year
            | self.quarter
            | self.company_january
            | self.team_january
            | self.own_january
            | self.colleague_january
        )
        seen = {
            user.login: self.Plan.with_user(user).search([("id", "in", plans.ids)])
            for user in (self.salesperson, self.team_lead, self.head)
        }
        self.assertEqual(seen["sd_salesperson"], plans - self.colleague_january)
        self.assertEqual(seen["sd_team_lead"], plans)
        self.assertEqual(seen["sd_head"], plans)
        with self.assertRaises(AccessError):
            self.colleague_january.with_user(self.salesperson).read(["name"])

    def test_a_salesperson_sets_their_own_days_only(self):
        Plan = self.Plan.with_user(self.salesperson)
        day = Plan.create(
            {
                "period_type": "day",
                "date_from": "2030-01-14",
                "scope": "user",
                "team_id": self.team.id,
                "user_id": self.salesperson.id,
                "parent_id": False,
            }
        )
        self.assertEqual(day.date_to, date(2030, 1, 14))
        with self.assertRaises(AccessError):
            Plan.create(
                {
                    "period_type": "week",
                    "date_from": "2030-01-14",
                    "scope": "user",
                    "team_id": self.team.id,
                    "user_id": self.salesperson.id,
                }
            )
        with self.assertRaises(AccessError):
            self.own_january.with_user(self.salesperson).write(
                {"line_ids": [(0, 0, {"kpi_id": self.kpi["turnover"].id, "target": 1})]}
            )

    def test_the_plan_form_works_for_the_head(self):
        form = Form(self.Plan.with_user(self.head))
        form.period_type = "month"
        form.date_from = date(2030, 3, 12)
        form.scope = "team"
        form.team_id = self.team
        with form.line_ids.new() as line:
            line.kpi_id = self.kpi["turnover"]
            line.target = 10_000
        plan = form.save()
        self.assertEqual((plan.date_from, plan.line_ids.kpi_id), (date(2030, 3, 1), self.kpi["turnover"]))
        plan.action_add_manager_kpis()
        self.assertEqual(
            set(plan.line_ids.kpi_id.mapped("code")), {"turnover", "deals_won", "deals_created", "deals_moved"}
        )

    def test_users_set_up_the_usual_odoo_way(self):
        """Sales rights picked in the user form, default groups kept, none of the addon's roles: "Own Documents"
        reads their own and the team's plans, not a colleague's; "All Documents" reads all and approves months."""
        admin_env = self.env(
            user=new_test_user(
                self.env, login="sd_plan_rights", groups="base.group_erp_manager,base.group_partner_manager"
            )
        )
        own_docs = form_user(admin_env, "sd_plan_own", "Olga Own Plans", "sales_team.group_sale_salesman")
        all_docs = form_user(admin_env, "sd_plan_all", "Artem All Plans", "sales_team.group_sale_salesman_all_leads")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": own_docs.id})]
        own_plan = self.month_plan("user", user=own_docs, parent=self.team_january)
        plans = self.team_january | own_plan | self.own_january
        self.assertEqual(self.Plan.with_user(own_docs).search([("id", "in", plans.ids)]), self.team_january | own_plan)
        self.assertEqual(self.Plan.with_user(all_docs).search([("id", "in", plans.ids)]), plans)
        self.add_targets(own_plan, turnover=10)
        own_plan.with_user(all_docs).action_submit()
        own_plan.with_user(all_docs).action_approve()
        self.assertEqual(own_plan.approved_by_id, all_docs)

    def test_the_plan_screens_open_for_a_salesperson(self):
        for xmlid in (
            "sales_discipline_plan_action",
            "sales_discipline_plan_line_action",
            "sales_discipline_plan_revision_action",
        ):
            action = self.env.ref(f"sales_discipline.{xmlid}")
            Model = self.env[action.res_model].with_user(self.salesperson)
            views = Model.get_views([(False, mode) for mode in action.view_mode.split(",")] + [(False, "search")])
            self.assertEqual(set(views["views"]), {*action.view_mode.split(","), "search"}, xmlid)
        self.add_targets(self.own_january, turnover=100)
        groups = (
            self.env["sales.discipline.plan.line"]
            .with_user(self.salesperson)
            .read_group([], ["target:sum", "stored_fact:sum"], ["kpi_id"])
        )
        self.assertEqual([(group["kpi_id"][1], group["target"]) for group in groups], [("Turnover", 100.0)])


@tagged("post_install", "-at_install")
class TestPlanSplit(PlanCase):
    """PL-1, PL-5: a plan's targets are split to the plans below it, evenly, by weights or by working days; the
    children's sum is shown against the parent and a mismatch is flagged."""

    def split(self, plan, user, **values):
        form = Form(self.env["sales.discipline.plan.split"].with_user(user).with_context(default_plan_id=plan.id))
        for name, value in values.items():
            if name != "weights":
                setattr(form, name, value)
        for index, weight in enumerate(values.get("weights", [])):
            with form.line_ids.edit(index) as line:
                line.weight = weight
        wizard = form.save()
        wizard.action_apply()
        return wizard

    def test_a_quarter_is_split_evenly_into_its_months_in_whole_deals(self):
        lines = self.add_targets(self.quarter, turnover=900_000, deals_won=10)
        self.split(self.quarter, self.head, direction="period", method="even")
        months = self.quarter.child_ids.sorted("date_from")
        self.assertEqual(months.mapped("date_from"), [date(2030, 1, 1), date(2030, 2, 1), date(2030, 3, 1)])
        self.assertIn(self.company_january, months, "the month that existed is reused")
        targets = [{line.kpi_id.code: line.target for line in month.line_ids} for month in months]
        self.assertEqual(
            targets,
            [
                {"turnover": 300_000, "deals_won": 4},
                {"turnover": 300_000, "deals_won": 3},
                {"turnover": 300_000, "deals_won": 3},
            ],
        )
        lines["turnover"].invalidate_recordset(["children_target", "split_mismatch"])
        self.assertEqual((lines["turnover"].children_target, lines["turnover"].split_mismatch), (900_000, False))
        months[0].line_ids.filtered(lambda line: line.kpi_id.code == "turnover").target = 350_000
        self.assertTrue(lines["turnover"].split_mismatch)

    def test_a_team_month_is_split_to_its_members_by_weights(self):
        self.own_january.unlink()
        self.colleague_january.unlink()
        self.add_targets(self.team_january, turnover=90_000)
        wizard = self.split(self.team_january, self.team_lead, direction="scope", method="weights", weights=[2, 1])
        self.assertEqual(wizard.line_ids.user_id, self.salesperson | self.colleague)
        targets = {plan.user_id: plan.line_ids.target for plan in self.team_january.child_ids}
        self.assertEqual(targets, {self.salesperson: 60_000, self.colleague: 30_000})

    def test_a_month_is_split_into_its_weeks_by_working_days(self):
        self.add_targets(self.company_january, deals_created=19, turnover=1_000)
        self.split(self.company_january, self.head, direction="period", method="working_days")
        weeks = self.company_january.child_ids.filtered(lambda plan: plan.period_type == "week").sorted("date_from")
        self.assertEqual(
            weeks.mapped("date_from"), [date(2030, 1, 7), date(2030, 1, 14), date(2030, 1, 21), date(2030, 1, 28)]
        )
        self.assertEqual(
            [week.line_ids.mapped("kpi_id.code") for week in weeks],
            [["deals_created"]] * 4,
            "turnover is not planned per week",
        )
        self.assertEqual([week.line_ids.target for week in weeks], [5, 5, 5, 4])

    def test_working_days_come_from_the_companys_calendar_and_its_public_holidays(self):
        calendar = self.company.resource_calendar_id
        self.assertTrue(calendar, "a company has Odoo's standard 40-hour week")
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": calendar.id,
                "date_from": datetime(2030, 1, 15, 0, 0),
                "date_to": datetime(2030, 1, 15, 23, 59),
            }
        )
        calendar.tz = "UTC"
        wizard = (
            self.env["sales.discipline.plan.split"]
            .with_user(self.head)
            .create({"plan_id": self.company_january.id, "direction": "period", "method": "working_days"})
        )
        wizard._onchange_children()
        self.assertEqual(wizard.line_ids.sorted("date_from").mapped("weight"), [5.0, 4.0, 5.0, 4.0])

    def test_a_salespersons_own_leaves_count_where_odoo_knows_their_working_time(self):
        """PL-5: split by working days, a salesperson on leave for two days of the month gets two days less; their
        working time is their resource's (an employee's, with the leaves that Time Off validates), so the addon
        needs neither HR nor Time Off, and a colleague without one keeps the company's calendar."""
        calendar = self.company.resource_calendar_id
        calendar.tz = "UTC"
        resource = self.env["resource.resource"].create(
            {"name": self.salesperson.name, "user_id": self.salesperson.id, "calendar_id": calendar.id, "tz": "UTC"}
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Time off",
                "calendar_id": calendar.id,
                "resource_id": resource.id,
                "date_from": datetime(2030, 1, 14, 0, 0),
                "date_to": datetime(2030, 1, 15, 23, 59),
            }
        )
        wizard = (
            self.env["sales.discipline.plan.split"]
            .with_user(self.team_lead)
            .create({"plan_id": self.team_january.id, "direction": "scope", "method": "working_days"})
        )
        wizard._onchange_children()
        weights = {line.user_id: line.weight for line in wizard.line_ids}
        self.assertEqual(weights, {self.salesperson: 21.0, self.colleague: 23.0})


@tagged("post_install", "-at_install")
class TestPlanReports(PlanCase):
    """PL-7: the report on an ended monthly or quarterly plan is due by the 5th or the 10th (per company); the person
    responsible gets an activity on the plan, once; an overdue one shows on the team dashboard."""

    def approve(self, *plans):
        for plan in plans:
            self.add_targets(plan, turnover=1)
        self.env["sales.discipline.plan"].concat(*plans).write({"state": "approved"})

    def test_ended_plans_get_their_report_activity_once_by_the_company_days(self):
        self.approve(self.team_january, self.own_january, self.quarter)
        self.company.with_user(self.discipline_admin).discipline_quarter_report_day = 12
        with freeze_time("2030-04-02"):
            self.env["sales.discipline.plan"]._cron_discipline_plan_reports()
            self.env["sales.discipline.plan"]._cron_discipline_plan_reports()
        report_type = self.env.ref("sales_discipline.mail_activity_type_plan_report")
        due = {
            plan: [(activity.user_id, activity.date_deadline) for activity in plan.activity_ids]
            for plan in (self.team_january, self.own_january, self.quarter, self.colleague_january)
        }
        self.assertEqual(
            due,
            {
                self.team_january: [(self.team_lead, date(2030, 2, 5))],
                self.own_january: [(self.salesperson, date(2030, 2, 5))],
                self.quarter: [(self.env.user, date(2030, 4, 12))],
                self.colleague_january: [],
            },
        )
        self.assertEqual(self.team_january.activity_ids.activity_type_id, report_type)
        self.assertIn("Report on January 2030 · Discipline Test Team", self.team_january.activity_ids.summary)
        with freeze_time("2030-04-02"):
            self.team.invalidate_recordset(["discipline_overdue_report_count"])
            self.assertEqual(self.team.with_user(self.team_lead).discipline_overdue_report_count, 2)
            action = self.team.with_user(self.team_lead).action_discipline_overdue_reports()
            plans = self.env["sales.discipline.plan"].with_user(self.team_lead).search(action["domain"])
        self.assertEqual(plans, self.team_january | self.own_january)

    def test_a_report_day_outside_the_month_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "A report is due on a day from 1 to 28 of the month"):
            self.company.with_user(self.discipline_admin).discipline_month_report_day = 31


@tagged("post_install", "-at_install")
class TestPlanEarnings(PlanCase):
    """PL-8: what a salesperson has earned so far and what is left to reach the next threshold, on one screen."""

    def test_earned_so_far_and_what_is_left_to_the_next_threshold(self):
        lines = self.add_targets(self.own_january, turnover=200_000, deals_won=3)
        lines["turnover"].bonus = 10_000
        lines["deals_won"].bonus = 3_000
        action = self.env.ref("sales_discipline.sales_discipline_plan_line_action_earnings")
        mine = (
            self.env["sales.discipline.plan.line"]
            .with_user(self.salesperson)
            .search(safe_eval(action.domain, {"uid": self.salesperson.id}))
        )
        self.assertEqual(mine, lines["turnover"] | lines["deals_won"])
        turnover, deals = lines["turnover"].with_user(self.salesperson), lines["deals_won"].with_user(self.salesperson)
        # 150,000 of 200,000 (75 %): nothing earned yet; 80 % needs 10,000 more, one deal at the average of 73,333
        self.assertEqual((turnover.earned, turnover.next_threshold), (0.0, 80.0))
        self.assertEqual(
            turnover.to_next_threshold, "10,000 more to reach 80 % (won deals at your average of 73,333: 1)"
        )
        # 2 of 3 deals (66.7 %): one more deal reaches 80 % (2.4, rounded up to a whole deal)
        self.assertEqual((deals.earned, deals.to_next_threshold), (0.0, "1 more to reach 80 %"))
        lines["turnover"].target = 180_000  # 83 %: the 80 % threshold pays half the bonus
        turnover.invalidate_recordset()
        self.assertEqual((turnover.earned, turnover.next_threshold), (5_000.0, 90.0))
        lines["turnover"].target = 150_000
        turnover.invalidate_recordset()
        self.assertEqual((turnover.earned, turnover.next_threshold, turnover.to_next_threshold), (10_000.0, 0.0, ""))

    def test_a_colleague_never_sees_the_bonus(self):
        lines = self.add_targets(self.own_january, turnover=200_000)
        lines["turnover"].bonus = 10_000
        with self.assertRaises(AccessError):
            lines["turnover"].with_user(self.colleague).read(["bonus", "earned"])

    def test_thresholds_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "A threshold is a completion above 0 %"):
            self.env["sales.discipline.plan.threshold"].with_user(self.discipline_admin).create(
                {"completion": 0, "payout": 10}
            )
