from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import html2plaintext
from odoo.tools.safe_eval import safe_eval

from .common import DealDisciplineCase

TASK = "Call the purchasing director about the delivery date"


@tagged("post_install", "-at_install")
class TestTasks(DealDisciplineCase):
    """TK-1, TK-2: a task to a colleague on a deal or a client says what to do and what result is expected, is
    closed with its result, and that result is checked by whoever set the task."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].with_user(cls.salesperson).create(cls.company_vals())

    def setUp(self):
        super().setUp()
        self.deal = self.Lead.create(self.deal_vals(partner_id=self.client.id))

    def _schedule(self, user, record, **values):
        """Schedule an activity the way the chatter's "Schedule Activity" dialog does."""
        context = {"active_model": record._name, "active_id": record.id, "active_ids": record.ids}
        form = Form(self.env["mail.activity.schedule"].with_user(user).with_context(**context))
        for name, value in values.items():
            setattr(form, name, value)
        form.save().action_schedule_activities()
        return self.env["mail.activity"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)], order="id desc", limit=1
        )

    def _task_from_head(self):
        return self._schedule(
            self.head,
            self.deal,
            activity_type_id=self.call,
            summary=TASK,
            goal="Confirmed delivery date",
            date_deadline=date(2030, 1, 5),
            activity_user_id=self.salesperson,
        )

    def _check_of(self, task_record):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", task_record._name),
                ("res_id", "=", task_record.id),
                ("task_check_user_id", "!=", False),
            ]
        )

    # TK-1 ------------------------------------------------------------------------------------------------------

    def test_task_to_a_colleague_says_what_to_do_and_the_result_expected(self):
        self.assertRefused(
            ValidationError,
            "The task for a colleague cannot be saved:\n"
            "Kolya Colleague: start the summary with what to do (e.g. “Send the price list to the buyer”).\n"
            "Kolya Colleague: state the result expected in the goal.",
            self._schedule,
            self.salesperson,
            self.client,
            activity_type_id=self.todo,
            summary="Prices",
            date_deadline=date(2030, 1, 5),
            activity_user_id=self.colleague,
        )
        task = self._schedule(
            self.salesperson,
            self.client,
            activity_type_id=self.todo,
            summary="Send the price list to the buyer",
            goal="The buyer has our prices",
            date_deadline=date(2030, 1, 5),
            activity_user_id=self.colleague,
        )
        self.assertEqual((task.user_id, task.goal, task.automated), (self.colleague, "The buyer has our prices", False))

    def test_summary_that_only_repeats_the_activity_type_is_refused(self):
        self.assertRefused(
            ValidationError,
            "The task for a colleague cannot be saved:\n"
            "Kolya Colleague: start the summary with what to do (e.g. “Send the price list to the buyer”).",
            self._schedule,
            self.salesperson,
            self.client,
            activity_type_id=self.env.ref("mail.mail_activity_data_upload_document"),
            summary=" upload  DOCUMENT ",
            goal="Signed contract on file",
            date_deadline=date(2030, 1, 9),
            activity_user_id=self.colleague,
        )

    def test_own_activities_are_not_tasks_to_colleagues(self):
        own = self._schedule(
            self.salesperson,
            self.client,
            activity_type_id=self.todo,
            date_deadline=date(2030, 1, 5),
            activity_user_id=self.salesperson,
        )
        self.assertEqual(own.user_id, self.salesperson)

    def test_editing_a_task_keeps_it_saying_what_to_do(self):
        task = self._task_from_head()
        as_head = task.with_user(self.head)
        as_head.write({"note": "<p>The buyer is back on Monday.</p>"})
        self.assertRefused(
            ValidationError,
            "The task for a colleague cannot be saved:\n"
            "Sasha Salesperson: start the summary with what to do (e.g. “Send the price list to the buyer”).",
            as_head.write,
            {"summary": "Call"},
        )

    def test_other_apps_and_automations_schedule_as_they_like(self):
        # an automation (server action, another app's code) schedules through activity_schedule: not a task
        on_deal = self.deal.with_user(self.head).activity_schedule(
            act_type_xmlid="mail.mail_activity_data_call", date_deadline=date(2030, 1, 5), user_id=self.colleague.id
        )
        on_client = self.client.with_user(self.head).activity_schedule(
            act_type_xmlid="mail.mail_activity_data_todo", date_deadline=date(2030, 1, 5), user_id=self.colleague.id
        )
        self.assertEqual((on_deal | on_client).user_id, self.colleague)
        # a person in another app, on that app's records: its rules, not ours
        survey_user = new_test_user(
            self.env, login="sd_survey_user", groups="base.group_user,survey.group_survey_manager"
        )
        survey = self.env["survey.survey"].with_user(survey_user).create({"title": "Staff satisfaction"})
        other = self._schedule(
            survey_user,
            survey,
            activity_type_id=self.todo,
            date_deadline=date(2030, 1, 5),
            activity_user_id=self.colleague,
        )
        self.assertFalse(other.summary)
        # nor is its result required or checked
        other.with_user(self.colleague).action_feedback()
        self.assertFalse(other.exists())
        self.assertFalse(self._check_of(survey))

    # TK-2 ------------------------------------------------------------------------------------------------------

    def test_task_set_by_a_colleague_is_closed_with_its_result(self):
        task = self._task_from_head()
        as_assignee = task.with_user(self.salesperson)
        self.assertRefused(
            UserError,
            f"Describe the result of the task “{TASK}” set by Hermann Head before marking it done.",
            as_assignee.action_feedback,
        )
        as_assignee.action_feedback(feedback="Delivery confirmed for Friday")
        self.assertFalse(task.exists())
        self.assertIn("Delivery confirmed for Friday", self.deal.message_ids[0].body)

    @freeze_time("2030-01-04")
    def test_whoever_set_the_task_is_asked_to_check_its_result(self):
        self._task_from_head().with_user(self.salesperson).action_feedback(feedback="Delivery confirmed for Friday")
        check = self._check_of(self.deal)
        self.assertEqual(check.user_id, self.head)
        self.assertEqual(check.task_check_user_id, self.salesperson)
        self.assertEqual(check.summary, f"Check the result: {TASK}")
        self.assertEqual(check.goal, "Confirmed delivery date")
        self.assertEqual(check.date_deadline, date(2030, 1, 4))
        self.assertEqual(
            html2plaintext(check.note), "Result reported by Sasha Salesperson:\nDelivery confirmed for Friday"
        )
        notice = self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", self.deal.id),
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", self.head.partner_id.ids),
            ]
        )
        self.assertEqual(len(notice), 1)
        # listed among the head's open tasks
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.mail_activity_action_tasks")
        listed = self.env["mail.activity"].with_user(self.head).search(safe_eval(action["domain"]))
        self.assertIn(check, listed)

        check.with_user(self.head).action_accept_task_result()
        self.assertFalse(check.exists())
        self.assertIn("Result accepted by Hermann Head.", self.deal.message_ids[0].body)

    @freeze_time("2030-01-04")
    def test_a_result_sent_back_is_given_again_to_the_colleague(self):
        self._task_from_head().with_user(self.salesperson).action_feedback(feedback="Left a message")
        check = self._check_of(self.deal).with_user(self.head)
        check.note = f"{check.note}<p>Call until you reach him.</p>"
        check.action_reopen_task()
        self.assertFalse(check.exists())
        self.assertIn("Sent back to Sasha Salesperson.", self.deal.message_ids[0].body)
        again = self.deal.activity_ids.filtered(lambda a: a.summary == TASK)
        self.assertEqual((again.user_id, again.create_uid), (self.salesperson, self.head))
        self.assertEqual(again.goal, "Confirmed delivery date")
        self.assertEqual(again.date_deadline, self.todo.with_user(self.head)._get_date_deadline())
        self.assertEqual(
            html2plaintext(again.note),
            "Result reported by Sasha Salesperson:\nLeft a message\nCall until you reach him.",
        )
        # the task given again is closed with its result and checked again
        again.with_user(self.salesperson).action_feedback(feedback="Reached him: Friday")
        self.assertEqual(self._check_of(self.deal).user_id, self.head)

    def test_only_whoever_set_the_task_accepts_or_sends_back_its_result(self):
        self._task_from_head().with_user(self.salesperson).action_feedback(feedback="Done")
        check = self._check_of(self.deal).with_user(self.salesperson)
        message = "Only Hermann Head, who set the task, can accept or send back its result."
        self.assertRefused(UserError, message, check.action_accept_task_result)
        self.assertRefused(UserError, message, check.action_reopen_task)
        step = self.deal.activity_ids.filtered(lambda a: not a.task_check_user_id).with_user(self.salesperson)
        self.assertRefused(
            UserError, "“Sell the meeting” is not a task result to check.", step.action_accept_task_result
        )

    def test_a_result_check_is_not_the_next_step_of_the_deal(self):
        self._task_from_head().with_user(self.salesperson).action_feedback(feedback="Delivery confirmed")
        self.assertTrue(self._check_of(self.deal))
        step = self.deal.activity_ids.filtered(lambda a: not a.task_check_user_id).with_user(self.salesperson)
        self.assertRefused(
            UserError,
            "This is the last next step of the deal Pumps for Romashka. Use “Done & Schedule Next” to plan the "
            "following one.",
            step.action_feedback,
            feedback="Called",
        )

    def test_a_result_check_alone_leaves_the_deal_without_next_step(self):
        self._task_from_head().with_user(self.salesperson).action_feedback(feedback="Delivery confirmed")
        step = self.deal.activity_ids.filtered(lambda a: not a.task_check_user_id)
        step.sudo().action_feedback(feedback="Called")
        self.assertTrue(self._check_of(self.deal))
        deal = self.deal.with_user(self.salesperson)
        self.assertFalse(deal.has_next_step)
        self.assertFalse(deal.next_step_type_id)
        self.assertIn(deal, self.Lead.search([("has_next_step", "=", False)]))

    def test_open_tasks_are_listed_per_person(self):
        self._schedule(
            self.head,
            self.deal,
            activity_type_id=self.call,
            summary="Call back about the invoice",
            date_deadline=date(2020, 1, 5),
            activity_user_id=self.colleague,
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.mail_activity_action_tasks")
        groups = self.env["mail.activity"]._read_group(
            [*safe_eval(action["domain"]), ("date_deadline", "<", date(2021, 1, 1))], ["user_id"], ["__count"]
        )
        self.assertEqual(groups, [(self.colleague, 1)])
