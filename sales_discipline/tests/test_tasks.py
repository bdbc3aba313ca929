from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestTasks(DealDisciplineCase):
    """TK-1, TK-2: a task to a colleague says what to do, and is closed with its result."""

    def setUp(self):
        super().setUp()
        self.deal = self.Lead.create(self.deal_vals())

    def test_task_to_a_colleague_needs_a_summary(self):
        self.assertRefused(
            ValidationError,
            "A task for a colleague needs a summary that starts with what to do (e.g. “Send the price list to …”). "
            "Missing for: Kolya Colleague.",
            self.deal.activity_schedule,
            act_type_xmlid="mail.mail_activity_data_call",
            date_deadline=date(2030, 1, 5),
            user_id=self.colleague.id,
        )

    def test_task_set_by_a_colleague_is_closed_with_its_result(self):
        # As the "Schedule Activity" dialog does it: a plain create, not an automated activity.
        task = (
            self.env["mail.activity"]
            .with_user(self.head)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.deal.id,
                    "activity_type_id": self.call.id,
                    "summary": "Call the purchasing director about the delivery date",
                    "date_deadline": date(2030, 1, 5),
                    "user_id": self.salesperson.id,
                }
            )
        )
        as_assignee = task.with_user(self.salesperson)
        self.assertRefused(
            UserError,
            "Describe the result of the task “Call the purchasing director about the delivery date” set by "
            "Hermann Head before marking it done.",
            as_assignee.action_feedback,
        )
        as_assignee.action_feedback(feedback="Delivery confirmed for Friday")
        self.assertFalse(task.exists())
        self.assertIn("Delivery confirmed for Friday", self.deal.message_ids[0].body)

    def test_open_tasks_are_listed_per_person(self):
        self.deal.with_user(self.head).activity_schedule(
            act_type_xmlid="mail.mail_activity_data_call",
            summary="Call back about the invoice",
            date_deadline=date(2020, 1, 5),
            user_id=self.colleague.id,
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.mail_activity_action_tasks")
        groups = self.env["mail.activity"]._read_group(
            [*safe_eval(action["domain"]), ("date_deadline", "<", date(2021, 1, 1))], ["user_id"], ["__count"]
        )
        self.assertEqual(groups, [(self.colleague, 1)])
