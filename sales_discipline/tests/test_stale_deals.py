from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestStaleDeals(DealDisciplineCase):
    """DL-5: a deal past its stage's maximum stay is stale unless touched lately with a next step due soon."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2030-01-01 09:00:00"):
            cls.deal = cls.Lead.create(cls.deal_vals(next_step_deadline="2030-01-05"))
        cls.deal.sudo().date_last_stage_update = datetime(2030, 1, 1, 9, 0)

    def _stale_ids(self):
        return self.env["crm.lead"].search([("is_stale", "=", True)]).ids

    @freeze_time("2030-01-08")
    def test_within_the_stage_limit_is_not_stale(self):
        self.assertFalse(self.deal.is_stale)
        self.assertNotIn(self.deal.id, self._stale_ids())

    @freeze_time("2030-01-20")
    def test_past_the_limit_without_touch_is_stale(self):
        self.assertTrue(self.deal.is_stale)
        self.assertIn(self.deal.id, self._stale_ids())
        self.assertEqual(self.team.discipline_stale_count, 1)

    def test_recent_touch_and_near_next_step_keep_it_alive(self):
        with freeze_time("2030-01-19"):
            self.deal.with_user(self.salesperson).message_post(body="Discussed the specs", message_type="comment")
            self.deal.activity_ids.sudo().date_deadline = "2030-01-22"
        with freeze_time("2030-01-20"):
            self.assertNotIn(self.deal.id, self._stale_ids())

    def test_far_future_next_step_does_not_hide_a_dead_deal(self):
        with freeze_time("2030-01-19"):
            self.deal.with_user(self.salesperson).message_post(body="Call me in summer", message_type="comment")
            self.deal.activity_ids.sudo().date_deadline = "2030-07-01"
        with freeze_time("2030-01-20"):
            self.assertIn(self.deal.id, self._stale_ids())

    def test_owner_and_team_lead_are_notified_once(self):
        Message = self.env["mail.message"]
        partners = (self.salesperson | self.team_lead).partner_id
        with freeze_time("2030-01-20"):
            self.env["crm.lead"]._cron_discipline_notify_stale()
            notices = Message.search([("subject", "=", "Stale deals: 1"), ("partner_ids", "in", partners.ids)])
            self.assertEqual(len(notices), 2)
            self.assertIn("Pumps for Romashka", notices[0].body)
            self.assertTrue(self.deal.stale_notified)
        with freeze_time("2030-01-21"):
            self.env["crm.lead"]._cron_discipline_notify_stale()
            self.assertEqual(Message.search_count([("subject", "like", "Stale deals")]), 2)

    def test_cron_works_in_batches(self):
        with freeze_time("2030-01-01 09:00:00"):
            other = self.Lead.create(self.deal_vals(name="Other", next_step_deadline="2030-01-05"))
        other.sudo().date_last_stage_update = datetime(2030, 1, 1, 9, 0)
        with freeze_time("2030-01-20"):
            remaining = self.env["crm.lead"]._cron_discipline_notify_stale(batch_size=1)
            self.assertEqual(remaining, 1)
            self.assertEqual(self.env["crm.lead"]._cron_discipline_notify_stale(batch_size=1), 0)

    def test_moving_the_deal_resets_staleness_and_notification(self):
        source = self.env["utm.source"].create({"name": "Referral"})
        frozen_now = datetime(2030, 1, 20)
        # crm stamps the stage change with the transaction's time, which freezegun does not reach
        with freeze_time(frozen_now), patch.object(type(self.env.cr), "now", lambda _cr: frozen_now):
            self.env["crm.lead"]._cron_discipline_notify_stale()
            self.assertTrue(self.deal.stale_notified)
            self.deal.with_user(self.salesperson).write(
                {"stage_id": self.stage_proposal.id, "description": "<p>Specs</p>", "source_id": source.id}
            )
            self.assertFalse(self.deal.is_stale)
            self.assertFalse(self.deal.stale_notified)
