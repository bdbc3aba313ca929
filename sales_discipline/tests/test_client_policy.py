from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import IMPORT_FIELDS, SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestClientPolicy(SalesDisciplineCase):
    """CL-1 … CL-4: incomplete client cards are refused on every path, and nothing is half-saved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"].with_user(cls.salesperson)

    def assertRefused(self, message, func, *args, **kwargs):
        with self.assertRaises(ValidationError) as refusal:
            func(*args, **kwargs)
        self.assertEqual(str(refusal.exception), message)

    def test_complete_company_is_saved_and_complete(self):
        company = self.Partner.create(self.company_vals())
        self.assertTrue(company.is_data_complete)
        self.assertEqual(company.data_completeness, 100)
        contact = self.Partner.create(self.contact_vals(company))
        self.assertTrue(contact.is_data_complete)

    def test_incomplete_company_names_every_missing_field(self):
        self.assertRefused(
            "The client card cannot be saved:\n"
            "Acme: fill in Acquisition Channel, Client Type, Email, Industry, Phone, Street.",
            self.Partner.create,
            {"name": "Acme", "is_company": True, "user_id": self.salesperson.id},
        )

    def test_company_without_responsible_salesperson_is_refused(self):
        self.assertRefused(
            "The client card cannot be saved:\nRomashka LLC: fill in Salesperson.",
            self.Partner.create,
            self.company_vals(user_id=False),
        )

    def test_responsible_salesperson_must_belong_to_a_sales_team(self):
        self.assertRefused(
            "The client card cannot be saved:\nRomashka LLC: the responsible salesperson Otto Outsider must be "
            "an active internal user who belongs to a sales team.",
            self.Partner.create,
            self.company_vals(user_id=self.outsider.id),
        )

    def test_team_lead_counts_as_team_member(self):
        company = self.Partner.create(self.company_vals(user_id=self.team_lead.id))
        self.assertEqual(company.user_id, self.team_lead)

    def test_contact_person_must_belong_to_a_company_and_carry_position(self):
        self.assertRefused(
            "The client card cannot be saved:\nIvan Petrov: fill in Job Position, Related Company.",
            self.Partner.create,
            {"name": "Ivan Petrov", "phone": "+7 916 000-11-22", "email": "ivan@example.org"},
        )

    def test_contact_from_an_email_address_is_recorded_and_listed_as_incomplete(self):
        # what the chatter does when a salesperson writes to a new address from a deal
        [contact] = self.Partner._find_or_create_from_emails(["Petr Sidorov <petr@vostok.example>"])
        self.assertEqual(contact.email, "petr@vostok.example")
        self.assertFalse(contact.is_data_complete)
        self.assertIn(contact, self.Partner.search([("is_data_complete", "=", False)]))
        # the same card created directly is refused
        self.assertRefused(
            "The client card cannot be saved:\nPetr Sidorov: fill in Job Position, Phone, Related Company.",
            self.Partner.create,
            {"name": "Petr Sidorov", "email": "petr2@vostok.example"},
        )
        # a company is a client card even when it comes from an email address
        self.assertRefused(
            "The client card cannot be saved:\nVostok: fill in Acquisition Channel, Client Type, Email, Industry, "
            "Phone, Salesperson, Street.",
            self.Partner._find_or_create_from_emails,
            ["Vostok <office@vostok.example>"],
            additional_values={"office@vostok.example": {"is_company": True, "name": "Vostok", "email": False}},
        )

    def test_form_refuses_incomplete_company(self):
        form = Form(self.Partner)
        form.company_type = "company"
        form.name = "Vostok Trade"
        form.phone = "+7 812 555-00-00"
        # the form marks the policy's fields as required where they sit, so it refuses before the server does
        with self.assertRaisesRegex(AssertionError, "street is a required field"):
            form.save()
        self.assertEqual(
            form.discipline_required_labels,
            "Acquisition Channel, Client Type, Email, Industry, Name, Phone, Salesperson, Street",
        )

    def test_form_marks_nothing_where_the_policy_is_not_enforced(self):
        self.company.sudo().discipline_mode_client_cards = "warn"
        form = Form(self.Partner)
        form.company_type = "company"
        form.name = "Vostok Trade"
        self.assertFalse(form.discipline_required_fields)
        self.assertTrue(form.save())

    def test_quick_create_from_a_many2one_is_refused(self):
        self.assertRefused(
            "The client card cannot be saved:\nNew Client: fill in Email, Job Position, Phone, Related Company.",
            self.Partner.name_create,
            "New Client",
        )

    def test_import_reports_the_refused_row(self):
        refs = self.import_refs()
        rows = [
            ["Sever LLC", "1", "end_customer", "Lenina 1", "+7 495 700-00-01", "a@sever.example", *refs],
            ["Yug LLC", "1", "reseller", "Lenina 2", "", "b@yug.example", *refs],
        ]
        result = self.Partner.load(IMPORT_FIELDS, rows)
        self.assertFalse(result["ids"])
        errors = [m for m in result["messages"] if m["type"] == "error"]
        self.assertEqual(errors[-1]["message"], "The client card cannot be saved:\nYug LLC: fill in Phone.")
        # Odoo repeats the batch's error on the first row; the row-by-row pass names the faulty row.
        self.assertEqual({m["rows"]["from"] for m in errors}, {0, 1})
        self.assertEqual(len({m["message"] for m in errors}), 1)
        self.assertFalse(self.Partner.search([("name", "in", ("Sever LLC", "Yug LLC"))]))

    def test_mass_edit_is_refused_in_one_message(self):
        first = self.Partner.create(self.company_vals())
        second = self.Partner.create(
            self.company_vals(name="Vasilek LLC", phone="+7 495 765-43-21", email="info@vasilek.example")
        )
        self.assertRefused(
            "The client card cannot be saved:\nRomashka LLC: fill in Phone.\nVasilek LLC: fill in Phone.",
            (first | second).write,
            {"phone": False},
        )

    def test_import_updating_cards_saves_nothing_when_a_row_is_refused(self):
        first = self.Partner.create(self.company_vals())
        second = self.Partner.create(
            self.company_vals(name="Vasilek LLC", phone="+7 495 765-43-21", email="info@vasilek.example")
        )
        # load() does not raise: the good first row would stay written if the import were not all or nothing
        result = self.Partner.load([".id", "phone"], [[str(first.id), "+7 495 000-00-01"], [str(second.id), ""]])
        self.assertFalse(result["ids"])
        errors = [m for m in result["messages"] if m["type"] == "error"]
        self.assertEqual(errors[-1]["message"], "The client card cannot be saved:\nVasilek LLC: fill in Phone.")
        self.env.invalidate_all()
        self.assertEqual((first.phone, second.phone), ("+7 495 123-45-67", "+7 495 765-43-21"))

    def test_legacy_card_does_not_break_unrelated_work(self):
        legacy = self.env["res.partner"].create({"name": "Old Client", "is_company": True})
        # nobody is responsible for the old card: the salesperson reads it as one of its followers (SE-2)
        legacy.message_subscribe(partner_ids=self.salesperson.partner_id.ids)
        self.assertFalse(legacy.is_data_complete)
        self.assertIn(legacy, self.env["res.partner"].search([("is_data_complete", "=", False)]))
        self.assertIn("Phone", legacy.missing_field_labels)
        as_salesperson = legacy.with_user(self.salesperson)
        as_salesperson.message_post(body="Called, no answer.")
        as_salesperson.write({"comment": "Legacy card"})
        self.assertIn("Legacy card", legacy.comment)
        self.assertRefused(
            "The client card cannot be saved:\nOld Client: fill in Acquisition Channel, Client Type, Email, Industry, "
            "Salesperson, Street.",
            as_salesperson.write,
            {"phone": "+7 495 111-22-33"},
        )

    def test_fixing_a_legacy_card_makes_it_complete(self):
        legacy = self.env["res.partner"].create({"name": "Old Client", "is_company": True})
        legacy.message_subscribe(partner_ids=self.salesperson.partner_id.ids)
        legacy.with_user(self.salesperson).write(self.company_vals(name="Old Client"))
        self.assertTrue(legacy.is_data_complete)
        self.assertEqual(legacy.data_completeness, 100)

    def test_admin_bypass_is_logged(self):
        partner = (
            self.env["res.partner"]
            .with_user(self.discipline_admin)
            .with_context(sales_discipline_bypass=True)
            .create({"name": "Imported Without Data", "is_company": True})
        )
        self.assertIn("Client data policy bypassed by Ada Discipline Admin.", partner.message_ids.mapped("body")[0])

    def test_salesperson_cannot_use_the_bypass_flags(self):
        for flag in ("sales_discipline_bypass", "discipline_policy_exempt"):
            self.assertRefused(
                "The client card cannot be saved:\nSneaky: fill in Acquisition Channel, Client Type, Email, Industry, "
                "Phone, Salesperson, Street.",
                self.Partner.with_context(**{flag: True}).create,
                {"name": "Sneaky", "is_company": True},
            )

    def test_creating_a_user_or_a_company_is_not_refused(self):
        admin = self.env.ref("base.user_admin")
        user = self.env["res.users"].with_user(admin).create({"name": "New Hire", "login": "new_hire"})
        self.assertTrue(user.partner_id)
        company = self.env["res.company"].with_user(admin).create({"name": "Branch Office"})
        self.assertTrue(company.partner_id)

    def test_delivery_address_is_not_a_contact_card(self):
        company = self.Partner.create(self.company_vals())
        address = self.Partner.create({"name": "Warehouse", "type": "delivery", "parent_id": company.id})
        self.assertTrue(address.is_data_complete)
