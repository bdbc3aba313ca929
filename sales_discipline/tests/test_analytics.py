from datetime import date

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealDisciplineCase
from .test_odoo_users import form_user

TODAY = "2026-07-15"  # the window of 12 full months is July 2025 ... June 2026


@tagged("post_install", "-at_install")
class AbcXyzCase(DealDisciplineCase):
    """AN-2: the ABC-XYZ classes of the clients, from won deals and imported turnover."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Turnover = cls.env["sales.discipline.client.turnover"]
        cls.clients = cls.env["res.partner"]
        for index in range(6):
            cls.clients |= (
                cls.env["res.partner"]
                .with_user(cls.salesperson)
                .create(
                    cls.company_vals(
                        name=f"Client {index} LLC",
                        email=f"info@client{index}.example",
                        phone=f"+7 495 700-00-0{index}",
                        vat=f"77010000{index}0",
                    )
                )
            )

    def _turnover(self, client, amounts_by_month, company=None):
        """Monthly amounts {"2026-03": 100.0, ...} for a client, as the head of sales enters them."""
        Turnover = self.Turnover.with_user(self.head)
        if company:
            Turnover = Turnover.sudo().with_company(company)
        return Turnover.create(
            [
                {
                    "partner_id": client.id,
                    "month": f"{month}-01",
                    "amount": amount,
                    "company_id": (company or self.company).id,
                }
                for month, amount in amounts_by_month.items()
            ]
        )

    def _recompute(self):
        with freeze_time(TODAY):
            return self.env["res.partner"]._discipline_recompute_abc_xyz()

    def _classes(self, clients):
        return [(client.discipline_abc_class, client.discipline_xyz_class) for client in clients]


class TestAbcXyzClasses(AbcXyzCase):
    def test_abc_by_running_share_of_revenue(self):
        for client, amount in zip(self.clients, (500.0, 300.0, 100.0, 60.0, 40.0), strict=False):
            self._turnover(client, {"2026-03": amount})
        self._recompute()
        self.assertEqual(
            [client.discipline_abc_class for client in self.clients[:5]], ["a", "a", "b", "b", "c"], "80 / 15 / 5 %"
        )
        self.assertEqual(self.clients[0].discipline_abc_revenue, 500.0)
        self.assertFalse(self.clients[5].discipline_abc_class, "no purchase: no class")
        self.assertEqual(self.company.discipline_abc_computed_on, date(2026, 7, 15))

    def test_thresholds_follow_the_company_policy(self):
        for client, amount in zip(self.clients, (500.0, 300.0, 100.0, 60.0, 40.0), strict=False):
            self._turnover(client, {"2026-03": amount})
        self.company.with_user(self.discipline_admin).write(
            {"discipline_abc_share_a": 50, "discipline_abc_share_b": 40}
        )
        self._recompute()
        self.assertEqual([client.discipline_abc_class for client in self.clients[:5]], ["a", "b", "b", "c", "c"])

    def test_xyz_by_variation_of_monthly_purchases(self):
        months = [
            f"{year}-{month:02d}"
            for year, month in [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]
        ]
        regular, swinging, once = self.clients[:3]
        self._turnover(regular, dict.fromkeys(months, 100.0))
        self._turnover(swinging, {month: 100.0 if index % 2 else 130.0 for index, month in enumerate(months)})
        self._turnover(once, {"2026-02": 1200.0})
        self._recompute()
        self.assertEqual([c.discipline_xyz_class for c in (regular, swinging, once)], ["x", "y", "z"])
        self.assertEqual(regular.discipline_xyz_variation, 0.0)
        self.assertEqual(swinging.discipline_xyz_variation, 13.0, "standard deviation 15 over a mean of 115")
        self.assertEqual(once.discipline_abc_months_bought, 1)
        self.assertEqual(regular.discipline_abc_months_bought, 12)

    def test_won_deals_of_the_window_count_for_the_commercial_client(self):
        client = self.clients[0]
        contact = self.env["res.partner"].with_user(self.salesperson).create(self.contact_vals(client))
        for closed_on, revenue in (("2025-06-20", 7000.0), ("2026-02-10", 3000.0), ("2026-07-05", 9000.0)):
            lead = self.Lead.create(self.deal_vals(partner_id=contact.id, expected_revenue=revenue))
            with freeze_time(closed_on):
                lead.write({"stage_id": self.stage_won.id})
        lost = self.Lead.create(self.deal_vals(partner_id=contact.id, expected_revenue=50000.0))
        lost.action_set_lost(lost_reason_id=self.reason_price.id)
        self._turnover(client, {"2026-02": 500.0})
        self._recompute()
        self.assertFalse(contact.discipline_abc_class, "a contact is classified through its company")
        self.assertEqual(client.discipline_abc_revenue, 3500.0, "only the full months of the window, won deals only")
        self.assertEqual(client.discipline_abc_months_bought, 1)

    def test_a_client_that_stopped_buying_loses_its_class(self):
        self._turnover(self.clients[0], {"2026-03": 100.0})
        self._recompute()
        self.assertEqual(self.clients[0].discipline_abc_class, "a")
        with freeze_time("2027-05-02"):
            self.env["res.partner"]._discipline_recompute_abc_xyz()
        self.assertFalse(self.clients[0].discipline_abc_class)
        self.assertFalse(self.clients[0].discipline_xyz_class)
        self.assertEqual(self.clients[0].discipline_abc_revenue, 0.0)

    def test_shared_card_is_ranked_in_the_company_where_it_buys_most(self):
        other_company = self.env["res.company"].create({"name": "Second Company"})
        shared = self.env["res.partner"].create({"name": "Shared Holding", "is_company": True, "company_id": False})
        self._turnover(self.clients[0], {"2026-03": 1000.0})
        self._turnover(shared, {"2026-03": 200.0})
        self._turnover(shared, {"2026-04": 500.0}, company=other_company)
        self._recompute()
        self.assertEqual(shared.discipline_abc_revenue, 500.0, "ranked once, in the second company")
        self.assertEqual(self._classes(shared), [("a", "z")])
        self.assertEqual(self.clients[0].discipline_abc_class, "a")

    def test_recompute_sends_the_same_queries_for_3_or_6_clients(self):
        def queries():
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            self._recompute()
            return self.env.cr.sql_log_count - before

        queries()  # the user's time zone and the like, read once
        for client in self.clients[:3]:
            self._turnover(client, {"2026-03": 100.0})
        few = queries()
        for client in self.clients[3:]:
            self._turnover(client, {"2026-03": 100.0, "2026-04": 50.0})
        self.assertEqual(queries(), few)
        self.assertEqual(len(self.clients.filtered("discipline_abc_class")), 6)

    def test_cron_classifies(self):
        self._turnover(self.clients[0], {"2026-03": 100.0})
        cron = self.env.ref("sales_discipline.ir_cron_recompute_abc_xyz")
        with freeze_time(TODAY):
            cron.method_direct_trigger()
        self.assertEqual(self._classes(self.clients[0]), [("a", "z")])


class TestAbcXyzRights(AbcXyzCase):
    def test_the_classes_are_not_typed(self):
        self.assertRefused(
            AccessError,
            "“ABC Class” of a client is computed from its purchases, not typed.",
            self.clients[0].with_user(self.salesperson).write,
            {"discipline_abc_class": "a"},
        )
        self.assertRefused(
            AccessError,
            "“Revenue in the ABC Window” of a client is computed from its purchases, not typed.",
            self.clients[0].with_user(self.head).write,
            {"discipline_abc_revenue": 1.0},
        )

    def test_a_card_cannot_be_created_or_imported_with_a_class(self):
        Partner = self.env["res.partner"].with_user(self.head)
        vals = self.company_vals(name="Typed LLC", email="info@typed.example", phone="+7 495 700-11-11")
        self.assertRefused(
            AccessError,
            "“ABC Class” of a client is computed from its purchases, not typed.",
            Partner.create,
            {**vals, "discipline_abc_class": "a"},
        )
        result = Partner.load(["name", "is_company", "discipline_ltv"], [["Imported LLC", "1", "99999"]])
        self.assertFalse(result["ids"])
        self.assertEqual(
            [message["message"] for message in result["messages"]],
            ["“Lifetime Value (LTV)” of a client is computed from its purchases, not typed."],
        )

    def test_only_the_head_recomputes_on_demand(self):
        self._turnover(self.clients[0], {"2026-03": 100.0})
        self.assertRefused(
            AccessError,
            "Only the head of sales recomputes the ABC-XYZ classes.",
            self.env["res.partner"].with_user(self.team_lead).action_discipline_recompute_abc_xyz,
        )
        with freeze_time(TODAY):
            action = self.env["res.partner"].with_user(self.head).action_discipline_recompute_abc_xyz()
        self.assertEqual(action["params"]["message"], "ABC-XYZ recomputed: 1 client cards changed.")
        self.assertEqual(self.clients[0].discipline_abc_class, "a")

    def test_salesperson_reads_the_class_of_own_client_but_not_the_turnover(self):
        self._turnover(self.clients[0], {"2026-03": 100.0})
        self._recompute()
        self.assertEqual(self.clients[0].with_user(self.salesperson).discipline_abc_class, "a")
        with self.assertRaises(AccessError):
            self.Turnover.with_user(self.salesperson).search([])

    def test_policy_limits(self):
        Company = self.company.with_user(self.discipline_admin)
        self.assertRefused(
            ValidationError,
            "The shares of classes A and B are each more than 0 and together less than 100 %, so that class C keeps"
            " the rest: not 90 % and 15 %.",
            Company.write,
            {"discipline_abc_share_a": 90},
        )
        self.assertRefused(
            ValidationError,
            "The ABC-XYZ window is 1 to 60 months, not 0.",
            Company.write,
            {"discipline_abc_months": 0},
        )
        self.assertRefused(
            ValidationError,
            "The variation limit of class X is more than 0 and that of class Y more than X's: not 30.0 % and 25.0 %.",
            Company.write,
            {"discipline_xyz_limit_x": 30.0},
        )
        with self.assertRaises(AccessError):
            self.company.with_user(self.head).write({"discipline_abc_months": 6})


class TestClientTurnoverImport(AbcXyzCase):
    def _load(self, rows, user=None):
        return self.Turnover.with_user(user or self.head).load(["client", "month", "amount"], rows)

    def test_rows_find_their_client_by_vat_or_name_and_months_start_on_the_first(self):
        result = self._load(
            [
                ["7701-0000-00", "2026-03-17", "1500.50"],
                ["client 1 llc", "2026-03-01", "800"],
                [" Client 2 LLC ", "2026-04-30", "300"],
            ]
        )
        self.assertFalse(result["messages"])
        rows = self.Turnover.browse(result["ids"])
        self.assertEqual(rows.partner_id, self.clients[:3])
        self.assertEqual(set(rows.mapped("month")), {date(2026, 3, 1), date(2026, 4, 1)})
        self.assertEqual(rows[0].amount, 1500.5)

    def test_a_bad_row_is_reported_and_nothing_is_saved(self):
        result = self._load(
            [
                ["7701000000", "2026-03-01", "100"],
                ["Nobody Ltd", "2026-03-01", "100"],
            ]
        )
        self.assertFalse(result["ids"])
        self.assertEqual(
            [(message["type"], message["message"]) for message in result["messages"]],
            [("error", 'No client card has the VAT or name "Nobody Ltd".')],
        )
        self.assertFalse(self.Turnover.search([]))

    def test_a_row_without_client_is_refused(self):
        result = self._load([["", "2026-03-01", "100"]])
        self.assertFalse(result["ids"])
        self.assertEqual(
            [message["message"] for message in result["messages"]],
            ["Missing required value for the field 'Client' (partner_id)"],
        )

    def test_an_ambiguous_name_is_refused(self):
        self.env["res.partner"].create({"name": "Client 0 LLC", "is_company": True, "vat": "990000001"})
        self.assertRefused(
            ValidationError,
            'Several client cards have the VAT or name "Client 0 LLC": enter the VAT of the right one.',
            self.Turnover.with_user(self.head).create,
            {"client": "Client 0 LLC", "month": "2026-03-01", "amount": 1.0},
        )

    def test_a_month_is_entered_once_per_client(self):
        result = self._load([["7701000000", "2026-03-01", "100"], ["7701000000", "2026-03-20", "50"]])
        self.assertFalse(result["ids"])
        self.assertEqual(
            [message["message"] for message in result["messages"]],
            ["The turnover of Client 0 LLC for March 2026 is already entered: correct that row instead."],
        )

    def test_refusals_speak_russian(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.env["ir.module.module"]._load_module_terms(["sales_discipline"], ["ru_RU"], overwrite=True)
        # the web client sends the user's language in the context
        result = (
            self.Turnover.with_user(self.head)
            .with_context(lang="ru_RU")
            .load(
                ["client", "month", "amount"],
                [["7701000000", "2026-03-01", "100"], ["Никто", "2026-03-01", "1"], ["7701000000", "2026-03-09", "5"]],
            )
        )
        self.assertEqual(
            [message["message"] for message in result["messages"]],
            [
                "Нет карточки клиента с ИНН или названием «Никто».",
                "Оборот Client 0 LLC за март 2026 уже внесён: исправьте ту строку.",
            ],
        )
        self.assertRefused(
            AccessError,
            "Пересчитывать классы ABC-XYZ может только руководитель отдела продаж.",
            self.env["res.partner"]
            .with_user(self.salesperson)
            .with_context(lang="ru_RU")
            .action_discipline_recompute_abc_xyz,
        )

    def test_a_row_moved_onto_a_taken_month_is_refused(self):
        rows = self._turnover(self.clients[0], {"2026-03": 100.0, "2026-04": 50.0})
        self.assertRefused(
            ValidationError,
            "The turnover of Client 0 LLC for March 2026 is already entered: correct that row instead.",
            rows[1].with_user(self.head).write,
            {"month": "2026-03-25"},
        )
        rows[1].with_user(self.head).write({"month": "2026-05-31"})
        self.assertEqual(rows[1].month, date(2026, 5, 1))

    def test_imported_turnover_classifies_the_client(self):
        self._load([["7701000000", "2026-03-01", "100"]])
        self._recompute()
        self.assertEqual(self._classes(self.clients[0]), [("a", "z")])

    def test_salesperson_cannot_import(self):
        with self.assertRaises(AccessError):
            self.Turnover.with_user(self.salesperson).create(
                {"partner_id": self.clients[0].id, "month": "2026-03-01", "amount": 1.0}
            )


@tagged("post_install", "-at_install")
class TestAbcXyzOdooUsers(AbcXyzCase):
    """Users set up in the user form with Odoo's Sales levels: a Sales Administrator imports and recomputes, a
    salesperson of "Own Documents Only" reads the matrix of their clients and sees no turnover menu."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin_env = cls.env(user=cls.env.ref("base.user_admin"))
        cls.own_docs = form_user(admin_env, "sd_abc_own", "Olga Own", "sales_team.group_sale_salesman")
        cls.sales_admin = form_user(admin_env, "sd_abc_admin", "Sergei Sales Admin", "sales_team.group_sale_manager")

    def test_sales_administrator_imports_and_recomputes(self):
        result = self._load_as(self.sales_admin, [["7701000000", "2026-03-01", "100"]])
        self.assertFalse(result["messages"])
        with freeze_time(TODAY):
            self.env["res.partner"].with_user(self.sales_admin).action_discipline_recompute_abc_xyz()
        self.assertEqual(self._classes(self.clients[0]), [("a", "z")])

    def test_own_documents_salesperson_reads_the_matrix_not_the_turnover(self):
        self.clients[0].user_id = self.own_docs
        for client, amount in zip(self.clients[:2], (100.0, 900.0), strict=True):
            self._turnover(client, {"2026-03": amount})
        self._recompute()
        Partner = self.env["res.partner"].with_user(self.own_docs)
        groups = Partner.read_group(
            [("discipline_abc_class", "!=", False)],
            ["discipline_abc_revenue:sum"],
            ["discipline_abc_class", "discipline_xyz_class"],
            lazy=False,
        )
        self.assertEqual(
            [
                (g["discipline_abc_class"], g["discipline_xyz_class"], g["__count"], g["discipline_abc_revenue"])
                for g in groups
            ],
            [("b", "z", 1, 100.0)],
            "their own client only, ranked among all the company's clients",
        )
        visible = self.env["ir.ui.menu"].with_user(self.own_docs)._visible_menu_ids()
        self.assertIn(self.env.ref("sales_discipline.res_partner_menu_abc_xyz").id, visible)
        self.assertNotIn(self.env.ref("sales_discipline.sales_discipline_client_turnover_menu").id, visible)
        self.assertRefused(
            AccessError,
            "Only the head of sales recomputes the ABC-XYZ classes.",
            Partner.action_discipline_recompute_abc_xyz,
        )

    def _load_as(self, user, rows):
        return self.Turnover.with_user(user).load(["client", "month", "amount"], rows)


@tagged("post_install", "-at_install")
class TestShareOfWallet(AbcXyzCase):
    """AN-4: the salesperson's dated estimate of the client's total purchases, our share and the potential."""

    def test_salesperson_estimates_and_reads_share_and_potential(self):
        client = self.clients[0]
        self._turnover(client, {"2026-03": 1000.0, "2026-04": 2000.0})
        self._recompute()
        self.env.cr.flush()  # the card exists before the estimate: Odoo tracks no record created in the transaction
        with freeze_time("2026-07-20"):
            client.with_user(self.salesperson).write(
                {"discipline_wallet_total": 10000.0, "discipline_crosssell_potential": 2000.0}
            )
        self.assertEqual(client.discipline_wallet_date, date(2026, 7, 20))
        self.env.flush_all()
        self.env.cr.flush()  # tracking values are written when the transaction is flushed
        client.invalidate_recordset(["message_ids"])
        tracked = client.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "discipline_wallet_total"
        )
        self.assertEqual(tracked.new_value_float, 10000.0, "the estimate is kept in the chatter")
        self.assertEqual(
            (client.discipline_wallet_share, client.discipline_upsell_potential, client.discipline_wallet_potential),
            (30.0, 7000.0, 9000.0),
        )
        # a new month of purchases: the share follows the recompute
        self._turnover(client, {"2026-05": 2000.0})
        self._recompute()
        self.assertEqual((client.discipline_wallet_share, client.discipline_wallet_potential), (50.0, 7000.0))

    def test_estimates_below_our_revenue_or_negative_are_refused(self):
        client = self.clients[0].with_user(self.salesperson)
        self._turnover(self.clients[0], {"2026-03": 3000.0})
        self._recompute()
        self.assertRefused(
            ValidationError,
            "Client 0 LLC bought 3,000.00 from us in the window: their total purchases cannot be less.",
            client.write,
            {"discipline_wallet_total": 2500.0},
        )
        self.assertRefused(
            ValidationError,
            "The purchases and the potential of Client 0 LLC cannot be negative.",
            client.write,
            {"discipline_crosssell_potential": -1.0},
        )
        self.assertFalse(client.discipline_wallet_date, "nothing saved")

    def test_clients_ranked_by_potential_within_visibility(self):
        colleague_client = (
            self.env["res.partner"]
            .with_user(self.colleague)
            .create(
                self.company_vals(
                    name="Vasilek JSC",
                    email="info@vasilek.example",
                    phone="+7 812 555-01-01",
                    user_id=self.colleague.id,
                )
            )
        )
        colleague_client.with_user(self.colleague).discipline_wallet_total = 99000.0
        for client, total in zip(self.clients[:3], (5000.0, 20000.0, 1000.0), strict=True):
            client.with_user(self.salesperson).discipline_wallet_total = total
        action = self.env.ref("sales_discipline.res_partner_action_wallet")
        list_view = self.env.ref("sales_discipline.res_partner_view_list_wallet")
        order = "discipline_wallet_potential desc"
        self.assertIn(order, list_view.arch)
        ranked = self.env["res.partner"].with_user(self.salesperson).search(safe_eval(action.domain), order=order)
        self.assertEqual(ranked, self.clients[1] | self.clients[0] | self.clients[2])
        self.assertEqual(self.env["res.partner"].with_user(self.head).search_count(safe_eval(action.domain)), 4)

    def test_odoo_salesperson_enters_an_estimate_in_the_form(self):
        admin_env = self.env(user=self.env.ref("base.user_admin"))
        own_docs = form_user(admin_env, "sd_wallet_own", "Olga Own", "sales_team.group_sale_salesman")
        self.clients[0].user_id = own_docs
        with Form(self.clients[0].with_user(own_docs)) as card:
            card.discipline_wallet_total = 4000.0
        self.assertEqual(self.clients[0].discipline_wallet_potential, 4000.0)
        self.assertEqual(self.clients[0].discipline_wallet_date, fields.Date.today())


@tagged("post_install", "-at_install")
class TestLifetimeValue(AbcXyzCase):
    """AN-3: LTV = S x C x P x t per client and per segment, and the repeat-purchase funnel."""

    def _purchases(self):
        self.company.with_user(self.discipline_admin).discipline_ltv_margin = 50.0
        client_a, client_b = self.clients[:2]
        self._turnover(client_a, {"2026-01": 1000.0, "2026-03": 3000.0})
        self._turnover(client_b, {"2026-02": 600.0})
        self._recompute()
        return client_a, client_b

    def test_each_factor_and_the_value(self):
        client_a, client_b = self._purchases()
        figures = [
            (
                client.discipline_purchase_count,
                client.discipline_average_purchase,
                client.discipline_purchase_frequency,
                client.discipline_lifetime_months,
                client.discipline_ltv,
            )
            for client in (client_a, client_b)
        ]
        # t = the average months as a client: (3 + 1) / 2; A: 2,000 x 2/3 x 50 % x 2; B: 600 x 1 x 50 % x 2
        self.assertEqual(figures, [(2, 2000.0, 0.667, 3.0, 1333.33), (1, 600.0, 1.0, 1.0, 600.0)])
        self.assertEqual(self.company.discipline_ltv_lifetime_months, 2.0)

    def test_a_won_deal_is_a_purchase_of_the_commercial_client(self):
        client = self.clients[0]
        contact = self.env["res.partner"].with_user(self.salesperson).create(self.contact_vals(client))
        lead = self.Lead.create(self.deal_vals(partner_id=contact.id, expected_revenue=2500.0))
        with freeze_time("2025-11-20"):
            lead.write({"stage_id": self.stage_won.id})
        self._turnover(client, {"2026-01": 500.0})
        self._recompute()
        self.assertEqual(
            (client.discipline_purchase_count, client.discipline_average_purchase, client.discipline_lifetime_months),
            (2, 1500.0, 3.0),
        )
        self.assertFalse(contact.discipline_purchase_count)

    def test_repeat_purchase_funnel(self):
        self._purchases()
        Report = self.env["sales.discipline.repeat.report"].with_user(self.salesperson)
        rows = Report.search([("company_id", "=", self.company.id)])
        self.assertEqual(
            [(row.purchase_number, row.client_count, row.conversion) for row in rows], [(1, 2, 0.0), (2, 1, 50.0)]
        )

    def test_ltv_per_segment(self):
        _client_a, client_b = self._purchases()
        other_industry = self.env["res.partner.industry"].create({"name": "Retail"})
        client_b.industry_id = other_industry
        groups = (
            self.env["res.partner"]
            .with_user(self.head)
            .read_group([("discipline_purchase_count", ">", 0)], ["discipline_ltv:avg"], ["industry_id"])
        )
        self.assertEqual(
            {group["industry_id"][1]: group["discipline_ltv"] for group in groups},
            {self.industry.name: 1333.33, "Retail": 600.0},
        )

    def test_the_value_is_not_typed_and_the_margin_is_checked(self):
        self.assertRefused(
            AccessError,
            "“Lifetime Value (LTV)” of a client is computed from its purchases, not typed.",
            self.clients[0].with_user(self.head).write,
            {"discipline_ltv": 1.0},
        )
        self.assertRefused(
            ValidationError,
            "The margin for the LTV is more than 0 and at most 100 %, not 120.0 %.",
            self.company.with_user(self.discipline_admin).write,
            {"discipline_ltv_margin": 120.0},
        )
