from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import DealDisciplineCase
from .test_odoo_users import form_user


@tagged("post_install", "-at_install")
class NpsCase(DealDisciplineCase):
    """NP-1 ... NP-3: the NPS survey, its answers, the staff's entries, the detractors' follow-up, the figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"].with_user(cls.salesperson)
        cls.client = Partner.create(cls.company_vals())
        cls.contact = Partner.create(cls.contact_vals(cls.client))
        cls.colleague_client = (
            cls.env["res.partner"]
            .with_user(cls.colleague)
            .create(
                cls.company_vals(
                    name="Vasilek JSC", email="info@vasilek.example", phone="+7 812 555-01-01", user_id=cls.colleague.id
                )
            )
        )
        cls.survey = cls.env.ref("sales_discipline.survey_nps")
        cls.score_question = cls.env.ref("sales_discipline.survey_nps_q_score")
        cls.comment_question = cls.env.ref("sales_discipline.survey_nps_q_comment")
        cls.Answer = cls.env["sales.discipline.nps.answer"]
        cls.company.write(
            {
                "discipline_nps_sending": "won",
                "discipline_nps_delay_days": 3,
                "discipline_nps_interval_days": 90,
                "discipline_head_of_sales_id": cls.head.id,
            }
        )

    def _won_deal(self, closed_on, partner=None, user=None):
        lead = self.env["crm.lead"].create(
            self.deal_vals(partner_id=(partner or self.contact).id, user_id=(user or self.salesperson).id)
        )
        with freeze_time(closed_on):
            lead.write({"stage_id": self.stage_won.id})
        return lead

    def _answer(self, score, user=None, partner=None, when="2026-06-10 10:00:00", **vals):
        partner = partner or (self.colleague_client if user == self.colleague else self.client)
        return self.Answer.create(
            {"partner_id": partner.id, "score": score, "answer_date": when, "channel": "phone", **vals}
        )

    def _invitations(self, client=None):
        return self.env["survey.user_input"].search(
            [("nps_invitation", "=", True), ("client_partner_id", "=", (client or self.client).id)]
        )


class TestNpsSurvey(NpsCase):
    def test_shipped_survey_is_an_nps_survey(self):
        self.assertTrue(self.survey.has_nps_question)
        self.assertTrue(self.score_question.is_nps)
        self.assertEqual(self.company._discipline_nps_survey(), self.survey)

    def test_nps_question_is_a_scale_from_0_to_10(self):
        self.assertRefused(
            ValidationError,
            "The NPS question Recommend? must be a scale from 0 to 10.",
            self.env["survey.question"].create,
            {"survey_id": self.survey.id, "title": "Recommend?", "question_type": "text_box", "is_nps": True},
        )
        with self.assertRaises(ValidationError):
            self.score_question.scale_max = 5
        self.assertEqual(self.score_question.scale_max, 10)

    @freeze_time("2026-06-10 12:00:00")
    def test_completed_survey_records_the_answer_with_its_client_deal_salesperson_and_team(self):
        deal = self._won_deal(datetime(2026, 6, 1))
        invitation = self.survey.sudo()._create_answer(
            partner=self.contact,
            check_attempts=False,
            nps_invitation=True,
            client_partner_id=self.client.id,
            crm_lead_id=deal.id,
        )
        # what the public survey page does for the client (as the public user, with the answer's token)
        invitation._save_lines(self.score_question, "9")
        invitation._save_lines(self.comment_question, "Fast delivery")
        invitation._mark_done()
        answer = invitation.nps_answer_ids
        self.assertEqual(len(answer), 1)
        self.assertRecordValues(
            answer,
            [
                {
                    "partner_id": self.client.id,
                    "contact_id": self.contact.id,
                    "lead_id": deal.id,
                    "user_id": self.salesperson.id,
                    "team_id": self.team.id,
                    "score": 9,
                    "category": "promoter",
                    "nps_points": 100.0,
                    "comment": "Fast delivery",
                    "channel": "survey",
                    "company_id": self.company.id,
                }
            ],
        )
        # the answer keeps the salesperson of the moment after a hand-over; completing again adds nothing
        deal.user_id = self.colleague
        invitation._mark_done()
        self.assertEqual(invitation.nps_answer_ids, answer)
        self.assertEqual(answer.user_id, self.salesperson)
        # a second answer to the same invitation is refused, in words
        self.assertRefused(
            ValidationError,
            "The NPS invitation of Romashka LLC, Ivan Petrov has already been answered.",
            self.Answer.create,
            {"partner_id": self.client.id, "score": 3, "user_input_id": invitation.id},
        )

    def test_test_entry_and_unanswered_survey_record_nothing(self):
        entry = self.survey.sudo()._create_answer(partner=self.contact, check_attempts=False, test_entry=True)
        entry._save_lines(self.score_question, "2")
        entry._mark_done()
        silent = self.survey.sudo()._create_answer(partner=self.contact, check_attempts=False, nps_invitation=True)
        silent._mark_done()
        self.assertFalse(self.Answer.search([("partner_id", "=", self.client.id)]))


class TestNpsEntry(NpsCase):
    def test_stock_salesperson_enters_an_answer_taken_by_phone(self):
        """A salesperson set up in the user form with Odoo's Sales rights, for a client of theirs."""
        own_docs = form_user(self.env, "sd_nps_own", "Olga Own Documents", "sales_team.group_sale_salesman")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": own_docs.id})]
        client = self.env["res.partner"].create(
            self.company_vals(
                name="Landysh LLC", email="info@landysh.example", phone="+7 343 555-02-02", user_id=own_docs.id
            )
        )
        form = Form(self.Answer.with_user(own_docs))
        form.partner_id = client
        form.score = 8
        form.channel = "phone"
        form.comment = "Happy, but prices went up"
        answer = form.save()
        self.assertRecordValues(
            answer,
            [{"user_id": own_docs.id, "team_id": self.team.id, "category": "passive", "channel": "phone"}],
        )
        self.assertEqual(client.with_user(own_docs).discipline_last_nps_score, 8)

    def test_answer_of_a_contact_counts_for_its_company(self):
        answer = self.Answer.with_user(self.salesperson).create({"partner_id": self.contact.id, "score": 10})
        self.assertEqual(answer.partner_id, self.client)
        self.assertEqual(answer.contact_id, self.contact)

    def test_bad_scores_are_refused_and_nothing_is_saved(self):
        Answer = self.Answer.with_user(self.salesperson)
        for score, shown in ((11, "11"), (-1, "-1"), (7.5, "7.5"), ("9", "9")):
            with self.subTest(score=score):
                self.assertRefused(
                    ValidationError,
                    f"An NPS score is a whole number from 0 to 10, not {shown}.",
                    Answer.create,
                    {"partner_id": self.client.id, "score": score},
                )
        self.assertFalse(self.Answer.search([("partner_id", "=", self.client.id)]))
        answer = Answer.create({"partner_id": self.client.id, "score": 6})
        self.assertRefused(
            ValidationError,
            "An NPS score is a whole number from 0 to 10, not 6.5.",
            answer.sudo().write,
            {"score": 6.5},
        )

    def test_client_of_another_company_is_refused(self):
        other = self.env["res.company"].create({"name": "Other Company"})
        stranger = self.env["res.partner"].create(
            self.company_vals(
                name="Kolokolchik LLC",
                email="info@kolokolchik.example",
                phone="+7 383 555-03-03",
                company_id=other.id,
            )
        )
        self.assertRefused(
            ValidationError,
            f"Kolokolchik LLC is a client of Other Company, not of {self.company.name}: its NPS answer belongs there.",
            self.Answer.create,
            {"partner_id": stranger.id, "score": 9, "company_id": self.company.id},
        )

    def test_deal_of_another_client_is_refused(self):
        deal = self.env["crm.lead"].create(self.deal_vals(partner_id=self.colleague_client.id))
        self.assertRefused(
            ValidationError,
            f"The deal {deal.name} is not a deal of Romashka LLC.",
            self.Answer.create,
            {"partner_id": self.client.id, "score": 9, "lead_id": deal.id},
        )

    @freeze_time("2026-06-10 12:00:00")
    def test_detractor_is_followed_up_by_the_team_lead(self):
        answer = self._answer(4, comment="Late delivery twice")
        activity = answer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertRecordValues(
            activity,
            [
                {
                    "user_id": self.team_lead.id,
                    "activity_type_id": self.env.ref("sales_discipline.mail_activity_type_nps_detractor").id,
                    "summary": "Detractor: Romashka LLC scored 4",
                    "date_deadline": date(2026, 6, 11),
                }
            ],
        )
        self.assertIn("Late delivery twice", activity.note)
        # the team lead sees it among their steps, overdue once its day has passed, and closes it
        with freeze_time("2026-06-13"):
            late = self.env["mail.activity"].with_user(self.team_lead).search([("id", "=", activity.id)])
            self.assertEqual(late.state, "overdue")
        late.action_feedback("Called back, second delivery free")
        self.assertFalse(answer.activity_ids)
        self.assertFalse(self._answer(7).activity_ids | self._answer(9).activity_ids)

    def test_detractor_without_a_team_lead_goes_to_the_head_of_sales(self):
        self.team.user_id = False
        self.assertEqual(self._answer(0).activity_ids.user_id, self.head)


class TestNpsVisibility(NpsCase):
    def test_answers_are_read_by_their_salesperson_and_those_above(self):
        own = self._answer(3, comment="Rude driver")
        theirs = self._answer(9, user=self.colleague)
        Answer = self.env["sales.discipline.nps.answer"]
        self.assertEqual(Answer.with_user(self.salesperson).search([]), own)
        with self.assertRaises(AccessError):
            own.with_user(self.colleague).read(["comment"])
        self.assertEqual(Answer.with_user(self.team_lead).search([]), own | theirs)
        self.assertEqual(Answer.with_user(self.head).search([]), own | theirs)
        self.assertEqual(own.with_user(self.team_lead).comment, "Rude driver")
        with self.assertRaises(AccessError):
            own.with_user(self.salesperson).write({"score": 10})

    def test_salesperson_cannot_record_an_answer_for_a_colleague_client(self):
        with self.assertRaises(AccessError):
            self.Answer.with_user(self.salesperson).create({"partner_id": self.colleague_client.id, "score": 10})

    def test_client_card_shows_the_last_score(self):
        self._answer(6, when="2026-05-01 10:00:00")
        self._answer(10, when="2026-06-01 10:00:00")
        card = self.client.with_user(self.salesperson)
        self.assertEqual(card.discipline_last_nps_score, 10)
        self.assertEqual(card.discipline_nps_answer_count, 2)
        self.assertEqual(self.contact.with_user(self.salesperson).discipline_last_nps_score, 10)
        action = card.action_discipline_view_nps_answers()
        self.assertEqual(action["domain"], [("partner_id", "=", self.client.id)])
        self.assertEqual(action["context"], {"default_partner_id": self.client.id})


class TestNpsFigures(NpsCase):
    def _figures(self, user, **domain):
        rows = (
            self.env["sales.discipline.nps.report"]
            .with_user(user)
            .search([(name, "=", value) for name, value in domain.items()])
        )
        return {(row.period_type, row.level, row.user_id.login or row.team_id.name or "company"): row for row in rows}

    def test_nps_per_company_team_salesperson_and_period(self):
        for score in (9, 10, 5):
            self._answer(score)
        for score in (7, 3):
            self._answer(score, user=self.colleague)
        self._answer(10, when="2026-02-10 10:00:00")
        rows = self._figures(self.head, period_start=date(2026, 6, 1))
        self.assertEqual(len(rows), 4)  # June: the company, the team, two salespeople
        expected = {
            "company": (5, 2, 1, 2, 0.0, "low"),
            "Discipline Test Team": (5, 2, 1, 2, 0.0, "low"),
            "sd_salesperson": (3, 2, 0, 1, 33.3, "average"),
            "sd_colleague": (2, 0, 1, 1, -50.0, "low"),
        }
        for (period, _level, key), row in rows.items():
            self.assertEqual(period, "month")
            self.assertEqual(
                (row.answer_count, row.promoter_count, row.passive_count, row.detractor_count, row.nps, row.band),
                expected[key],
                key,
            )
        years = self._figures(self.head, period_type="year", level="salesperson")
        year = years[("year", "salesperson", "sd_salesperson")]
        self.assertEqual((year.answer_count, year.nps, year.band), (4, 50.0, "leader"))
        quarters = self.env["sales.discipline.nps.report"].search(
            [("period_type", "=", "quarter"), ("level", "=", "company")]
        )
        self.assertEqual(
            [(row.period_start, row.answer_count) for row in quarters], [(date(2026, 4, 1), 5), (date(2026, 1, 1), 1)]
        )
        # the bands are the company's thresholds
        self.company.discipline_nps_leader_from = 60
        self.env.invalidate_all()
        years = self._figures(self.head, period_type="year", level="salesperson")
        self.assertEqual(years[("year", "salesperson", "sd_salesperson")].band, "good")

    def test_salesperson_sees_own_team_and_company_figures_only(self):
        self._answer(9)
        self._answer(2, user=self.colleague)
        keys = {key for _period, _level, key in self._figures(self.salesperson, period_type="month")}
        self.assertEqual(keys, {"company", "Discipline Test Team", "sd_salesperson"})
        keys = {key for _period, _level, key in self._figures(self.team_lead, period_type="month")}
        self.assertEqual(keys, {"company", "Discipline Test Team", "sd_salesperson", "sd_colleague"})

    def test_band_thresholds_must_grow(self):
        self.assertRefused(
            ValidationError,
            "The NPS bands grow from -100 to 100: average, then good, then market leader.",
            self.company.write,
            {"discipline_nps_good_from": 60},
        )


class TestNpsInvitations(NpsCase):
    def _run_cron(self):
        self.env["res.company"]._cron_discipline_nps_invitations()

    def test_won_deal_invites_its_contact_once_per_period(self):
        deal = self._won_deal(datetime(2026, 6, 1))
        with freeze_time("2026-06-02"):  # within the delay
            self._run_cron()
        self.assertFalse(self._invitations())
        with freeze_time("2026-06-05"):
            self._run_cron()
        invitation = self._invitations()
        self.assertRecordValues(
            invitation,
            [{"partner_id": self.contact.id, "crm_lead_id": deal.id, "survey_id": self.survey.id, "state": "new"}],
        )
        mail = self.env["mail.mail"].search([("model", "=", "survey.user_input"), ("res_id", "=", invitation.id)])
        self.assertEqual(len(mail), 1)
        self.assertIn(invitation.access_token, mail.body_html)
        self.assertIn(self.contact.email, mail.email_to)
        # another won deal of the client within the period: no second invitation
        self._won_deal(datetime(2026, 6, 20))
        with freeze_time("2026-06-25"):
            self._run_cron()
        self.assertEqual(self._invitations(), invitation)
        # after the period, the next won deal invites again
        self._won_deal(datetime(2026, 9, 20))
        with freeze_time("2026-09-25"):
            self._run_cron()
        self.assertEqual(len(self._invitations()), 2)

    def test_opted_out_blacklisted_and_switched_off_are_not_invited(self):
        self._won_deal(datetime(2026, 6, 1))
        cases = [
            ("contact opted out", lambda: self.contact.write({"discipline_nps_opt_out": True})),
            ("client opted out", lambda: self.client.write({"discipline_nps_opt_out": True})),
            ("blacklisted", lambda: self.env["mail.blacklist"].create({"email": self.contact.email})),
            ("sending off", lambda: self.company.write({"discipline_nps_sending": "off"})),
        ]
        for label, prepare in cases:
            with self.subTest(label), self.env.cr.savepoint() as savepoint:
                prepare()
                with freeze_time("2026-06-05"):
                    self._run_cron()
                self.assertFalse(self._invitations())
                savepoint.rollback()
        with freeze_time("2026-06-05"):
            self._run_cron()
        self.assertEqual(len(self._invitations()), 1)

    def test_active_clients_are_surveyed_periodically(self):
        self._won_deal(datetime(2026, 1, 10))
        with freeze_time("2026-06-05"):
            self.client._discipline_refresh_client_status()
            self.assertEqual(self.client.client_status, "active")
            self._run_cron()
            self.assertFalse(self._invitations(), "the deal is older than the period: only the periodic survey asks")
            self.company.discipline_nps_sending = "won_periodic"
            self._run_cron()
        self.assertEqual(len(self._invitations()), 1)

    def test_cron_works_in_batches(self):
        self._won_deal(datetime(2026, 6, 1))
        self._won_deal(datetime(2026, 6, 1), partner=self.colleague_client, user=self.colleague)
        with freeze_time("2026-06-05"):
            self.env["res.company"]._cron_discipline_nps_invitations(batch_size=1)
            self.assertEqual(len(self._invitations() | self._invitations(self.colleague_client)), 1)
            self.env["res.company"]._cron_discipline_nps_invitations(batch_size=1)
        self.assertEqual(len(self._invitations() | self._invitations(self.colleague_client)), 2)


@tagged("post_install", "-at_install")
class TestNpsSettings(DealDisciplineCase):
    def test_new_install_sends_nothing_and_the_discipline_admin_switches_it_on(self):
        self.assertEqual(self.env["res.company"].create({"name": "Fresh Co"}).discipline_nps_sending, "off")
        company = self.company.with_user(self.discipline_admin)
        company.write({"discipline_nps_sending": "won_periodic", "discipline_nps_delay_days": 7})
        self.assertEqual(self.company.discipline_nps_sending, "won_periodic")
        with self.assertRaises(AccessError):
            self.company.with_user(self.salesperson).write({"discipline_nps_sending": "off"})
