from odoo.tests import Form, tagged

from .common import SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestClientFormMarks(SalesDisciplineCase):
    """CL-1, CL-2: the client form marks the fields the policy requires, wherever they sit; never out of scope."""

    def test_a_new_company_card_marks_the_policy_fields(self):
        form = Form(self.env["res.partner"].with_user(self.salesperson))
        form.company_type = "company"
        required = form.discipline_required_fields
        for name in ("client_type", "street", "phone", "email", "acquisition_source_id", "industry_id", "user_id"):
            self.assertIn(f",{name},", required)
        self.assertIn("Industry", form.discipline_required_labels)
        form.name = "Vasilek LLC"
        form.client_type = "end_customer"
        form.street = "Lenina 2"
        form.email = "info@vasilek.example"
        form.acquisition_source_id = self.source
        form.industry_id = self.industry
        form.user_id = self.salesperson
        with self.assertRaisesRegex(AssertionError, "phone"):
            form.save()  # the view refuses before the server does: Phone is marked required

    def test_a_contact_card_marks_the_contact_policy(self):
        company = self.env["res.partner"].with_user(self.salesperson).create(self.company_vals())
        form = Form(self.env["res.partner"].with_user(self.salesperson))
        form.company_type = "person"
        self.assertIn(",function,", form.discipline_required_fields)
        self.assertIn(",parent_id,", form.discipline_required_fields)
        self.assertNotIn(",client_type,", form.discipline_required_fields)
        form.parent_id = company
        self.assertIn(",function,", form.discipline_required_fields)

    def test_partners_out_of_scope_are_marked_nothing(self):
        company = self.env["res.partner"].with_user(self.salesperson).create(self.company_vals())
        address = self.env["res.partner"].create({"name": "Warehouse", "type": "delivery", "parent_id": company.id})
        self.assertFalse(address.discipline_required_fields)
        self.assertFalse(self.salesperson.partner_id.discipline_required_fields)
        self.assertFalse(self.env.company.partner_id.discipline_required_fields)
        self.assertIn(",phone,", company.discipline_required_fields)

    def test_the_incomplete_cards_list_names_the_missing_fields(self):
        action = self.env.ref("sales_discipline.res_partner_action_incomplete")
        list_view = action.view_ids.filtered(lambda view: view.view_mode == "list").view_id
        arch = self.env["res.partner"].with_user(self.salesperson).get_view(list_view.id, "list")["arch"]
        self.assertIn('name="missing_field_labels"', arch)
        company = self.env["res.partner"].with_user(self.salesperson).create(self.company_vals())
        self.env.company.sudo().discipline_company_field_ids |= self.env["ir.model.fields"]._get("res.partner", "vat")
        company.sudo()._discipline_store_completeness()
        self.assertIn("Tax ID", company.missing_field_labels)
