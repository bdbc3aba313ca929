from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestStandup(DealDisciplineCase):
    """SC-3: the stand-up of each team, yesterday's fact and today's plan per salesperson, and its email.

    The records are written today; the stand-up is read tomorrow (frozen Python clock), when today is the fact
    since the previous working day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Standup = cls.env["sales.discipline.standup"]
        cls.today = fields.Date.today()
        cls.tomorrow = cls.today + timedelta(days=1)
        client = cls.env["res.partner"].with_user(cls.salesperson).create(cls.company_vals())
        cls.todo.keep_done = True  # Odoo deletes a done step of a type that does not keep them
        step = client.activity_schedule("mail.mail_activity_data_todo", user_id=cls.salesperson.id)
        step.action_done()
        Lead = cls.env["crm.lead"]
        cls.won_deal = Lead.create(cls.deal_vals(name="Pumps"))
        cls.won_deal.stage_id = cls.stage_won
        cls.due_deal = Lead.create(cls.deal_vals(name="Valves", date_deadline=cls.tomorrow))
        cls.due_deal.activity_ids.date_deadline = cls.tomorrow
        cls.late_deal = Lead.create(cls.deal_vals(name="Filters"))
        cls.late_deal.activity_ids.date_deadline = cls.today - timedelta(days=2)
        week_end = cls.tomorrow + timedelta(days=6 - cls.tomorrow.weekday())
        cls.week_deal = Lead.create(cls.deal_vals(name="Tanks", date_deadline=week_end))

    def _rows(self, user):
        with freeze_time(self.tomorrow.isoformat() + " 09:00:00"):
            rows = self.Standup.with_user(user).search([("team_id", "=", self.team.id)])
            rows.fetch(list(self.Standup._fields))  # read on the stand-up's day
            return rows

    def test_fact_since_the_previous_working_day_and_plan_of_today_per_member(self):
        rows = self._rows(self.team_lead)
        self.assertEqual(set(rows.mapped("user_id")), {self.salesperson, self.colleague})
        own = rows.filtered(lambda row: row.user_id == self.salesperson)
        since = self.today
        while since.weekday() >= 5:
            since -= timedelta(days=1)
        self.assertRecordValues(
            own,
            [
                {
                    "fact_since": since,
                    "steps_done": 1,
                    "deals_moved": 1,
                    "deals_won": 1,
                    "steps_today": 1,
                    "steps_overdue": 1,
                    "closing_today": 1,
                    "closing_this_week": 1 + (self.week_deal.date_deadline != self.tomorrow),
                }
            ],
        )
        colleague = rows - own
        self.assertEqual(
            colleague.read(["steps_done", "deals_won", "steps_today", "closing_today"])[0],
            {"id": colleague.id, "steps_done": 0, "deals_won": 0, "steps_today": 0, "closing_today": 0},
        )

    def test_on_a_monday_the_fact_covers_the_weekend(self):
        with freeze_time("2030-01-07 09:00:00"):  # a Monday
            since, today, week_end, *_utc = self.Standup._discipline_days()
        self.assertEqual((since, today, week_end), (date(2030, 1, 4), date(2030, 1, 7), date(2030, 1, 13)))

    def test_the_team_reads_its_stand_up_and_no_other(self):
        # a salesperson set up the usual Odoo way reads the whole team's counts, as in the morning meeting
        odoo_user = new_test_user(self.env, login="sd_odoo_sales", groups="sales_team.group_sale_salesman")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": odoo_user.id})]
        for user in (self.colleague, odoo_user, self.head):
            self.assertEqual(len(self._rows(user)), 3, user.login)
        other = self.env["crm.team"].create({"name": "Other Team", "member_ids": [(4, self.outsider.id)]})
        with freeze_time(self.tomorrow.isoformat() + " 09:00:00"):
            self.assertFalse(self.Standup.with_user(self.salesperson).search([("team_id", "=", other.id)]))
            self.assertFalse(self.Standup.with_user(self.team_lead).search([("team_id", "=", other.id)]))
            self.assertTrue(self.Standup.with_user(self.head).search([("team_id", "=", other.id)]))
        self.assertFalse({"expected_revenue", "won_amount"} & set(self.Standup.fields_get()), "counts only")

    def test_queries_do_not_grow_with_the_members_shown(self):
        def count_queries():
            self.env.invalidate_all()
            with freeze_time(self.tomorrow.isoformat() + " 09:00:00"):
                Standup = self.Standup.with_user(self.team_lead)
                before = self.env.cr.sql_log_count
                Standup.search_read([("team_id", "=", self.team.id)], ["user_id", "steps_done", "closing_today"])
                return self.env.cr.sql_log_count - before

        two = count_queries()
        more = [
            new_test_user(self.env, login=f"sd_member_{n}", groups="sales_team.group_sale_salesman") for n in range(4)
        ]
        self.team.crm_team_member_ids = [(0, 0, {"user_id": user.id}) for user in more]
        self.assertEqual(count_queries(), two)

    def test_the_email_goes_to_each_team_on_its_companys_days(self):
        Mail = self.env["mail.mail"]
        sent = [("model", "=", "crm.team"), ("res_id", "=", self.team.id)]
        self.company.discipline_standup_report = "daily"
        with freeze_time("2030-01-12 05:00:00"):  # a Saturday
            self.env["crm.team"]._cron_discipline_send_standups()
        self.assertFalse(Mail.search(sent))
        with freeze_time("2030-01-08 05:00:00"):  # a Tuesday
            self.env["crm.team"]._cron_discipline_send_standups()
        mail = Mail.search(sent)
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            set(mail.recipient_ids), {self.salesperson.partner_id, self.colleague.partner_id, self.team_lead.partner_id}
        )
        self.assertIn("Sasha Salesperson", mail.body_html)
        self.assertIn("Kolya Colleague", mail.body_html)
        self.assertEqual(mail.subject, "Discipline Test Team: the stand-up")
        mail.unlink()
        self.company.write({"discipline_standup_report": "weekly", "discipline_standup_weekday": "0"})
        with freeze_time("2030-01-08 05:00:00"):  # a Tuesday: not the weekly day
            self.env["crm.team"]._cron_discipline_send_standups()
        self.assertFalse(Mail.search(sent))
        with freeze_time("2030-01-07 05:00:00"):  # a Monday
            self.env["crm.team"]._cron_discipline_send_standups()
        self.assertEqual(len(Mail.search(sent)), 1)
        self.company.discipline_standup_report = "off"
        with freeze_time("2030-01-14 05:00:00"):
            self.assertFalse(self.env["crm.team"]._cron_discipline_send_standups().filtered(lambda t: t == self.team))
