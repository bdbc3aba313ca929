import json
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import DealDisciplineCase
from .test_odoo_users import form_user

READ_REFUSAL = "doesn't have 'read' access to"


class ClientVisibilityCase(DealDisciplineCase):
    """Cards of two salespeople of one team, a deal of one on the other's client, and a card of another team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stranger = new_test_user(
            cls.env, login="sd_stranger", name="Stepan Stranger", groups="sales_discipline.group_salesperson"
        )
        cls.other_team = cls.env["crm.team"].create(
            {"name": "Other Team", "crm_team_member_ids": [(0, 0, {"user_id": cls.stranger.id})]}
        )
        cls.own_client, cls.own_contact = cls.client_with_contact("Own Client LLC", "own", cls.salesperson)
        cls.colleague_client, cls.colleague_contact = cls.client_with_contact(
            "Colleague Client LLC", "colleague", cls.colleague
        )
        # the colleague's client, on a deal of the salesperson
        cls.deal_client, cls.deal_contact = cls.client_with_contact("Deal Client LLC", "deal", cls.colleague)
        cls.stranger_client, cls.stranger_contact = cls.client_with_contact(
            "Stranger Client LLC", "stranger", cls.stranger
        )
        cls.cards = (
            cls.own_client
            | cls.own_contact
            | cls.colleague_client
            | cls.colleague_contact
            | cls.deal_client
            | cls.deal_contact
            | cls.stranger_client
            | cls.stranger_contact
        )
        Lead = cls.env["crm.lead"].with_context(tracking_disable=True)
        cls.own_deal = Lead.create(cls.deal_vals(name="Own deal", partner_id=cls.own_client.id))
        cls.deal_on_colleague_client = Lead.create(
            cls.deal_vals(name="Valves for the colleague's client", partner_id=cls.deal_contact.id)
        )
        cls.colleague_deal = Lead.create(
            cls.deal_vals(name="Colleague's deal", user_id=cls.colleague.id, partner_id=cls.colleague_client.id)
        )
        cls.stranger_deal = Lead.create(
            cls.deal_vals(
                name="Stranger's deal",
                user_id=cls.stranger.id,
                team_id=cls.other_team.id,
                stage_id=False,
                partner_id=cls.stranger_client.id,
            )
        )

    @classmethod
    def client_with_contact(cls, name, key, user):
        number = 100 + len(cls.env["res.partner"].search([("name", "like", " Client LLC")]))
        client = cls.env["res.partner"].create(
            cls.company_vals(name=name, phone=f"+7 495 {number}-00-01", email=f"info@{key}.example", user_id=user.id)
        )
        contact = cls.env["res.partner"].create(
            cls.contact_vals(
                client, name=f"{key.title()} Contact", phone=f"+7 916 {number}-11-22", email=f"buyer@{key}.example"
            )
        )
        return client, contact

    def readable_names(self, user):
        return set(self.env["res.partner"].with_user(user).search([("id", "in", self.cards.ids)]).mapped("name"))


@tagged("post_install", "-at_install")
class TestClientVisibility(ClientVisibilityCase):
    """SE-1, SE-2: client cards follow the deal visibility, read as each role through the ORM."""

    def test_the_rule_costs_no_query_of_its_own(self):
        """Issue 11: the rule's inputs (the company's setting, the user's partner) cost no query on a request's fresh
        cache: the setting is cached, the partner is looked up inside the card's own read."""
        Partner = self.env["res.partner"].with_user(self.salesperson)
        Partner._discipline_readable_domain()
        self.env.invalidate_all()
        with self.assertQueryCount(0):
            Partner._discipline_readable_domain()
        self.env.invalidate_all()
        self.assertEqual(self.own_contact.with_user(self.salesperson).read(["name"])[0]["name"], "Own Contact")
        with self.assertRaises(AccessError):
            self.stranger_contact.with_user(self.salesperson).read(["name"])

    def test_the_rule_is_built_once_per_user_until_rights_change(self):
        """Issue 11: building the rule's SQL renders crm's deal rules three times, about 0.7 ms on every read of a
        card: it is built once per user and set of companies, and again when the user's rights change."""
        Partner = type(self.env["res.partner"])
        built = []
        build = Partner._discipline_readable_condition

        def counting_build(model, alias, uid, partner_id):
            built.append(uid)
            return build(model, alias, uid, partner_id)

        with patch.object(Partner, "_discipline_readable_condition", counting_build):
            self.env.registry.clear_cache()
            for card in (self.own_contact, self.deal_contact, self.own_client):
                self.env.invalidate_all()
                self.assertTrue(card.with_user(self.salesperson).read(["name"]))
            self.assertEqual(built, [self.salesperson.id])
            self.salesperson.write({"groups_id": [(4, self.env.ref("sales_discipline.group_team_lead").id)]})
            self.env.invalidate_all()
            self.assertTrue(self.own_contact.with_user(self.salesperson).read(["name"]))
            self.assertEqual(built, [self.salesperson.id] * 2)
        with self.assertRaisesRegex(AccessError, READ_REFUSAL):
            self.stranger_contact.with_user(self.salesperson).read(["name"])

    def test_salesperson_reads_their_clients_and_the_clients_of_their_deals(self):
        rows = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .search_read([("id", "in", self.cards.ids)], ["name", "phone", "email"])
        )
        self.assertEqual(
            {row["name"] for row in rows},
            {"Own Client LLC", "Own Contact", "Deal Client LLC", "Deal Contact"},
        )
        for card in (self.colleague_client, self.colleague_contact, self.stranger_contact):
            with self.assertRaisesRegex(AccessError, READ_REFUSAL):
                card.with_user(self.salesperson).read(["phone"])

    def test_a_card_nobody_is_responsible_for_is_out_of_sight_until_assigned(self):
        old_card = self.env["res.partner"].create({"name": "Old Card Without Salesperson", "is_company": True})
        Partner = self.env["res.partner"].with_user(self.salesperson)
        self.assertFalse(Partner.search([("id", "=", old_card.id)]))
        self.assertEqual(self.env["res.partner"].with_user(self.head).search([("id", "=", old_card.id)]), old_card)
        old_card.with_user(self.head).write({"user_id": self.salesperson.id})
        self.assertEqual(Partner.search([("id", "=", old_card.id)]), old_card)

    def test_a_card_out_of_sight_cannot_be_written_either(self):
        with self.assertRaisesRegex(AccessError, "doesn't have 'write' access to"):
            self.colleague_client.with_user(self.salesperson).write({"phone": "+7 495 999-99-99"})
        self.assertEqual(self.colleague_client.phone, "+7 495 101-00-01")

    def test_team_lead_reads_the_clients_of_the_teams_they_lead(self):
        self.assertEqual(
            self.readable_names(self.team_lead),
            {
                "Own Client LLC",
                "Own Contact",
                "Colleague Client LLC",
                "Colleague Contact",
                "Deal Client LLC",
                "Deal Contact",
            },
        )

    def test_head_reads_every_card(self):
        self.assertEqual(self.readable_names(self.head), set(self.cards.mapped("name")))

    def test_users_set_up_in_the_user_form_the_usual_odoo_way(self):
        rights_admin = new_test_user(
            self.env,
            login="sd_cv_rights",
            name="Rita Rights",
            groups="base.group_erp_manager,base.group_partner_manager",
        )
        admin_env = self.env(user=rights_admin)
        own_docs = form_user(admin_env, "sd_cv_own", "Oskar Own Documents", "sales_team.group_sale_salesman")
        all_docs = form_user(admin_env, "sd_cv_all", "Alla All Documents", "sales_team.group_sale_salesman_all_leads")
        self.team.crm_team_member_ids = [(0, 0, {"user_id": own_docs.id}), (0, 0, {"user_id": all_docs.id})]
        self.stranger_client.user_id = own_docs
        self.assertEqual(self.readable_names(own_docs), {"Stranger Client LLC", "Stranger Contact"})
        self.assertEqual(self.readable_names(all_docs), set(self.cards.mapped("name")))

    def test_company_setting_gives_back_odoo_rule(self):
        self.company.with_user(self.discipline_admin).discipline_client_visibility = "all"
        self.assertEqual(self.readable_names(self.salesperson), set(self.cards.mapped("name")))
        self.company.with_user(self.discipline_admin).discipline_client_visibility = "deals"
        self.assertNotIn("Stranger Client LLC", self.readable_names(self.salesperson))

    def test_a_new_company_starts_with_the_visibility_of_its_parent(self):
        self.company.discipline_client_visibility = "all"
        branch = self.env["res.company"].create({"name": "Branch Office"})
        self.assertEqual(branch.discipline_client_visibility, "all")

    def test_cards_followed_and_meeting_attendees_are_readable(self):
        self.stranger_client.message_subscribe(partner_ids=self.salesperson.partner_id.ids)
        self.env["calendar.event"].create(
            {
                "name": "Lunch",
                "start": "2030-01-15 12:00:00",
                "stop": "2030-01-15 13:00:00",
                "user_id": self.salesperson.id,
                "partner_ids": [(6, 0, (self.salesperson.partner_id | self.colleague_contact).ids)],
            }
        )
        self.assertEqual(
            self.readable_names(self.salesperson)
            - {"Own Client LLC", "Own Contact", "Deal Client LLC", "Deal Contact"},
            {"Stranger Client LLC", "Colleague Contact"},
        )

    def test_what_odoo_needs_stays_readable(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        colleagues = (self.colleague | self.stranger | self.head).partner_id | self.company.partner_id
        self.assertEqual(Partner.browse(colleagues.ids).mapped("name"), colleagues.mapped("name"))
        # the deal's followers are listed in its chatter
        self.own_deal.message_subscribe(partner_ids=self.stranger_contact.ids)
        self.assertEqual(Partner.browse(self.stranger_contact.id).name, "Stranger Contact")

    def test_many2one_lookups_and_mentions_offer_only_readable_cards(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        self.assertEqual(
            sorted(name for _id, name in Partner.name_search("Client LLC")),
            ["Deal Client LLC", "Deal Client LLC, Deal Contact", "Own Client LLC", "Own Client LLC, Own Contact"],
        )
        suggestions = Partner.get_mention_suggestions("Contact")
        names = {partner["name"] for partner in suggestions["res.partner"]}
        self.assertEqual(names & set(self.cards.mapped("name")), {"Own Contact", "Deal Contact"})

    def test_mail_on_own_deal_keeps_working(self):
        deal = self.own_deal.with_user(self.salesperson)
        message = deal.message_post(body="Offer sent", partner_ids=self.own_contact.ids, message_type="comment")
        self.assertEqual(message.partner_ids, self.own_contact)
        recipients = deal._message_get_suggested_recipients()
        self.assertIn(self.own_client.id, [recipient.get("partner_id") for recipient in recipients])
        # a person the salesperson writes to for the first time: the card the chatter creates is theirs to read
        [new] = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            ._find_or_create_from_emails(["Pavel Newman <pavel@newcomer.example>"])
        )
        self.assertEqual(new.with_user(self.salesperson).read(["email"])[0]["email"], "pavel@newcomer.example")

    def test_handover_takes_the_cards_away_from_the_leaving_salesperson(self):
        self.own_client.message_subscribe(partner_ids=self.salesperson.partner_id.ids)
        self.own_contact.message_subscribe(partner_ids=self.salesperson.partner_id.ids)
        self.env["sales.discipline.handover"].with_user(self.head).create(
            {"from_user_id": self.salesperson.id, "to_user_ids": [(6, 0, self.colleague.ids)]}
        ).action_hand_over()
        self.assertEqual(self.readable_names(self.salesperson), set())
        self.assertNotIn(self.salesperson.partner_id, self.own_client.message_partner_ids)


@tagged("post_install", "-at_install")
class TestMeetingsOfDeals(ClientVisibilityCase):
    """SE-2: a meeting of a deal shows its title, client and deal only to those who may read the deal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meeting = cls.env["calendar.event"].create(
            {
                "name": "Colleague Client LLC: contract talks",
                "description": "Discount up to 7%",
                "start": "2030-01-16 10:00:00",
                "stop": "2030-01-16 11:00:00",
                "user_id": cls.colleague.id,
                "opportunity_id": cls.colleague_deal.id,
                "partner_ids": [
                    (6, 0, (cls.colleague.partner_id | cls.colleague_contact | cls.salesperson.partner_id).ids)
                ],
            }
        )

    def read_meeting(self, user):
        fields = ["name", "display_name", "description", "partner_ids", "opportunity_id", "start"]
        return self.meeting.with_user(user).read(fields)[0]

    def test_a_salesperson_sees_a_colleague_deal_meeting_as_busy(self):
        seen = self.read_meeting(self.salesperson)
        self.assertEqual(
            (seen["name"], seen["display_name"], seen["description"], seen["partner_ids"], seen["opportunity_id"]),
            ("Busy", "Busy", False, [], False),
        )
        self.assertEqual(str(seen["start"]), "2030-01-16 10:00:00")
        listed = (
            self.env["calendar.event"].with_user(self.salesperson).search_read([("id", "=", self.meeting.id)], ["name"])
        )
        self.assertEqual(listed[0]["name"], "Busy")

    def test_a_salesperson_cannot_change_a_colleague_deal_meeting(self):
        with self.assertRaisesRegex(AccessError, "doesn't have 'write' access to"):
            self.meeting.with_user(self.salesperson).write(
                {"start": "2030-01-16 12:00:00", "stop": "2030-01-16 13:00:00"}
            )

    def test_the_organiser_and_the_team_lead_see_it_in_full(self):
        for user in (self.colleague, self.team_lead):
            seen = self.read_meeting(user)
            self.assertEqual(
                (seen["name"], seen["opportunity_id"][0], len(seen["partner_ids"])),
                ("Colleague Client LLC: contract talks", self.colleague_deal.id, 3),
            )

    def test_meetings_without_deal_keep_odoo_rules(self):
        self.meeting.opportunity_id = False
        self.assertEqual(self.read_meeting(self.salesperson)["name"], "Colleague Client LLC: contract talks")


@tagged("post_install", "-at_install")
class TestClientVisibilityRoutes(ClientVisibilityCase, HttpCase):
    """The same visibility through the routes the web client and scripts use."""

    def setUp(self):
        super().setUp()
        self.salesperson.password = "sd_salesperson_pw"
        self.authenticate(self.salesperson.login, "sd_salesperson_pw")

    def test_search_read_over_json_rpc_returns_only_readable_cards(self):
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.partner/search_read",
            {
                "model": "res.partner",
                "method": "search_read",
                "args": [[["id", "in", self.cards.ids]], ["name", "phone", "email"]],
                "kwargs": {},
            },
        )
        self.assertEqual(
            {row["name"] for row in result}, {"Own Client LLC", "Own Contact", "Deal Client LLC", "Deal Contact"}
        )

    def test_vcard_of_a_card_out_of_sight_is_not_given(self):
        response = self.url_open(f"/web/partner/vcard?partner_ids={self.stranger_client.id}")
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn(b"Stranger Client", response.content)

    def test_chatter_of_own_deal_shows_followers_authors_and_recipients(self):
        self.own_deal.message_subscribe(partner_ids=self.stranger_contact.ids)
        self.own_deal.message_post(
            body="Can you call me back?", author_id=self.colleague_contact.id, message_type="comment"
        )
        data = self.make_jsonrpc_request(
            "/mail/thread/data",
            {
                "thread_model": "crm.lead",
                "thread_id": self.own_deal.id,
                "request_list": ["followers", "suggestedRecipients", "activities", "attachments"],
            },
        )
        names = {partner.get("name") for partner in data["res.partner"]}
        self.assertIn("Stranger Contact", names)
        messages = self.make_jsonrpc_request(
            "/mail/thread/messages", {"thread_model": "crm.lead", "thread_id": self.own_deal.id}
        )
        authors = {partner.get("name") for partner in messages["data"]["res.partner"]}
        self.assertIn("Colleague Contact", authors)
        self.assertIn("Can you call me back?", json.dumps(messages["data"]["mail.message"]))
