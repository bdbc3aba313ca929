from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealDisciplineCase
from .test_odoo_users import form_user

DEAL_REPORTS = (
    "deal_volume_salesperson",
    "deal_volume_contact",
    "deal_volume_company",
    "revenue_deal_type",
    "revenue_source",
    "conversion",
    "won_deals",
    "expected_sales",
    "overdue_deals",
    "deals_by_stage",
    "leads_salesperson",
)


@tagged("post_install", "-at_install")
class TestStandardReports(DealDisciplineCase):
    """AN-6: each standard report opens on its saved grouping and reads the deals the user's visibility gives them,
    as the web client's pivot asks for them (the action's domain and context, the pivot's grouped read)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin_env = cls.env(user=cls.env.ref("base.user_admin"))
        cls.own_docs = form_user(admin_env, "sd_rep_own", "Olga Own", "sales_team.group_sale_salesman")
        cls.team.crm_team_member_ids = [(0, 0, {"user_id": cls.own_docs.id})]
        Partner = cls.env["res.partner"]
        cls.client = Partner.with_user(cls.salesperson).create(cls.company_vals(user_id=cls.own_docs.id))
        cls.contact = Partner.with_user(cls.salesperson).create(cls.contact_vals(cls.client))
        cls.other_client = Partner.with_user(cls.colleague).create(
            cls.company_vals(
                name="Vasilek JSC", email="info@vasilek.example", phone="+7 812 555-01-01", user_id=cls.colleague.id
            )
        )
        fair = cls.env["utm.source"].create({"name": "Fair"})
        past = (date.today() - relativedelta(days=20)).isoformat()
        future = (date.today() + relativedelta(months=2)).isoformat()
        Lead = cls.env["crm.lead"].with_user(cls.own_docs)
        deal = {"partner_id": cls.contact.id, "user_id": cls.own_docs.id}
        with freeze_time(date.today() - relativedelta(days=40)):
            cls.overdue = Lead.create(
                cls.deal_vals(
                    name="Overdue", expected_revenue=1000.0, date_deadline=past, next_step_deadline=past, **deal
                )
            )
        cls.open = Lead.create(cls.deal_vals(name="Open", expected_revenue=2000.0, date_deadline=future, **deal))
        cls.won = Lead.create(cls.deal_vals(name="Won", expected_revenue=3000.0, source_id=fair.id, **deal))
        cls.won.write({"stage_id": cls.stage_won.id})
        cls.lost = Lead.create(cls.deal_vals(name="Lost", expected_revenue=4000.0, **deal))
        cls.lost.action_set_lost(lost_reason_id=cls.reason_price.id)
        Colleague = cls.env["crm.lead"].with_user(cls.colleague)
        cls.colleague_open = Colleague.create(
            cls.deal_vals(name="Theirs", partner_id=cls.other_client.id, user_id=cls.colleague.id, date_deadline=past)
        )
        cls.colleague_won = Colleague.create(
            cls.deal_vals(
                name="Theirs Won",
                partner_id=cls.other_client.id,
                user_id=cls.colleague.id,
                expected_revenue=7000.0,
                source_id=fair.id,
            )
        )
        cls.colleague_won.write({"stage_id": cls.stage_won.id})
        cls.own_deals = cls.overdue | cls.open | cls.won | cls.lost
        cls.all_deals = cls.own_deals | cls.colleague_open | cls.colleague_won

    def _action(self, xmlid):
        return self.env.ref(f"sales_discipline.{xmlid}")

    def _pivot(self, xmlid, user, groupby=None):
        """The pivot's first read, as ``user``: the action's domain and context, its row grouping and measures;
        the groups keyed by the value of the first grouping."""
        groupby = groupby or self._context_of(xmlid, user)["pivot_row_groupby"][:1]
        return {self._key(group[groupby[0]]): group for group in self._groups(xmlid, user, groupby)}

    @staticmethod
    def _key(value):
        return value[0] if isinstance(value, (list, tuple)) else value

    def _context_of(self, xmlid, user):
        return safe_eval(self._action(xmlid).context or "{}", {"context_today": date.today, "uid": user.id})

    def _groups(self, xmlid, user, groupby):
        """The pivot's grouped read of the report's deals, as ``user``."""
        action = self._action(xmlid)
        eval_context = {"context_today": date.today, "uid": user.id}
        domain = safe_eval(action.domain or "[]", eval_context)
        context = self._context_of(xmlid, user)
        measures = [f"{name}:avg" if name == "probability" else f"{name}:sum" for name in context["pivot_measures"]]
        Model = self.env[action.res_model].with_user(user).with_context(active_test=context.get("active_test", True))
        return Model.read_group(
            [*domain, ("id", "in", self.all_deals.ids)],
            [measure for measure in measures if measure != "__count:sum"],
            groupby,
            lazy=False,
        )

    def test_every_report_opens_for_odoo_salespeople_and_the_head(self):
        for user in (self.own_docs, self.salesperson, self.head):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            for xmlid in DEAL_REPORTS:
                with self.subTest(user=user.login, report=xmlid):
                    action = self._action(f"crm_lead_action_report_{xmlid}")
                    menu = self._action(f"crm_lead_menu_report_{xmlid}")
                    self.assertIn(menu.id, visible)
                    views = [(view.view_id.id, view.view_mode) for view in action.view_ids]
                    result = (
                        self.env["crm.lead"].with_user(user).get_views([*views, (action.search_view_id.id, "search")])
                    )
                    self.assertEqual(set(result["views"]), {"pivot", "graph", "list", "search"})
                    context = safe_eval(action.context, {"context_today": date.today, "uid": user.id})
                    self.assertTrue(context["pivot_row_groupby"], "a saved default grouping")

    def test_deal_volume_by_salesperson_counts_lost_deals_within_visibility(self):
        own = self._pivot("crm_lead_action_report_deal_volume_salesperson", self.own_docs)
        self.assertEqual({user_id: group["__count"] for user_id, group in own.items()}, {self.own_docs.id: 4})
        head = self._pivot("crm_lead_action_report_deal_volume_salesperson", self.head)
        self.assertEqual(
            {user_id: group["__count"] for user_id, group in head.items()}, {self.own_docs.id: 4, self.colleague.id: 2}
        )
        self.assertEqual(head[self.own_docs.id]["expected_revenue"], 10000.0)

    def test_conversion_is_won_over_closed(self):
        head = self._pivot("crm_lead_action_report_conversion", self.head)
        self.assertEqual(head[self.own_docs.id]["probability"], 50.0, "one won, one lost")
        self.assertEqual(head[self.own_docs.id]["__count"], 2, "open deals are not closed")
        self.assertEqual(head[self.colleague.id]["probability"], 100.0)
        own = self._pivot("crm_lead_action_report_conversion", self.own_docs)
        self.assertEqual(list(own), [self.own_docs.id])

    def test_revenue_reports_count_won_deals_only(self):
        by_type = self._pivot("crm_lead_action_report_revenue_deal_type", self.head)
        self.assertEqual(sum(group["expected_revenue"] for group in by_type.values()), 10000.0)
        self.assertEqual(set(by_type), set((self.won | self.colleague_won).sudo().mapped("deal_type")))
        by_source = self._pivot("crm_lead_action_report_revenue_source", self.own_docs)
        self.assertEqual(
            {key: group["expected_revenue"] for key, group in by_source.items()}, {self.won.source_id.id: 3000.0}
        )
        won = self._pivot("crm_lead_action_report_won_deals", self.head)
        self.assertEqual(
            {key: group["__count"] for key, group in won.items()}, {self.own_docs.id: 1, self.colleague.id: 1}
        )

    def test_reports_with_a_group_per_client_open_on_a_grouped_list(self):
        """As many groups as clients: a pivot would draw them all, a grouped list reads a page of them."""
        for xmlid, groupby in (("deal_volume_contact", "partner_id"), ("deal_volume_company", "discipline_client_id")):
            action = self._action(f"crm_lead_action_report_{xmlid}")
            self.assertEqual(action.view_mode.split(",")[0], "list")
            self.assertEqual(self._context_of(f"crm_lead_action_report_{xmlid}", self.head)["group_by"], [groupby])
            page = (
                self.env["crm.lead"]
                .with_user(self.own_docs)
                .with_context(active_test=False)
                .web_read_group(
                    [*safe_eval(action.domain), ("id", "in", self.all_deals.ids)],
                    ["expected_revenue:sum"],
                    [groupby],
                    limit=80,
                )
            )
            self.assertEqual(
                [(group[groupby][0], group[f"{groupby}_count"]) for group in page["groups"]],
                [((self.contact if groupby == "partner_id" else self.client).id, 4)],
            )

    def test_deal_volume_by_contact_and_by_company(self):
        by_contact = self._pivot("crm_lead_action_report_deal_volume_contact", self.head)
        self.assertEqual(by_contact[self.contact.id]["__count"], 4)
        by_company = self._pivot("crm_lead_action_report_deal_volume_company", self.head)
        self.assertEqual(
            {key: group["__count"] for key, group in by_company.items()}, {self.client.id: 4, self.other_client.id: 2}
        )
        own = self._pivot("crm_lead_action_report_deal_volume_company", self.own_docs)
        self.assertEqual({key: group["__count"] for key, group in own.items()}, {self.client.id: 4})

    def test_expected_overdue_and_by_stage_read_open_deals(self):
        expected = self._pivot("crm_lead_action_report_expected_sales", self.own_docs)
        open_deals = self.overdue | self.open
        self.assertEqual(expected[self.own_docs.id]["prorated_revenue"], sum(open_deals.mapped("prorated_revenue")))
        overdue = self._pivot("crm_lead_action_report_overdue_deals", self.head)
        self.assertEqual(
            {key: group["__count"] for key, group in overdue.items()}, {self.own_docs.id: 1, self.colleague.id: 1}
        )
        by_stage = self._pivot("crm_lead_action_report_deals_by_stage", self.own_docs)
        self.assertEqual({key: group["__count"] for key, group in by_stage.items()}, {self.stage_new.id: 2})

    def test_leads_by_salesperson_status_and_source(self):
        leads = self._groups("crm_lead_action_report_leads_salesperson", self.head, ["user_id", "stage_id"])
        self.assertEqual(
            {(self._key(group["user_id"]), group["stage_id"][0]): group["__count"] for group in leads},
            {
                (self.own_docs.id, self.stage_new.id): 3,
                (self.own_docs.id, self.stage_won.id): 1,
                (self.colleague.id, self.stage_new.id): 1,
                (self.colleague.id, self.stage_won.id): 1,
            },
            "a lost deal counts in the stage it was lost at",
        )
        own = self._pivot("crm_lead_action_report_leads_salesperson", self.own_docs, groupby=["source_id"])
        self.assertEqual({key: group["__count"] for key, group in own.items()}, {False: 3, self.won.source_id.id: 1})

    def test_activities_done_and_overdue_by_salesperson(self):
        step = self.overdue.activity_ids
        self.assertTrue(step.date_deadline < date.today())
        Overdue = self.env["mail.activity"]
        action = self._action("mail_activity_action_report_overdue")
        domain = safe_eval(action.domain, {"context_today": date.today})
        for user, expected in ((self.own_docs, {self.own_docs.id: 1}), (self.head, {self.own_docs.id: 1})):
            groups = Overdue.with_user(user).read_group(
                [*domain, ("res_id", "in", self.all_deals.ids)], [], ["user_id"], lazy=False
            )
            self.assertEqual({group["user_id"][0]: group["__count"] for group in groups}, expected, user.login)
        colleague_view = Overdue.with_user(self.colleague).read_group(
            [*domain, ("res_id", "in", self.all_deals.ids)], [], ["user_id"], lazy=False
        )
        self.assertEqual(colleague_view, [], "another salesperson's overdue steps are not theirs to read")
        # the deal keeps a next step: a second step is planned before the first is marked done
        first_step = self.open.activity_ids
        self.open.with_user(self.own_docs).activity_schedule(
            activity_type_id=self.meeting.id,
            summary="Meet the director",
            date_deadline=date.today() + relativedelta(days=3),
        )
        first_step.with_user(self.own_docs).action_feedback(feedback="Called, they want a meeting")
        done_action = self._action("crm_activity_report_action_done")
        done = (
            self.env["crm.activity.report"]
            .with_user(self.own_docs)
            .read_group(
                [*safe_eval(done_action.domain), ("lead_id", "in", self.all_deals.ids)], [], ["author_id"], lazy=False
            )
        )
        self.assertEqual(
            [(group["author_id"][0], group["__count"]) for group in done], [(self.own_docs.partner_id.id, 1)]
        )
