from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from .common import DealDisciplineCase

NO_NEXT_STEP = (
    "Plan the next step (type, goal and date) of Pumps for Romashka before saving: every open deal needs one."
)


@tagged("post_install", "-at_install")
class TestNextStep(DealDisciplineCase):
    """NS-1 … NS-3, NS-5: every open deal has a dated next step with a goal; refusals and traces."""

    def test_deal_without_next_step_is_refused_in_a_strict_team(self):
        self.assertRefused(ValidationError, NO_NEXT_STEP, self.Lead.create, self.deal_vals(next_step_type_id=False))

    def test_next_step_fields_create_the_activity(self):
        deal = self.Lead.create(self.deal_vals())
        step = deal.activity_ids
        self.assertEqual(len(step), 1)
        self.assertEqual(step.activity_type_id, self.call)
        self.assertEqual(step.goal, "Sell the meeting")
        self.assertEqual(step.date_deadline, date(2030, 1, 10))
        self.assertEqual(step.user_id, self.salesperson)
        self.assertTrue(deal.has_next_step)

    def test_form_creates_deal_with_its_next_step(self):
        context = {"default_type": "opportunity", "default_team_id": self.team.id}
        with Form(self.Lead.with_context(**context)) as form:
            form.name = "Valves for Vasilek"
            form.expected_revenue = 1200
            form.next_step_type_id = self.meeting
            form.next_step_goal = "Agree the specification"
            form.next_step_at = datetime(2030, 2, 1, 11, 0)
        deal = form.record
        self.assertEqual(deal.activity_ids.scheduled_at, datetime(2030, 2, 1, 11, 0))
        self.assertEqual(deal.activity_ids.date_deadline, date(2030, 2, 1))

    def test_form_without_next_step_is_refused(self):
        form = Form(self.Lead.with_context(default_type="opportunity", default_team_id=self.team.id))
        form.name = "Pumps for Romashka"
        with self.assertRaises(ValidationError) as refusal:
            form.save()
        self.assertEqual(str(refusal.exception), NO_NEXT_STEP)

    def test_flag_policy_saves_and_lists_the_deal(self):
        self.team.next_step_policy = "flag"
        deal = self.Lead.create(self.deal_vals(next_step_type_id=False))
        self.assertFalse(deal.has_next_step)
        self.assertIn(deal, self.Lead.search([("has_next_step", "=", False)]))
        self.assertNotIn(deal, self.Lead.search([("has_next_step", "=", True)]))
        self.assertEqual(self.team.discipline_no_next_step_count, 1)

    def test_moving_or_saving_after_the_step_was_cancelled_is_refused_and_traced(self):
        deal = self.Lead.create(self.deal_vals())
        deal.activity_ids.action_cancel()
        self.assertIn(
            "Next step “Sell the meeting” due 2030-01-10 cancelled by Sasha Salesperson.", deal.message_ids[0].body
        )
        self.assertRefused(ValidationError, NO_NEXT_STEP, deal.write, {"priority": "2"})
        source = self.env["utm.source"].create({"name": "Referral"})
        self.assertRefused(
            ValidationError,
            NO_NEXT_STEP,
            deal.write,
            {"stage_id": self.stage_proposal.id, "description": "<p>Specs</p>", "source_id": source.id},
        )

    def test_snoozing_leaves_a_trace(self):
        deal = self.Lead.create(self.deal_vals())
        deal.activity_ids.with_user(self.salesperson).action_snooze()
        self.assertIn("Next step “Sell the meeting” postponed from 2030-01-10 to 2030-01-17", deal.message_ids[0].body)

    def plan(self, deal, act_type_xmlid, **values):
        """Plan a step as a person does (the activity form); apps' activity_schedule is test_rollout's."""
        return (
            self.env["mail.activity"]
            .with_user(self.salesperson)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": deal.id,
                    "activity_type_id": self.env.ref(act_type_xmlid).id,
                    **values,
                }
            )
        )

    def test_goal_is_required(self):
        deal = self.Lead.create(self.deal_vals())
        self.assertRefused(
            ValidationError,
            "The next step cannot be saved:\nSend samples: state its goal.",
            self.plan,
            deal,
            "mail.mail_activity_data_todo",
            summary="Send samples",
            date_deadline=date(2030, 1, 5),
        )

    def test_goal_defaults_from_the_activity_type(self):
        deal = self.Lead.create(self.deal_vals())
        step = deal.activity_schedule(act_type_xmlid="mail.mail_activity_data_call", date_deadline=date(2030, 1, 5))
        self.assertEqual(step.goal, "Sell the meeting")

    def test_meeting_needs_an_hour(self):
        deal = self.Lead.create(self.deal_vals())
        self.assertRefused(
            ValidationError,
            "The next step cannot be saved:\nMeeting: set the date and time.",
            self.plan,
            deal,
            "mail.mail_activity_data_meeting",
            date_deadline=date(2030, 1, 5),
        )

    def test_range_needs_its_start_before_its_end(self):
        deal = self.Lead.create(self.deal_vals())
        values = {"act_type_xmlid": "sales_discipline.mail_activity_type_this_week", "goal": "Send the offer"}
        with self.assertRaises(ValidationError) as missing:
            self.plan(deal, date_deadline=date(2030, 1, 5), **values)
        self.assertIn("set the start of the period", str(missing.exception))
        with self.assertRaises(ValidationError) as inverted:
            self.plan(deal, date_deadline=date(2030, 1, 5), date_start=date(2030, 1, 9), **values)
        self.assertIn("the period must start before its due date", str(inverted.exception))
        step = deal.activity_schedule(date_deadline=date(2030, 1, 9), date_start=date(2030, 1, 5), **values)
        self.assertEqual(step.date_start, date(2030, 1, 5))

    def test_marking_the_last_step_done_asks_for_the_next_one(self):
        deal = self.Lead.create(self.deal_vals())
        step = deal.activity_ids.with_user(self.salesperson)
        self.assertRefused(
            UserError,
            "This is the last next step of the deal Pumps for Romashka. Use “Done & Schedule Next” to plan the "
            "following one.",
            step.action_feedback,
            feedback="Called",
        )
        action = step.action_feedback_schedule_next(feedback="Called, meeting agreed")
        self.assertEqual(action["res_model"], "mail.activity")
        self.assertEqual(action["context"]["default_res_id"], deal.id)
        self.assertTrue(deal.last_touch_date)

    def test_done_step_with_another_one_planned_is_fine(self):
        deal = self.Lead.create(self.deal_vals())
        deal.activity_schedule(act_type_xmlid="mail.mail_activity_data_call", date_deadline=date(2030, 2, 1))
        first = deal.activity_ids.sorted("date_deadline")[0].with_user(self.salesperson)
        first.action_feedback(feedback="Called")
        self.assertEqual(len(deal.activity_ids), 1)

    @freeze_time("2030-01-20")
    def test_overdue_steps_are_listed_per_salesperson(self):
        deal = self.Lead.create(self.deal_vals(next_step_deadline="2030-01-15"))
        on_time = self.Lead.create(self.deal_vals(name="On time", next_step_deadline="2030-01-25"))
        overdue = self.Lead.search([("has_overdue_step", "=", True)])
        self.assertIn(deal, overdue)
        self.assertNotIn(on_time, overdue)
        self.assertTrue(deal.has_overdue_step)
        self.assertEqual(self.team.discipline_overdue_count, 1)
        groups = self.Lead._read_group([("has_overdue_step", "=", True)], ["user_id"], ["__count"])
        self.assertEqual(groups, [(self.salesperson, 1)])

    def test_reassigning_a_deal_is_not_saving_it(self):
        deal = self.Lead.create(self.deal_vals())
        deal.activity_ids.action_cancel()
        deal.with_user(self.head).write({"user_id": self.colleague.id})
        self.assertEqual(deal.user_id, self.colleague)

    def test_won_deals_need_no_next_step(self):
        deal = self.Lead.create(self.deal_vals())
        deal.action_set_won()
        self.assertNotIn(deal, self.Lead.search([("has_next_step", "=", False)]))
        deal.activity_ids.with_user(self.salesperson).action_feedback(feedback="Delivered")
        self.assertFalse(deal.activity_ids)

    def test_duplicating_a_deal_copies_its_next_step(self):
        deal = self.Lead.create(self.deal_vals())
        copy = deal.copy()
        self.assertEqual(copy.activity_ids.activity_type_id, self.call)
        self.assertEqual(copy.activity_ids.goal, "Sell the meeting")
        self.assertEqual(len(deal.activity_ids), 1)

    def _convert_wizard(self, lead, **values):
        context = {"active_model": "crm.lead", "active_id": lead.id, "active_ids": lead.ids}
        form = Form(self.env["crm.lead2opportunity.partner"].with_user(self.salesperson).with_context(**context))
        form.action = "nothing"
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def test_converting_a_lead_plans_its_next_step(self):
        lead = self.Lead.create(self.deal_vals(type="lead", next_step_type_id=False))
        self.assertRefused(ValidationError, NO_NEXT_STEP, self._convert_wizard(lead).action_apply)
        wizard = self._convert_wizard(lead, next_step_type_id=self.call, next_step_deadline=date(2030, 1, 12))
        self.assertEqual(wizard.next_step_goal, "Sell the meeting")
        wizard.action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.activity_ids.goal, "Sell the meeting")
        self.assertEqual(lead.activity_ids.user_id, self.salesperson)


@tagged("post_install", "-at_install")
class TestHasNextStep(DealDisciplineCase):
    """NS-1: ``has_next_step`` has one definition, the same for the form (compute) and the lists (search): unticked
    only on an open deal (active opportunity, not won) without a planned activity of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.next_step_policy = "flag"
        cls.warm_contact = cls.env.ref("sales_discipline.mail_activity_type_warm_contact")
        no_step = {"next_step_type_id": False}
        Lead = cls.Lead
        cls.cases = {
            "open, step planned": (Lead.create(cls.deal_vals(name="Open planned")), True),
            "open, no step": (Lead.create(cls.deal_vals(name="Open bare", **no_step)), False),
            "open, step done": (Lead.create(cls.deal_vals(name="Open done", **no_step)), False),
            "open, step on another model": (Lead.create(cls.deal_vals(name="Open elsewhere", **no_step)), False),
            "won, step planned": (Lead.create(cls.deal_vals(name="Won planned", stage_id=cls.stage_won.id)), True),
            "won, no step": (Lead.create(cls.deal_vals(name="Won bare", stage_id=cls.stage_won.id, **no_step)), True),
            "lost, no step": (
                Lead.create(
                    cls.deal_vals(name="Lost bare", active=False, lost_reason_id=cls.reason_price.id, **no_step)
                ),
                True,
            ),
            "lead, step planned": (Lead.create(cls.deal_vals(name="Lead planned", type="lead")), True),
            "lead, no step": (Lead.create(cls.deal_vals(name="Lead bare", type="lead", **no_step)), True),
        }
        done = cls.cases["open, step done"][0]
        # a kept-done step stays in the table, archived: it is no next step
        done.activity_schedule(activity_type_id=cls.warm_contact.id, date_deadline=date(2030, 1, 3)).with_user(
            cls.salesperson
        ).action_feedback(feedback="Called")
        # a step of another model whose record has the deal's id: only the model tells them apart
        elsewhere = cls.cases["open, step on another model"][0]
        client = cls.env["res.partner"].create(cls.company_vals())
        foreign = client.activity_schedule(
            activity_type_id=cls.call.id, goal="Sell the meeting", date_deadline=date(2030, 1, 10)
        )
        cls.env.flush_all()
        cls.env.cr.execute(SQL("UPDATE mail_activity SET res_id = %s WHERE id = %s", elsewhere.id, foreign.id))
        foreign.invalidate_recordset(["res_id"])
        cls.deals = cls.Lead.browse([deal.id for deal, _expected in cls.cases.values()])

    def test_fixture_covers_both_values_and_each_reason(self):
        done = self.cases["open, step done"][0]
        self.assertEqual(done.with_context(active_test=False).activity_ids.mapped("active"), [False])
        self.assertEqual(
            self.env["mail.activity"].search_count([("res_id", "=", self.cases["open, step on another model"][0].id)]),
            1,
        )

    def test_computed_value_is_the_definition(self):
        computed = {name: deal.has_next_step for name, (deal, _expected) in self.cases.items()}
        self.assertEqual(computed, {name: expected for name, (_deal, expected) in self.cases.items()})

    def test_search_agrees_with_the_computed_value(self):
        Lead = self.Lead.with_context(active_test=False)
        scope = [("id", "in", self.deals.ids)]
        with_step = self.deals.filtered("has_next_step")
        self.assertEqual(Lead.search([*scope, ("has_next_step", "=", True)]), with_step)
        self.assertEqual(Lead.search([*scope, ("has_next_step", "!=", False)]), with_step)
        self.assertEqual(Lead.search([*scope, ("has_next_step", "=", False)]), self.deals - with_step)
        self.assertEqual(Lead.search([*scope, ("has_next_step", "!=", True)]), self.deals - with_step)

    def test_flag_follows_the_steps_within_the_transaction(self):
        deal = self.cases["open, step planned"][0]
        self.assertTrue(deal.has_next_step)
        deal.activity_ids.action_cancel()
        self.assertFalse(deal.has_next_step)
        self.assertIn(deal, self.Lead.search([("has_next_step", "=", False)]))
        deal.write(
            {"next_step_type_id": self.call.id, "next_step_goal": "Call back", "next_step_deadline": "2030-01-12"}
        )
        self.assertTrue(deal.has_next_step)

    def test_next_step_fields_follow_the_planned_activity(self):
        deal = self.cases["open, step planned"][0]
        self.assertEqual((deal.next_step_type_id, deal.next_step_date_start), (self.call, False))
        deal.activity_ids.write({"activity_type_id": self.this_week.id, "date_start": "2030-01-07"})
        self.assertEqual((deal.next_step_type_id, deal.next_step_date_start), (self.this_week, date(2030, 1, 7)))
        earlier = deal.activity_schedule(
            activity_type_id=self.todo.id,
            summary="Send the price list",
            goal="Get the order",
            date_deadline=date(2030, 1, 5),
        )
        self.assertEqual((deal.next_step_type_id, deal.next_step_goal), (self.todo, "Get the order"))
        earlier.with_user(self.salesperson).action_feedback(feedback="Sent")
        self.assertEqual(deal.next_step_type_id, self.this_week)
