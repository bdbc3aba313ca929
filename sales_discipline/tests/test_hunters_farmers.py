from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class HuntersFarmersCase(DealDisciplineCase):
    """A team with two hunters and a farmer, a new client and a current client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hunter = cls.salesperson
        cls.farmer = cls.colleague
        cls.hunter2 = new_test_user(
            cls.env, login="sd_hunter2", name="Hanna Hunter", groups="sales_discipline.group_salesperson"
        )
        cls.team.routing_method = "least_loaded"
        cls.team.crm_team_member_ids.filtered(lambda m: m.user_id == cls.farmer).sales_role = "farmer"
        cls.env["crm.team.member"].create({"crm_team_id": cls.team.id, "user_id": cls.hunter2.id})
        Partner = cls.env["res.partner"]
        cls.new_client = Partner.create(cls.company_vals())
        cls.current_client = Partner.create(
            cls.company_vals(name="Vasilek LLC", phone="+7 812 765-43-21", email="info@vasilek.example")
        )
        cls.current_client.write({"client_status": "active"})
        cls.decision_maker = Partner.create(
            cls.contact_vals(cls.new_client, name="Ivan Petrov", is_decision_maker=True)
        )


@tagged("post_install", "-at_install")
class TestRolesAndRouting(HuntersFarmersCase):
    """RO-1, RO-2: roles per team membership; new clients to hunters, current clients to farmers."""

    def test_role_is_set_per_team_and_shown_on_the_user(self):
        self.env["ir.config_parameter"].set_param("sales_team.membership_multi", True)
        other_team = self.env["crm.team"].create({"name": "Key Accounts"})
        self.env["crm.team.member"].create(
            {"crm_team_id": other_team.id, "user_id": self.hunter.id, "sales_role": "farmer"}
        )
        self.assertEqual(self.hunter.sales_role_summary, "Hunter in Discipline Test Team, Farmer in Key Accounts")

    def test_unowned_deal_for_a_new_client_goes_to_the_least_loaded_hunter(self):
        self.Lead.create(self.deal_vals(name="Busy 1"))
        deal = (
            self.env["crm.lead"]
            .with_user(self.head)
            .create(self.deal_vals(name="Inbound", partner_id=self.new_client.id, user_id=False))
        )
        self.assertEqual(deal.user_id, self.hunter2)

    def test_unowned_deal_for_a_current_client_goes_to_a_farmer(self):
        deal = (
            self.env["crm.lead"]
            .with_user(self.head)
            .create(self.deal_vals(name="Repeat order", partner_id=self.current_client.id, user_id=False))
        )
        self.assertEqual(deal.user_id, self.farmer)

    def test_deal_entered_by_a_dispatcher_is_routed(self):
        deal = (
            self.env["crm.lead"]
            .with_user(self.head)
            .create(self.deal_vals(name="From the head", partner_id=self.current_client.id, user_id=self.head.id))
        )
        self.assertEqual(deal.user_id, self.farmer)

    def test_batch_of_deals_is_spread_over_the_hunters(self):
        deals = (
            self.env["crm.lead"]
            .with_user(self.head)
            .create([self.deal_vals(name=f"Cold {n}", user_id=False) for n in range(4)])
        )
        self.assertEqual(
            sorted(deal.user_id.login for deal in deals),
            ["sd_hunter2", "sd_hunter2", "sd_salesperson", "sd_salesperson"],
        )

    def test_manual_assignment_against_the_rule_is_kept_and_logged(self):
        deal = self.Lead.create(self.deal_vals(name="Own pick", partner_id=self.current_client.id))
        self.assertEqual(deal.user_id, self.hunter)
        self.assertIn(
            "Assigned to Sasha Salesperson (Hunter in Discipline Test Team) by Sasha Salesperson, although the "
            "rule gives this deal to a farmer.",
            deal.message_ids[0].body,
        )

    def test_manual_reassignment_is_logged(self):
        deal = self.Lead.create(self.deal_vals(name="New one", partner_id=self.new_client.id))
        deal.with_user(self.head).write({"user_id": self.farmer.id})
        self.assertIn("although the rule gives this deal to a hunter", deal.sudo().message_ids[0].body)

    def test_routing_is_opt_in_and_the_shipped_pipelines_route(self):
        """Odoo's own teams keep their owners (its digest, gateway and tests); the addon's pipelines route."""
        team = self.env["crm.team"].create(
            {"name": "Odoo's own team", "crm_team_member_ids": [(0, 0, {"user_id": self.hunter.id})]}
        )
        self.assertEqual(team.routing_method, "manual")
        deal = self.env["crm.lead"].create(self.deal_vals(name="Unowned", user_id=False, team_id=team.id))
        self.assertFalse(deal.user_id)
        for xmlid in ("sales_discipline.crm_team_new_clients", "sales_discipline.crm_team_current_clients"):
            self.assertEqual(self.env.ref(xmlid).routing_method, "least_loaded")

    def test_manual_routing_method_leaves_deals_unowned(self):
        self.team.routing_method = "manual"
        deal = self.env["crm.lead"].with_user(self.head).create(self.deal_vals(name="Manual", user_id=False))
        self.assertFalse(deal.user_id)


@tagged("post_install", "-at_install")
class TestFunnelRules(HuntersFarmersCase):
    """RO-3, RO-4: decision makers, result calls, conducted and result meetings, progress."""

    def setUp(self):
        super().setUp()
        self.deal = self.Lead.create(self.deal_vals(partner_id=self.new_client.id))

    def _schedule(self, xmlid, **values):
        values.setdefault("date_deadline", date.today())
        return self.deal.activity_schedule(act_type_xmlid=f"sales_discipline.{xmlid}", **values)

    def test_result_call_needs_a_named_decision_maker(self):
        with self.assertRaises(ValidationError) as missing:
            self._schedule("mail_activity_type_result_call")
        self.assertEqual(
            str(missing.exception), "The funnel step cannot be saved:\nResult Call: name the decision maker called."
        )
        assistant = self.env["res.partner"].create(
            self.contact_vals(self.new_client, name="Olga Assistant", email="olga@romashka.example")
        )
        with self.assertRaises(ValidationError) as not_dm:
            self._schedule("mail_activity_type_result_call", contact_id=assistant.id)
        self.assertIn("Olga Assistant must be a decision maker of the client", str(not_dm.exception))
        call = self._schedule("mail_activity_type_result_call", contact_id=self.decision_maker.id)
        self.assertEqual(call.goal, "Sell the meeting to the decision maker")

    def test_at_most_five_decision_makers_per_organisation(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        for index in range(4):
            Partner.create(
                self.contact_vals(
                    self.new_client,
                    name=f"Director {index}",
                    email=f"d{index}@romashka.example",
                    is_decision_maker=True,
                )
            )
        with self.assertRaises(ValidationError) as refusal:
            Partner.create(
                self.contact_vals(self.new_client, name="Sixth", email="six@romashka.example", is_decision_maker=True)
            )
        self.assertEqual(
            str(refusal.exception),
            "Romashka LLC already has 5 decision makers: an organisation has at most 5.",
        )

    def test_meeting_counts_as_conducted_only_with_the_questionnaire(self):
        meeting = self._schedule(
            "mail_activity_type_conducted_meeting",
            scheduled_at=datetime(2030, 1, 1, 10),
            contact_id=self.decision_maker.id,
        )
        with self.assertRaises(UserError) as refusal:
            meeting.action_feedback(feedback="Met the director")
        self.assertEqual(
            str(refusal.exception),
            "Fill in the client needs questionnaire of the deal before marking “Conducted Meeting” done.",
        )
        action = self.deal.action_fill_needs_questionnaire()
        self.assertIn("/survey/start/", action["url"])
        answer = self.env["survey.user_input"].search([("crm_lead_id", "=", self.deal.id)])
        answer._mark_done()
        meeting.action_feedback(feedback="Met the director")
        self.assertFalse(meeting.active)
        self.assertTrue(meeting.questionnaire_filled)
        self.assertEqual(meeting.sudo().questionnaire_input_id, answer)

    def test_result_meeting_records_interest_and_progress(self):
        meeting = self._schedule("mail_activity_type_result_meeting", scheduled_at=datetime(2030, 1, 1, 10))
        with self.assertRaises(UserError):
            meeting.action_feedback(feedback="Good talk")
        meeting.write({"client_interest": "strong", "progress_note": "Technical survey on Monday"})
        meeting.action_feedback(feedback="Good talk")
        self.assertFalse(meeting.active)

    @freeze_time("2030-01-10")
    def test_progress_is_a_joint_action_within_a_month(self):
        with self.assertRaises(ValidationError) as refusal:
            self._schedule("mail_activity_type_progress", date_deadline=date(2030, 3, 1), joint_action="proposal")
        self.assertIn("a progress step happens within a month", str(refusal.exception))
        step = self._schedule("mail_activity_type_progress", date_deadline=date(2030, 1, 25), joint_action="proposal")
        self.assertEqual(step.joint_action, "proposal")


@tagged("post_install", "-at_install")
class TestWeeklyNorms(HuntersFarmersCase):
    """RO-5: actual counts per person and week against the norms, with the counting rules."""

    def test_frozen_week_counts_against_norms(self):
        deal = self.Lead.create(self.deal_vals(partner_id=self.new_client.id))
        other_dm = self.env["res.partner"].create(
            self.contact_vals(
                self.new_client, name="Pavel Sidorov", email="pavel@romashka.example", is_decision_maker=True
            )
        )
        with freeze_time("2030-01-07 10:00:00"):  # a Monday
            calls = [
                deal.activity_schedule(
                    act_type_xmlid="sales_discipline.mail_activity_type_result_call",
                    date_deadline=date(2030, 1, 7),
                    contact_id=contact.id,
                )
                for contact in (self.decision_maker, self.decision_maker, other_dm)
            ]
            for call in calls:
                call.with_user(self.salesperson).action_feedback(feedback="Called")
            self.env.flush_all()
        with freeze_time("2030-01-08 10:00:00"):
            deal.activity_schedule(
                act_type_xmlid="sales_discipline.mail_activity_type_result_call",
                date_deadline=date(2030, 1, 8),
                contact_id=self.decision_maker.id,
            ).with_user(self.salesperson).action_feedback(feedback="Called again")
            self.env.flush_all()
        self.env.flush_all()
        rows = self.env["sales.discipline.funnel.report"].with_user(self.salesperson).search([])
        self.assertEqual(len(rows), 1)
        # the second call to the same decision maker on Monday does not count
        self.assertEqual(
            (str(rows.week), rows.funnel_kind, rows.sales_role, rows.actual, rows.norm),
            ("2030-01-07", "result_call", "hunter", 3, 50),
        )
        self.assertEqual(rows.completion, 6.0)

    def test_farmers_proactive_steps_count_against_their_norms(self):
        """RO-4: a farmer's warm contacts, visits, incoming calls and needs questionnaires are counted."""
        with freeze_time("2030-01-08 10:00:00"):  # the Tuesday of the week of Monday 2030-01-07
            deal = (
                self.env["crm.lead"]
                .with_user(self.farmer)
                .create(self.deal_vals(name="Repeat order", partner_id=self.current_client.id, user_id=self.farmer.id))
            )
            planned = {
                "warm_contact": {},
                "visit": {"scheduled_at": datetime(2030, 1, 8, 9)},
                "incoming_call": {},
                "needs_questionnaire": {},
            }
            steps = [
                deal.activity_schedule(
                    act_type_xmlid=f"sales_discipline.mail_activity_type_{kind}",
                    date_deadline=date(2030, 1, 8),
                    **values,
                )
                for kind, values in planned.items()
            ]
            deal.action_fill_needs_questionnaire()
            self.env["survey.user_input"].search([("crm_lead_id", "=", deal.id)])._mark_done()
            for step in steps:
                step.action_feedback(feedback="Done")
            self.env.flush_all()
        rows = self.env["sales.discipline.funnel.report"].with_user(self.farmer).search([])
        self.assertEqual(
            sorted((str(row.week), row.funnel_kind, row.sales_role, row.actual, row.norm) for row in rows),
            [
                ("2030-01-07", "incoming_call", "farmer", 1, 20),
                ("2030-01-07", "needs_questionnaire", "farmer", 1, 8),
                ("2030-01-07", "visit", "farmer", 1, 8),
                ("2030-01-07", "warm_contact", "farmer", 1, 40),
            ],
        )
        self.assertEqual(rows.filtered(lambda row: row.funnel_kind == "visit").completion, 12.5)

    def test_norms_are_configurable_and_visible_by_role(self):
        norm = self.env["sales.discipline.norm"].search([("funnel_kind", "=", "visit")])
        self.assertEqual((norm.sales_role, norm.weekly_target), ("farmer", 8))
        norm.with_user(self.discipline_admin).weekly_target = 10
        self.assertEqual(norm.weekly_target, 10)
        with self.assertRaises(AccessError):
            norm.with_user(self.salesperson).weekly_target = 1

    def test_colleagues_weeks_are_not_visible_to_a_salesperson(self):
        deal = (
            self.env["crm.lead"]
            .with_user(self.farmer)
            .create(self.deal_vals(user_id=self.farmer.id, partner_id=self.current_client.id))
        )
        deal.activity_schedule(
            act_type_xmlid="sales_discipline.mail_activity_type_warm_contact", user_id=self.farmer.id
        ).with_user(self.farmer).action_feedback(feedback="Called")
        self.env.flush_all()
        Report = self.env["sales.discipline.funnel.report"]
        domain = [("user_id", "=", self.farmer.id)]
        self.assertEqual(Report.search(domain).mapped("actual"), [1])
        self.assertFalse(Report.with_user(self.salesperson).search(domain))
        self.assertEqual(Report.with_user(self.team_lead).search(domain), Report.search(domain))


@tagged("post_install", "-at_install")
class TestWinBack(HuntersFarmersCase):
    """RO-6: a lost client's win-back goes to someone other than the salesperson who lost it."""

    def setUp(self):
        super().setUp()
        self.lost_client = self.env["res.partner"].create(
            self.company_vals(name="Zarya LLC", phone="+7 843 111-22-33", email="info@zarya.example")
        )
        # the client bought from the hunter's team once, long ago
        old_deal = self.Lead.create(self.deal_vals(name="Old order", partner_id=self.lost_client.id))
        old_deal.action_set_won()
        self.lost_client.write({"client_status": "lost"})

    def test_only_lost_clients_go_on_the_list(self):
        with self.assertRaises(UserError):
            self.new_client.with_user(self.head).action_add_to_winback()

    def test_winback_deal_goes_to_another_hunter_and_stays_there(self):
        self.lost_client.with_user(self.head).action_add_to_winback()
        self.assertEqual(self.lost_client.winback_lost_by_id, self.hunter)
        action = self.lost_client.with_user(self.head).action_start_winback()
        deal = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(deal.user_id, self.hunter2)
        self.assertEqual(deal.deal_type, "returning")
        with self.assertRaises(ValidationError) as refusal:
            deal.with_user(self.head).write({"user_id": self.hunter.id})
        self.assertEqual(
            str(refusal.exception),
            "The win-back of Win-back: Zarya LLC cannot be given to Sasha Salesperson, who lost this client.",
        )

    def test_client_lost_by_a_farmer_is_won_back_by_a_hunter_of_another_team(self):
        farm = self.env["crm.team"].create(
            {"name": "Farm", "sequence": 1, "crm_team_member_ids": [(0, 0, {"user_id": self.farmer.id})]}
        )
        farm.crm_team_member_ids.sales_role = "farmer"
        self.env["ir.config_parameter"].set_param("sales_team.membership_multi", True)
        client = self.env["res.partner"].create(
            self.company_vals(
                name="Luch LLC", phone="+7 383 222-33-44", email="info@luch.example", user_id=self.farmer.id
            )
        )
        old = self.env["crm.lead"].create(
            self.deal_vals(name="Old farm order", partner_id=client.id, team_id=farm.id, user_id=self.farmer.id)
        )
        old.action_set_won()
        client.write({"client_status": "lost"})
        client.with_user(self.head).action_add_to_winback()
        deal = self.env["crm.lead"].browse(client.with_user(self.head).action_start_winback()["res_id"])
        membership = deal.team_id.crm_team_member_ids.filtered(lambda m: m.user_id == deal.user_id)
        self.assertNotEqual(deal.team_id, farm)
        self.assertEqual(membership.sales_role, "hunter")
        self.assertNotEqual(deal.user_id, self.farmer)
