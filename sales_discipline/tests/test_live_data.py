from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL, html2plaintext
from odoo.tools.safe_eval import safe_eval

from .common import DealDisciplineCase, SalesDisciplineCase

COMPANY_NOTE = (
    "Created by Sasha Salesperson from the lead “Pumps for Vostok” and saved incomplete: "
    "fill in Acquisition Channel, Client Type, Industry, Street."
)
CONTACT_NOTE = (
    "Created by Sasha Salesperson from the lead “Pumps for Vostok” and saved incomplete: fill in Job Position."
)


@tagged("post_install", "-at_install")
class TestLeadConversion(DealDisciplineCase):
    """CL-4 at lead conversion: the customer crm builds from a lead (a name, an email) is saved, listed with the
    incomplete cards and noted on the card and the deal, on every conversion path; CL-3 and CL-5 still hold."""

    def _lead(self, **overrides):
        vals = self.deal_vals(
            type="lead",
            name="Pumps for Vostok",
            partner_name="Vostok Trade",
            contact_name="Petr Sidorov",
            email_from="petr@vostok.example",
            phone="+7 812 555-00-00",
        )
        vals.update(overrides)
        return self.Lead.create(vals)

    def _convert(self, leads, **values):
        """The Convert to Opportunity dialog, opened from the lead as the UI does."""
        context = {"active_model": "crm.lead", "active_id": leads[0].id, "active_ids": leads.ids}
        form = Form(self.env["crm.lead2opportunity.partner"].with_user(self.salesperson).with_context(**context))
        if form.name == "convert":
            form.action = "create"
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def _last_note(self, record):
        return html2plaintext(record.sudo().message_ids[0].body)

    def assertIncompleteCustomer(self, contact, company_name="Vostok Trade", contact_name="Petr Sidorov"):
        company = contact.parent_id
        self.assertEqual((contact.name, company.name), (contact_name, company_name))
        self.assertEqual(company.user_id, self.salesperson)
        action = self.env["ir.actions.act_window"]._for_xml_id("sales_discipline.res_partner_action_incomplete")
        listed = self.env["res.partner"].with_user(self.salesperson).search(safe_eval(action["domain"]))
        self.assertEqual(listed & (contact | company), contact | company)
        self.assertEqual(company.missing_field_labels, "Acquisition Channel, Client Type, Industry, Street")
        return company

    def test_salesperson_converts_a_lead_into_a_new_customer(self):
        lead = self._lead()
        self._convert(lead).action_apply()
        self.assertEqual(lead.type, "opportunity")
        company = self.assertIncompleteCustomer(lead.partner_id)
        self.assertEqual(self._last_note(company), COMPANY_NOTE)
        self.assertEqual(self._last_note(lead.partner_id), CONTACT_NOTE)
        self.assertEqual(
            self._last_note(lead),
            "New customer cards to complete: Vostok Trade (Acquisition Channel, Client Type, Industry, Street); "
            "Vostok Trade, Petr Sidorov (Job Position).",
        )
        # the card bites when its data is edited, as any card that predates the policy
        self.assertRefused(
            ValidationError,
            "The client card cannot be saved:\n"
            "Vostok Trade: fill in Acquisition Channel, Client Type, Industry, Street.",
            company.with_user(self.salesperson).write,
            {"phone": "+7 812 555-00-01"},
        )

    def test_the_new_customer_must_not_duplicate_a_client(self):
        existing = self.env["res.partner"].with_user(self.salesperson).create(self.company_vals())
        lead = self._lead(partner_name="Romashka Trading", phone="8 (495) 123-45-67")
        self.assertRefused(
            ValidationError,
            f"Romashka Trading duplicates the existing client Romashka LLC (#{existing.id}): same phone. "
            "Open the existing card instead.",
            self._convert(lead).action_apply,
        )

    def test_the_new_customer_gets_a_valid_salesperson(self):
        lead = self._lead()
        self.assertRefused(
            ValidationError,
            "The client card cannot be saved:\nVostok Trade: the responsible salesperson Otto Outsider must be an "
            "active internal user who belongs to a sales team.",
            self._convert(lead, user_id=self.outsider).action_apply,
        )

    def test_mass_conversion_creates_incomplete_customers(self):
        leads = self._lead() | self._lead(
            name="Valves for Sever",
            partner_name="Sever LLC",
            contact_name="Anna Orlova",
            email_from="anna@sever.example",
            phone="+7 495 700-00-09",
        )
        context = {"active_model": "crm.lead", "active_id": leads[0].id, "active_ids": leads.ids}
        form = Form(self.env["crm.lead2opportunity.partner.mass"].with_user(self.salesperson).with_context(**context))
        self.assertEqual(form.action, "each_exist_or_create")
        form.save().action_mass_convert()
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.assertIncompleteCustomer(leads[0].partner_id)
        self.assertIncompleteCustomer(leads[1].partner_id, company_name="Sever LLC", contact_name="Anna Orlova")
        self.assertEqual(self._last_note(leads[0].partner_id), CONTACT_NOTE)

    def test_merging_duplicate_leads_at_conversion_creates_an_incomplete_customer(self):
        leads = self._lead() | self._lead(name="Pumps again", phone=False)
        wizard = self._convert(leads)
        self.assertEqual((wizard.name, wizard.action), ("merge", "create"))
        merged = self.env["crm.lead"].browse(wizard.action_apply()["res_id"])
        self.assertEqual(merged.type, "opportunity")
        self.assertIncompleteCustomer(merged.partner_id)
        self.assertTrue(merged.partner_id.message_ids)
        self.assertTrue(self._last_note(merged.partner_id).startswith("Created by Sasha Salesperson from the lead"))

    def test_merging_deals_of_an_incomplete_customer(self):
        lead = self._lead()
        self._convert(lead).action_apply()
        customer = lead.partner_id
        other = self.Lead.create(self.deal_vals(name="Spare parts", partner_id=customer.id))
        context = {"active_model": "crm.lead", "active_ids": (lead | other).ids}
        form = Form(self.env["crm.merge.opportunity"].with_user(self.salesperson).with_context(**context))
        merged = self.env["crm.lead"].browse(form.save().action_merge()["res_id"])
        self.assertEqual(len((lead | other).exists()), 1)
        self.assertEqual(merged.partner_id, customer)
        self.assertFalse(customer.is_data_complete)


@tagged("post_install", "-at_install")
class TestDealOfAnOldCard(DealDisciplineCase):
    """CL-4: crm copies a deal's email and phone onto its client card; a card older than the policy and incomplete
    must not make its deals uneditable: the copy is checked, the card stays listed as incomplete."""

    def test_editing_the_deal_of_an_old_incomplete_card(self):
        old_card = self.env["res.partner"].create({"name": "Old Client", "is_company": True})
        self.assertFalse(old_card.is_data_complete)
        deal = self.Lead.create(self.deal_vals(partner_id=old_card.id))
        deal.write({"email_from": "buyer@old-client.example", "phone": "+7 495 111-22-33"})
        self.assertEqual(old_card.email, "buyer@old-client.example")
        self.assertEqual(old_card.phone, "+7 495 111-22-33")
        self.assertFalse(old_card.is_data_complete)

    def test_the_card_itself_is_still_checked_when_edited(self):
        old_card = self.env["res.partner"].create({"name": "Old Client", "is_company": True})
        self.Lead.create(self.deal_vals(partner_id=old_card.id))  # the salesperson reads the client of their deal
        with self.assertRaises(ValidationError) as refusal:
            old_card.with_user(self.salesperson).write({"email": "buyer@old-client.example"})
        self.assertIn("The client card cannot be saved", str(refusal.exception))


@tagged("post_install", "-at_install")
class TestCompletenessRefresh(SalesDisciplineCase):
    """CL-8 on a live base: a change of the required fields, or the install, marks the cards in one statement; the
    completeness cron recomputes them batch by batch, never the request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("sales_discipline.ir_cron_refresh_completeness")
        cls.street = cls.env["ir.model.fields"]._get("res.partner", "street")
        Partner = cls.env["res.partner"].with_user(cls.salesperson)
        cls.cards = Partner.create(cls.company_vals()) | Partner.create(
            cls.company_vals(name="Vasilek LLC", phone="+7 812 765-43-21", email="info@vasilek.example")
        )
        # cards saved before the street was required, by a flow the policy does not check
        cls.cards.sudo().write({"street": False})
        cls.env.cr.execute(SQL("UPDATE res_partner SET discipline_completeness_outdated = FALSE"))
        cls.env.invalidate_all()

    def _outdated(self):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("discipline_completeness_outdated", "=", True)])
        )

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def test_policy_change_is_recomputed_by_the_cron_not_the_request(self):
        self.assertEqual(self.cards.mapped("data_completeness"), [88, 88])
        other_company = self.env["res.company"].create({"name": "Branch Office"})
        elsewhere = self.env["res.partner"].create({"name": "Branch Client", "is_company": True})
        elsewhere.company_id = other_company
        triggers = self._triggers()
        # the discipline administrator drops the street from the policy, in the policies form
        form = Form(
            self.company.with_user(self.discipline_admin), view="sales_discipline.res_company_view_form_discipline"
        )
        form.discipline_company_field_ids.remove(id=self.street.id)
        form.save()
        self.assertEqual(self.cards.mapped("data_completeness"), [88, 88])
        outdated = self._outdated()
        self.assertEqual(outdated & self.cards, self.cards)
        self.assertNotIn(elsewhere, outdated)
        self.assertEqual(self._triggers(), triggers + 1)

        # one batch, as the scheduler runs it, reports what is left
        cron, progress = self.cron._add_progress()
        remaining = (
            self.env["res.partner"]
            .with_user(cron.user_id)
            .with_context(ir_cron_progress_id=progress.id)
            ._cron_discipline_refresh_completeness(batch_size=1)
        )
        self.assertEqual((progress.done, progress.remaining, remaining), (1, len(outdated) - 1, len(outdated) - 1))
        while self._outdated():
            self.cron.method_direct_trigger()
        self.assertEqual(self.cards.mapped("data_completeness"), [100, 100])
        self.assertTrue(all(self.cards.mapped("is_data_complete")))

    def test_install_marks_the_base_for_the_cron(self):
        # as the install finds a base: the columns' defaults, nothing computed yet
        self.env.cr.execute(
            SQL("UPDATE res_partner SET data_completeness = 100, is_data_complete = TRUE, missing_field_names = NULL")
        )
        self.env.invalidate_all()
        triggers = self._triggers()
        self.env["res.company"]._discipline_install_default_policies()
        self.assertTrue(all(self.cards.mapped("is_data_complete")))
        self.assertEqual(self._outdated() & self.cards, self.cards)
        self.assertEqual(self._triggers(), triggers + 1)
        while self._outdated():
            self.cron.method_direct_trigger()
        self.assertEqual(self.cards.mapped("data_completeness"), [88, 88])
        self.assertEqual(self.cards.mapped("missing_field_labels"), ["Street", "Street"])
