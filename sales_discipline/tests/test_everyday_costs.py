from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DealDisciplineCase

# crm's "Personal Leads" rule as the addon narrowed it up to 18.0.1.1.0: the reference the cheaper domain must match
OLD_PERSONAL_DOMAIN = [
    "|",
    ("user_id", "=", "UID"),
    "&",
    "&",
    ("user_id", "=", False),
    ("team_id.members_see_unassigned", "=", True),
    ("team_id.crm_team_member_ids.user_id", "in", ["UID"]),
]
FLAG_DOMAINS = {
    "discipline_no_next_step_count": [("has_next_step", "=", False)],
    "discipline_overdue_count": [("has_overdue_step", "=", True)],
    "discipline_stale_count": [("is_stale", "=", True)],
}


@tagged("post_install", "-at_install")
class TestEverydayCosts(DealDisciplineCase):
    """Issue 11: what the everyday calls were made cheaper by keeps meaning exactly what it meant. The deal rule
    names teams instead of walking members (SE-2), the flags and the team counters are read in one query each
    (NS-1, NS-5, DL-5), and a deal's write refreshes its client's status only when it can change (CL-6)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env, login="sd_cost_seller", name="Sergey Seller", groups="sales_discipline.group_salesperson"
        )
        cls.other_team = cls.env["crm.team"].create(
            {"name": "Other Pipeline", "crm_team_member_ids": [(0, 0, {"user_id": cls.seller.id})]}
        )
        (cls.team | cls.other_team).routing_method = "manual"
        Lead = cls.env["crm.lead"].with_context(tracking_disable=True)
        cls.own = Lead.create(cls.deal_vals(name="Own"))
        cls.unassigned = Lead.create(cls.deal_vals(name="Unassigned", user_id=False))
        cls.other_unassigned = Lead.create(
            cls.deal_vals(name="Other unassigned", user_id=False, team_id=cls.other_team.id)
        )
        cls.sellers_deal = Lead.create(cls.deal_vals(name="Seller's", user_id=cls.seller.id, team_id=cls.other_team.id))
        cls.deals = cls.own | cls.unassigned | cls.other_unassigned | cls.sellers_deal

    def visible(self, user):
        return self.env["crm.lead"].with_user(user).search([("id", "in", self.deals.ids)])

    def old_rule_visible(self, user):
        domain = [
            (term[0], term[1], user.id if term[2] == "UID" else [user.id] if term[2] == ["UID"] else term[2])
            if isinstance(term, tuple)
            else term
            for term in OLD_PERSONAL_DOMAIN
        ]
        return self.env["crm.lead"].search([("id", "in", self.deals.ids), *domain])

    def assertSameAsOldRule(self):
        for user in (self.salesperson, self.colleague, self.seller):
            self.assertEqual(self.visible(user), self.old_rule_visible(user), user.name)

    # SE-2: the rule -------------------------------------------------------------------------------------------------

    def test_rule_shows_exactly_what_the_old_domain_showed(self):
        self.assertSameAsOldRule()
        self.team.members_see_unassigned = True
        self.assertSameAsOldRule()
        self.assertEqual(self.visible(self.salesperson), self.own | self.unassigned)
        self.other_team.members_see_unassigned = True
        self.assertSameAsOldRule()
        self.assertEqual(self.visible(self.seller), self.sellers_deal | self.other_unassigned)

    def test_a_new_membership_reaches_the_rule(self):
        self.team.members_see_unassigned = True
        self.assertEqual(self.visible(self.seller), self.sellers_deal)  # fills the rule cache for the seller
        membership = self.env["crm.team.member"].create({"crm_team_id": self.team.id, "user_id": self.seller.id})
        self.assertEqual(self.visible(self.seller), self.sellers_deal | self.unassigned)
        self.unassigned.with_user(self.seller).read(["name"])
        self.assertSameAsOldRule()
        membership.active = False
        self.assertEqual(self.visible(self.seller), self.sellers_deal)
        with self.assertRaises(AccessError):
            self.unassigned.with_user(self.seller).read(["name"])
        self.assertSameAsOldRule()

    def test_a_removed_membership_and_the_team_setting_reach_the_rule(self):
        self.team.members_see_unassigned = True
        self.assertEqual(self.visible(self.salesperson), self.own | self.unassigned)
        self.team.members_see_unassigned = False
        self.assertEqual(self.visible(self.salesperson), self.own)
        with self.assertRaises(AccessError):
            self.unassigned.with_user(self.salesperson).read(["name"])
        self.team.members_see_unassigned = True
        self.team.crm_team_member_ids.filtered(lambda m: m.user_id == self.salesperson).unlink()
        self.assertEqual(self.visible(self.salesperson), self.own)
        self.assertSameAsOldRule()

    # NS-1, NS-5, DL-5: the flags and the counters ---------------------------------------------------------------------

    def _varied_deals(self):
        """Deals in every discipline state, on 2030-01-20: stale, without step, overdue, won, lost, alive."""
        self.team.next_step_policy = "flag"
        Lead = self.env["crm.lead"].with_context(tracking_disable=True)
        no_step = {"next_step_type_id": False, "next_step_goal": False, "next_step_deadline": False}
        with freeze_time("2030-01-01 09:00:00"):
            deals = {
                "stale_with_far_step": Lead.create(self.deal_vals(next_step_deadline="2030-03-01")),
                "stale_without_step": Lead.create(self.deal_vals(**no_step)),
                "overdue": Lead.create(self.deal_vals(next_step_deadline="2030-01-10")),
                "won_overdue": Lead.create(self.deal_vals(next_step_deadline="2030-01-05")),
                "lost": Lead.create(self.deal_vals(**no_step)),
                "unassigned_without_step": Lead.create(self.deal_vals(user_id=False, **no_step)),
                "colleagues_overdue": Lead.create(
                    self.deal_vals(user_id=self.colleague.id, next_step_deadline="2030-01-12")
                ),
            }
        with freeze_time("2030-01-19 10:00:00"):
            alive = Lead.create(self.deal_vals(next_step_deadline="2030-01-25"))
            alive.with_user(self.salesperson).message_post(body="Talked", message_type="comment")
            touched = deals["overdue"]
            touched.with_user(self.salesperson).message_post(body="Called", message_type="comment")
            deals["alive"] = alive
        deals["won_overdue"].sudo().stage_id = self.stage_won
        deals["lost"].sudo().action_set_lost()
        (self.env["crm.lead"].concat(*deals.values()) - alive).sudo().date_last_stage_update = datetime(2030, 1, 1)
        self.env.flush_all()
        return deals

    @freeze_time("2030-01-20 12:00:00")
    def test_flags_are_read_in_one_query(self):
        deals = self._varied_deals()
        leads = self.env["crm.lead"].concat(*deals.values())
        leads.invalidate_recordset()
        with self.assertQueryCount(1):
            flags = {
                name: (lead.has_next_step, lead.has_overdue_step, lead.is_stale)
                for name, lead in zip(deals, leads, strict=True)
            }
        self.assertEqual(
            flags,
            {
                "stale_with_far_step": (True, False, True),
                "stale_without_step": (False, False, True),
                "overdue": (True, True, False),
                "won_overdue": (True, True, False),
                "lost": (True, False, False),
                "unassigned_without_step": (False, False, True),
                "colleagues_overdue": (True, True, True),
                "alive": (True, False, False),
            },
        )
        for name, lead in deals.items():
            for field_name, value in zip(("has_next_step", "has_overdue_step", "is_stale"), flags[name], strict=True):
                found = (
                    self.env["crm.lead"]
                    .with_context(active_test=False)
                    .search_count([("id", "=", lead.id), (field_name, "=", True)])
                )
                self.assertEqual(bool(found), value, f"{name}: {field_name}")

    @freeze_time("2030-01-20 12:00:00")
    def test_team_counters_count_what_the_flags_search_finds(self):
        self._varied_deals()
        self.team.members_see_unassigned = True
        self.team.invalidate_recordset()
        with self.assertQueryCount(1):
            self.assertEqual(
                {name: self.team[name] for name in FLAG_DOMAINS},
                {"discipline_no_next_step_count": 2, "discipline_overdue_count": 5, "discipline_stale_count": 6},
            )
        for user in (self.salesperson, self.team_lead, self.head):
            team = self.team.with_user(user)
            team.invalidate_recordset()
            counts = {name: team[name] for name in FLAG_DOMAINS}
            for name, domain in FLAG_DOMAINS.items():
                expected = (
                    self.env["crm.lead"]
                    .with_user(user)
                    .search_count([("team_id", "=", self.team.id), ("type", "=", "opportunity"), *domain])
                )
                self.assertEqual(counts[name], expected, f"{user.name}: {name}")

    # CL-6: the client status -----------------------------------------------------------------------------------------

    def _client_deal(self):
        client = self.env["res.partner"].create(self.company_vals())
        deal = self.env["crm.lead"].create(self.deal_vals(partner_id=client.id))
        return client, deal

    def _mark_refresh_date(self, client):
        client.sudo().client_status_date = "2020-01-01"
        self.env.flush_all()

    def test_moving_an_open_deal_does_not_rewrite_the_client(self):
        client, deal = self._client_deal()
        self._mark_refresh_date(client)
        deal.with_user(self.salesperson).write(
            {"stage_id": self.stage_proposal.id, "description": "Pumps", "source_id": self.source.id}
        )
        self.env.flush_all()
        self.assertEqual(str(client.client_status_date), "2020-01-01")
        self.assertEqual(client.client_status, "inquiry")

    def test_winning_losing_and_restoring_refresh_the_client(self):
        client, deal = self._client_deal()
        self._mark_refresh_date(client)
        deal.with_user(self.salesperson).write({"stage_id": self.stage_won.id})
        self.assertEqual(client.client_status, "active")
        self.assertEqual(client.client_status_date, datetime.now().date())
        self._mark_refresh_date(client)
        deal.with_user(self.salesperson).action_set_lost(lost_reason_id=self.reason_price.id)
        self.assertEqual(client.client_status, "inquiry")
        self.assertFalse(client.last_purchase_date)
        self._mark_refresh_date(client)
        deal.with_user(self.salesperson).action_unarchive()
        self.assertEqual(client.client_status, "active")
        self.assertEqual(client.client_status_date, datetime.now().date())

    def test_leaving_the_won_stage_refreshes_the_client(self):
        client, deal = self._client_deal()
        deal.sudo().stage_id = self.stage_won
        self.assertEqual(client.client_status, "active")
        deal.with_user(self.salesperson).write({"stage_id": self.stage_new.id})
        self.assertEqual(client.client_status, "inquiry")

    def test_an_unchanged_status_is_not_written_again(self):
        client, deal = self._client_deal()
        deal.sudo().stage_id = self.stage_won
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET write_date = '2020-01-01' WHERE id = %s", [client.id])
        client.invalidate_recordset()
        client._discipline_refresh_client_status()
        self.env.flush_all()
        client.invalidate_recordset()
        self.assertEqual(str(client.write_date), "2020-01-01 00:00:00")
        self.assertEqual(client.client_status, "active")

    # DL-5, NS-1, rollout: the bookkeeping of a done step ----------------------------------------------------------

    def test_a_touch_is_one_statement_and_not_an_edit_of_the_deal(self):
        deal = self.env["crm.lead"].create(self.deal_vals())
        self.env.flush_all()
        self.env.cr.execute("UPDATE crm_lead SET write_date = '2020-01-01' WHERE id = %s", [deal.id])
        deal.invalidate_recordset()
        self.assertFalse(deal.last_touch_date)
        gone = self.env["crm.lead"].create(self.deal_vals(name="Deleted meanwhile"))
        gone_id = gone.id
        gone.unlink()
        deals = deal.with_user(self.salesperson) | self.env["crm.lead"].browse(gone_id)
        with self.assertQueryCount(1):
            deals._discipline_touch()
        self.assertEqual(deal.last_touch_date.date(), datetime.now().date())
        self.assertEqual(str(deal.write_date), "2020-01-01 00:00:00")
        self.assertFalse(deal.is_stale)

    def test_a_company_mode_is_read_once_and_follows_its_changes(self):
        company = self.env.company
        stored = company.discipline_mode_next_step
        company._discipline_mode("next_step")
        company.invalidate_recordset()
        with self.assertQueryCount(0):
            self.assertEqual(company.with_user(self.salesperson)._discipline_mode("next_step"), stored)
        for mode in ("off", "warn", "enforce"):
            company.discipline_mode_next_step = mode
            self.assertEqual(company.with_user(self.salesperson)._discipline_mode("next_step"), mode)

    def test_a_step_without_a_meeting_has_no_hour_and_a_given_hour_is_kept(self):
        deal = self.env["crm.lead"].create(self.deal_vals())
        Activity = self.env["mail.activity"].with_user(self.salesperson)
        values = {
            "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
            "res_id": deal.id,
            "activity_type_id": self.call.id,
            "goal": "Agree on the demo date",
            "date_deadline": "2030-01-10",
        }
        step = Activity.create(values)
        self.assertFalse(step.scheduled_at)
        timed = Activity.with_context(default_scheduled_at="2030-01-10 09:30:00").create(values)
        self.assertEqual(str(timed.scheduled_at), "2030-01-10 09:30:00")
