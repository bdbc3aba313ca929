from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestStageHistory(DealDisciplineCase):
    """DL-6: every stage entry and exit is recorded with who and when, so durations and conversions compute."""

    def test_entries_and_exits_are_recorded(self):
        source = self.env["utm.source"].create({"name": "Referral"})
        with freeze_time("2030-01-01 09:00:00"):
            deal = self.Lead.create(self.deal_vals())
        with freeze_time("2030-01-04 09:00:00"):
            deal.write({"stage_id": self.stage_proposal.id, "description": "<p>Specs</p>", "source_id": source.id})
        history = deal.stage_history_ids.sorted("date_in")
        self.assertEqual(history.stage_id, self.stage_new | self.stage_proposal)
        first, second = history
        self.assertEqual(first.entered_by_id, self.salesperson)
        self.assertEqual(first.left_by_id, self.salesperson)
        self.assertEqual(first.next_stage_id, self.stage_proposal)
        self.assertEqual(first.duration_days, 3.0)
        self.assertFalse(second.date_out)

    def test_conversion_between_stages_is_computable_for_a_period(self):
        source = self.env["utm.source"].create({"name": "Referral"})
        with freeze_time("2030-01-01 09:00:00"):
            deals = self.Lead.create([self.deal_vals(name=f"Deal {n}") for n in range(4)])
        with freeze_time("2030-01-03 09:00:00"):
            deals[:1].write({"stage_id": self.stage_proposal.id, "description": "<p>x</p>", "source_id": source.id})
        rows = self.env["crm.lead.stage.history"]._read_group(
            [("stage_id", "=", self.stage_new.id), ("date_in", ">=", "2030-01-01"), ("lead_id", "in", deals.ids)],
            groupby=["next_stage_id"],
            aggregates=["__count"],
        )
        self.assertEqual(dict(rows), {self.stage_proposal: 1, self.env["crm.stage"]: 3})

    def test_salesperson_cannot_rewrite_history(self):
        deal = self.Lead.create(self.deal_vals())
        with self.assertRaises(AccessError):
            deal.stage_history_ids.with_user(self.salesperson).write({"date_in": "2020-01-01"})

    def test_a_move_of_many_deals_closes_and_opens_their_stays_in_two_statements(self):
        """Issue 11: the stay bookkeeping of a stage change costs one UPDATE and one INSERT, whatever the number of
        deals, and what it writes is what the ORM would have written (values read back from the database)."""
        with freeze_time("2030-01-01 09:00:00"):
            deals = self.Lead.create([self.deal_vals(name=f"Batch {n}") for n in range(3)])
        History = self.env["crm.lead.stage.history"]
        # the deals are in their next stage (as after crm's write), their stays not yet updated
        self.env.cr.execute("UPDATE crm_lead SET stage_id = %s WHERE id = ANY(%s)", [self.stage_proposal.id, deals.ids])
        deals.invalidate_recordset(["stage_id"])
        deals.mapped("stage_id")
        with self.assertQueryCount(2):
            History.with_user(self.salesperson)._record_moves(deals, datetime(2030, 1, 2, 21, 0))
        self.env.invalidate_all()
        for deal in deals:
            closed, opened = deal.stage_history_ids.sorted("date_in")
            self.assertEqual(
                (closed.stage_id, closed.next_stage_id, closed.left_by_id, closed.duration_days),
                (self.stage_new, self.stage_proposal, self.salesperson, 1.5),
            )
            self.assertEqual(str(closed.date_out), "2030-01-02 21:00:00")
            self.assertEqual(
                (opened.stage_id, opened.date_out, opened.duration_days), (self.stage_proposal, False, 0.0)
            )
