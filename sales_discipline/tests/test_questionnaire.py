from odoo.tests import HttpCase, tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestNeedsQuestionnaire(DealDisciplineCase, HttpCase):
    """RO-3: the salesperson opens the deal's needs questionnaire, fills it in with the client, and finds it again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["res.partner"].create(cls.company_vals())
        cls.deal = cls.Lead.create(cls.deal_vals(partner_id=cls.client.id))
        cls.survey = cls.env.ref("sales_discipline.survey_client_needs")
        cls.Answer = cls.env["survey.user_input"]

    def _answers(self):
        return self.Answer.search([("crm_lead_id", "=", self.deal.id)])

    def test_answer_is_the_salespersons_and_linked_to_the_deal_and_client(self):
        self.deal.with_user(self.salesperson).action_fill_needs_questionnaire()
        answer = self._answers()
        self.assertEqual(len(answer), 1)
        self.assertEqual(
            (answer.survey_id, answer.partner_id, answer.crm_lead_id, answer.client_partner_id),
            (self.survey, self.salesperson.partner_id, self.deal, self.client),
        )

    def test_unfinished_answer_is_reused_and_a_finished_one_is_not(self):
        deal = self.deal.with_user(self.salesperson)
        first = deal.action_fill_needs_questionnaire()
        self.assertEqual(deal.action_fill_needs_questionnaire()["url"], first["url"])
        self.assertEqual(len(self._answers()), 1)
        self._answers()._mark_done()
        deal.action_fill_needs_questionnaire()
        self.assertEqual(sorted(self._answers().mapped("state")), ["done", "new"])

    def test_salesperson_opens_the_questionnaire_page(self):
        action = self.deal.with_user(self.salesperson).action_fill_needs_questionnaire()
        self.authenticate(self.salesperson.login, self.salesperson.login)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertIn("Client Needs Questionnaire", response.text)
        self.assertIn("Filled in by the salesperson with the client's decision maker", response.text)
        self.assertIn("Start Survey", response.text)
        self.assertNotIn("Survey Access Error", response.text)
