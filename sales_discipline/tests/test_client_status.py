from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestClientStatus(SalesDisciplineCase):
    """CL-6 … CL-8: client status from won deals, the card's story, segmentation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"].with_user(cls.salesperson)
        cls.client = Partner.create(cls.company_vals())
        cls.contact = Partner.create(cls.contact_vals(cls.client))
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)

    def _won_deal(self, closed_on, partner=None, revenue=1000.0):
        lead = self.env["crm.lead"].create(
            {
                "name": "Deal",
                "type": "opportunity",
                "partner_id": (partner or self.contact).id,
                "user_id": self.salesperson.id,
                "team_id": self.team.id,
                "expected_revenue": revenue,
            }
        )
        with freeze_time(closed_on):
            lead.action_set_won()
        return lead

    @freeze_time("2026-06-15")
    def test_new_client_is_an_inquiry(self):
        self.client._discipline_refresh_client_status()
        self.assertEqual(self.client.client_status, "inquiry")
        self.assertFalse(self.client.last_purchase_date)

    @freeze_time("2026-06-15")
    def test_recent_won_deal_makes_the_client_active(self):
        self._won_deal(datetime(2026, 3, 1))
        self.assertEqual(self.client.client_status, "active")
        self.assertEqual(str(self.client.last_purchase_date), "2026-03-01")

    @freeze_time("2026-06-15")
    def test_old_won_deal_only_makes_the_client_lost(self):
        self._won_deal(datetime(2025, 1, 10))
        self.client._discipline_refresh_client_status()
        self.assertEqual(self.client.client_status, "lost")

    @freeze_time("2026-06-15")
    def test_window_is_configurable(self):
        self._won_deal(datetime(2026, 3, 1))
        self.company.discipline_client_active_days = 30
        self.client._discipline_refresh_client_status()
        self.assertEqual(self.client.client_status, "lost")

    def test_daily_cron_refreshes_in_batches_and_reports_progress(self):
        other = self.env["res.partner"].create(
            self.company_vals(name="Vasilek LLC", phone="+7 812 765-43-21", email="info@vasilek.example")
        )
        with freeze_time("2026-06-15"):
            self._won_deal(datetime(2026, 6, 1), partner=other)
        todo = self.env["res.partner"].search_count(
            [("parent_id", "=", False), ("client_status_date", "!=", "2026-06-16")]
        )
        with freeze_time("2026-06-16"):
            remaining = self.env["res.partner"]._cron_discipline_refresh_clients(batch_size=1)
            self.assertEqual(remaining, todo - 1)
            while remaining:
                remaining = self.env["res.partner"]._cron_discipline_refresh_clients(batch_size=50)
        self.assertEqual(other.client_status, "active")
        self.assertEqual(str(other.client_status_date), "2026-06-16")

    def test_card_shows_won_deals_and_who_talked_to_the_client(self):
        lead = self._won_deal(datetime(2026, 3, 1), revenue=2500.0)
        lead.with_user(self.salesperson).message_post(body="Sent the contract.", message_type="comment")
        self.env.invalidate_all()  # the card is read in a later request than the one that created it
        client = self.client.with_user(self.salesperson)
        self.assertEqual(client.won_deal_count, 1)
        self.assertEqual(client.won_amount, 2500.0)
        self.assertIn(self.salesperson, client.communication_user_ids)
        self.assertTrue(client.last_communication_date)
        action = client.action_view_won_deals()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), lead)

    def test_segmentation_filters_and_groups(self):
        self._won_deal(datetime.now())
        partners = self.env["res.partner"].with_user(self.salesperson)
        self.assertIn(self.client, partners.search([("client_status", "=", "active")]))
        groups = partners._read_group(
            [("is_company", "=", True), ("id", "=", self.client.id)],
            groupby=["client_status", "client_type", "acquisition_source_id", "is_data_complete"],
            aggregates=["__count"],
        )
        self.assertEqual(groups, [("active", "end_customer", self.source, True, 1)])
