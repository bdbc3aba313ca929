from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import IMPORT_FIELDS, SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestClientDuplicates(SalesDisciplineCase):
    """CL-5: a new company that matches an existing one is refused with a pointer to the existing card."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"].with_user(cls.salesperson)
        cls.existing = cls.Partner.create(cls.company_vals(vat="7701234567"))

    def other_vals(self, **overrides):
        vals = {
            "name": "Vasilek LLC",
            "phone": "+7 812 765-43-21",
            "email": "info@vasilek.example",
        }
        vals.update(overrides)
        return self.company_vals(**vals)

    def assertDuplicate(self, vals, criterion, name="Vasilek LLC", func=None):
        with self.assertRaises(ValidationError) as refusal:
            (func or self.Partner.create)(vals)
        self.assertEqual(
            str(refusal.exception),
            f"{name} duplicates the existing client Romashka LLC (#{self.existing.id}): same {criterion}. "
            "Open the existing card instead.",
        )

    def test_same_vat_with_other_spacing_is_refused(self):
        self.assertDuplicate(self.other_vals(vat=" 7701-234567 "), "tax ID")

    def test_same_phone_in_another_format_is_refused(self):
        self.assertDuplicate(self.other_vals(phone="8 (495) 123 45 67"), "phone")

    def test_same_email_domain_and_similar_name_is_refused(self):
        vals = self.other_vals(name="ООО Romashka", email="sales@romashka.example")
        self.assertDuplicate(vals, "email domain and name", name="ООО Romashka")

    def test_same_email_domain_with_another_name_is_accepted(self):
        partner = self.Partner.create(self.other_vals(email="sales@romashka.example"))
        self.assertTrue(partner.exists())

    def test_public_email_domain_does_not_make_a_duplicate(self):
        self.existing.sudo().email = "romashka@gmail.com"
        partner = self.Partner.create(self.other_vals(name="Romashka Trade", email="romashka.trade@gmail.com"))
        self.assertTrue(partner.exists())

    def test_editing_a_company_into_a_duplicate_is_refused(self):
        partner = self.Partner.create(self.other_vals())
        self.assertDuplicate({"phone": "+74951234567"}, "phone", func=partner.write)

    def test_duplicates_within_one_import_are_reported_row_by_row(self):
        refs = self.import_refs()
        rows = [
            ["Sever LLC", "1", "end_customer", "Lenina 1", "+7 495 700-00-01", "a@sever.example", *refs],
            ["Yug LLC", "1", "end_customer", "Lenina 2", "+7 495 700-00-02", "b@yug.example", *refs],
            ["Zapad LLC", "1", "end_customer", "Lenina 3", "+7 495 123-45-67", "c@zapad.example", *refs],
        ]
        result = self.Partner.load(IMPORT_FIELDS, rows)
        self.assertFalse(result["ids"])
        errors = [m for m in result["messages"] if m["type"] == "error"]
        # Odoo repeats the batch's error on the first row; the row-by-row pass names the faulty row.
        self.assertEqual({m["rows"]["from"] for m in errors}, {0, 2})
        self.assertEqual(len({m["message"] for m in errors}), 1)
        self.assertEqual(
            errors[-1]["message"],
            f"Zapad LLC duplicates the existing client Romashka LLC (#{self.existing.id}): same phone. "
            "Open the existing card instead.",
        )
        # load() does not raise: the good rows would stay saved if the import were not all or nothing
        self.assertFalse(self.Partner.search([("name", "in", ("Sever LLC", "Yug LLC"))]))

    def test_discipline_admin_may_save_a_deliberate_duplicate_with_a_trace(self):
        partner = (
            self.env["res.partner"]
            .with_user(self.discipline_admin)
            .with_context(sales_discipline_allow_duplicate=True)
            .create(self.other_vals(vat="7701234567"))
        )
        self.assertIn(
            f"Saved as a deliberate duplicate of Romashka LLC (#{self.existing.id}, same tax ID) "
            "by Ada Discipline Admin.",
            partner.message_ids.mapped("body")[0],
        )

    def test_salesperson_cannot_allow_a_duplicate(self):
        self.assertDuplicate(
            self.other_vals(vat="7701234567"),
            "tax ID",
            func=self.Partner.with_context(sales_discipline_allow_duplicate=True).create,
        )

    def test_archived_company_is_not_a_duplicate(self):
        self.existing.sudo().action_archive()
        partner = self.Partner.create(self.other_vals(vat="7701234567"))
        self.assertTrue(partner.exists())
