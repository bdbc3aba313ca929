from freezegun import freeze_time

from odoo.tests import tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestStageHistoryAverages(DealDisciplineCase):
    """AN-1: the average days in a stage counts the stays that ended; an open stay is not a stay of 0 days."""

    def test_open_stays_do_not_lower_the_average(self):
        with freeze_time("2030-01-01 09:00:00"):
            deals = self.Lead.create([self.deal_vals(name=f"Deal {n}") for n in range(3)])
        with freeze_time("2030-01-03 09:00:00"):
            deals[0].write({"stage_id": self.stage_proposal.id, "description": "<p>x</p>", "source_id": self.source.id})
        with freeze_time("2030-01-05 09:00:00"):
            deals[1].write({"stage_id": self.stage_proposal.id, "description": "<p>x</p>", "source_id": self.source.id})
        History = self.env["crm.lead.stage.history"].with_user(self.team_lead)
        domain = [("lead_id", "in", deals.ids), ("stage_id", "=", self.stage_new.id)]
        [(average, count)] = History._read_group(domain, aggregates=["duration_days:avg", "__count"])
        self.assertEqual(count, 3)
        self.assertAlmostEqual(average, 3.0)
        [row] = History.read_group(domain, ["duration_days:avg"], ["stage_id"])
        self.assertAlmostEqual(row["duration_days"], 3.0)
        [(total,)] = History._read_group(domain, aggregates=["duration_days:sum"])
        self.assertAlmostEqual(total, 6.0)

    def test_the_pivot_has_no_empty_column_of_open_stays(self):
        arch = self.env.ref("sales_discipline.crm_lead_stage_history_view_pivot").arch
        self.assertNotIn('type="col"', arch)
