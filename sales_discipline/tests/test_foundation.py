from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import SalesDisciplineCase


@tagged("post_install", "-at_install")
class TestRoles(SalesDisciplineCase):
    """The roles chain onto sales_team's groups, each implying exactly what it needs."""

    def test_salesperson_gets_own_documents_and_contact_creation_only(self):
        user = self.salesperson
        self.assertTrue(user.has_group("sales_team.group_sale_salesman"))
        self.assertTrue(user.has_group("base.group_partner_manager"))
        self.assertFalse(user.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertFalse(user.has_group("sales_discipline.group_team_lead"))

    def test_team_lead_is_a_salesperson_without_company_wide_access(self):
        user = self.team_lead
        self.assertTrue(user.has_group("sales_discipline.group_salesperson"))
        self.assertFalse(user.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertFalse(user.has_group("sales_discipline.group_head_of_sales"))

    def test_head_of_sales_sees_all_documents(self):
        user = self.head
        self.assertTrue(user.has_group("sales_discipline.group_team_lead"))
        self.assertTrue(user.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertFalse(user.has_group("sales_team.group_sale_manager"))

    def test_discipline_admin_is_crm_administrator_not_system_administrator(self):
        user = self.discipline_admin
        self.assertTrue(user.has_group("sales_discipline.group_head_of_sales"))
        self.assertTrue(user.has_group("sales_team.group_sale_manager"))
        self.assertFalse(user.has_group("base.group_system"))
        self.assertFalse(user.has_group("base.group_erp_manager"))


@tagged("post_install", "-at_install")
class TestSettings(SalesDisciplineCase):
    """Policies live on the company, are edited in the CRM settings and persist."""

    def test_settings_persist_on_the_company(self):
        phone_field = self.env["ir.model.fields"]._get("res.partner", "phone")
        settings = Form(self.env["res.config.settings"])
        settings.discipline_client_active_days = 180
        settings.discipline_contact_field_ids.remove(id=phone_field.id)
        settings.save().execute()
        self.assertEqual(self.company.discipline_client_active_days, 180)
        self.assertNotIn(phone_field, self.company.discipline_contact_field_ids)
        reopened = self.env["res.config.settings"].create({})
        self.assertEqual(reopened.discipline_client_active_days, 180)
        self.assertNotIn(phone_field, reopened.discipline_contact_field_ids)

    def test_shipped_policies_are_the_seeds_lists(self):
        self.assertEqual(
            set(self.company.discipline_company_field_ids.mapped("name")),
            {"name", "client_type", "street", "phone", "email", "acquisition_source_id", "industry_id"},
        )
        self.assertEqual(
            set(self.company.discipline_contact_field_ids.mapped("name")),
            {"name", "function", "phone", "email", "parent_id"},
        )

    def test_new_company_gets_the_shipped_policies(self):
        company = self.env["res.company"].create({"name": "Second Company"})
        self.assertIn("client_type", company.discipline_company_field_ids.mapped("name"))
        self.assertEqual(company.discipline_client_active_days, 365)

    def test_discipline_admin_edits_policies_but_nothing_else_of_the_company(self):
        company = self.company.with_user(self.discipline_admin)
        company.write({"discipline_client_active_days": 90})
        self.assertEqual(self.company.discipline_client_active_days, 90)
        with self.assertRaises(AccessError) as refusal:
            company.write({"name": "Renamed by the admin"})
        self.assertEqual(
            str(refusal.exception),
            "You may only change the sales discipline policies of a company, not: name.",
        )

    def test_salesperson_cannot_edit_policies(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.salesperson).write({"discipline_client_active_days": 1})
        self.assertEqual(self.company.discipline_client_active_days, 365)
