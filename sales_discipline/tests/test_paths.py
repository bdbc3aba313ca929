from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DealDisciplineCase


@tagged("post_install", "-at_install")
class TestCardKind(DealDisciplineCase):
    """A card's kind (company or person, contact or address) is saved like any other data (CL-1, CL-2, CL-5)."""

    def setUp(self):
        super().setUp()
        self.Partner = self.env["res.partner"].with_user(self.salesperson)
        self.client = self.Partner.create(self.company_vals())

    def test_company_turned_into_a_person_meets_the_contact_policy(self):
        with self.assertRaises(ValidationError) as refusal:
            self.client.write({"company_type": "person"})
        self.assertEqual(
            str(refusal.exception),
            "The client card cannot be saved:\nRomashka LLC: fill in Job Position, Related Company.",
        )

    def test_person_turned_into_a_company_meets_the_company_policy(self):
        person = self.Partner.create(self.contact_vals(self.client))
        with self.assertRaises(ValidationError) as refusal:
            person.write({"company_type": "company", "parent_id": False})
        self.assertEqual(
            str(refusal.exception),
            # street, industry and salesperson were the client's: the contact keeps them
            "The client card cannot be saved:\nIvan Petrov: fill in Acquisition Channel, Client Type.",
        )

    def test_an_address_without_a_client_is_a_contact_card(self):
        with self.assertRaises(ValidationError) as refusal:
            self.Partner.create({"name": "Warehouse", "type": "delivery"})
        self.assertEqual(
            str(refusal.exception),
            "The client card cannot be saved:\nWarehouse: fill in Email, Job Position, Phone, Related Company.",
        )

    def test_an_address_of_a_client_is_not_a_card(self):
        address = self.Partner.create({"name": "Warehouse", "type": "delivery", "parent_id": self.client.id})
        self.assertEqual(address.parent_id, self.client)

    def test_a_contact_cannot_escape_by_becoming_an_orphan_address(self):
        contact = self.Partner.create(self.contact_vals(self.client))
        with self.assertRaises(ValidationError):
            contact.write({"type": "other", "parent_id": False})


@tagged("post_install", "-at_install")
class TestDealKind(DealDisciplineCase):
    """Turning a deal into a lead and back does not skip the deal rules (DL-2, DL-3)."""

    def test_back_to_opportunity_meets_the_stage_requirements(self):
        deal = self.Lead.create(self.deal_vals())
        source = self.env["utm.source"].create({"name": "Cold call"})
        deal.write({"stage_id": self.stage_proposal.id, "description": "<p>Two pumps</p>", "source_id": source.id})
        deal.write({"type": "lead"})
        deal.write({"source_id": False})
        with self.assertRaises(ValidationError) as refusal:
            deal.write({"type": "opportunity"})
        self.assertEqual(
            str(refusal.exception), "The deal cannot be saved:\nPumps for Romashka: the stage Proposal requires Source."
        )

    def test_a_lead_lost_without_reason_cannot_become_a_lost_opportunity(self):
        deal = self.Lead.create(self.deal_vals())
        deal.write({"type": "lead"})
        deal.write({"active": False})
        with self.assertRaises(ValidationError) as refusal:
            deal.write({"type": "opportunity"})
        self.assertEqual(
            str(refusal.exception), "The deal cannot be saved:\nPumps for Romashka: choose the refusal reason."
        )


@tagged("post_install", "-at_install")
class TestPolicyNumbers(DealDisciplineCase):
    """Nonsensical policy numbers are refused with a clear message, on the settings form and on write."""

    def test_negative_numbers_are_refused(self):
        company = self.company.with_user(self.discipline_admin)
        for field, value, message in (
            ("discipline_client_active_days", 0, "The active client window must be at least one day."),
            ("discipline_backdate_hours", -1, "The hours for “recorded after the fact” cannot be negative."),
            ("discipline_max_decision_makers", -2, "The number of decision makers per client cannot be negative."),
        ):
            with self.subTest(field=field), self.assertRaises(ValidationError) as refusal:
                company.write({field: value})
            self.assertEqual(str(refusal.exception), message)

    def test_settings_form_refuses(self):
        settings = Form(self.env["res.config.settings"])
        settings.discipline_client_active_days = -5
        with self.assertRaises(ValidationError):
            settings.save()


@tagged("post_install", "-at_install")
class TestPhoneDuplicates(DealDisciplineCase):
    """CL-5: a number with an extension, or entered as a mobile, is the same number."""

    def setUp(self):
        super().setUp()
        self.Partner = self.env["res.partner"].with_user(self.salesperson)
        self.existing = self.Partner.create(self.company_vals(phone="+7 495 123-45-67", mobile="+7 916 555-44-33"))

    def assertDuplicate(self, **values):
        with self.assertRaises(ValidationError) as refusal:
            self.Partner.create(self.company_vals(name="Zapad LLC", email="info@zapad.example", **values))
        self.assertEqual(
            str(refusal.exception),
            f"Zapad LLC duplicates the existing client Romashka LLC (#{self.existing.id}): same phone. "
            "Open the existing card instead.",
        )

    def test_extension(self):
        self.assertDuplicate(phone="8 (495) 123-45-67 доб. 204")
        self.assertDuplicate(phone="+7 495 123 45 67 ext. 12")

    def test_phone_entered_as_mobile(self):
        self.assertDuplicate(phone="+7 812 000-00-00", mobile="8 495 1234567")

    def test_mobile_entered_as_phone(self):
        self.assertDuplicate(phone="8 916 555 44 33")


@tagged("post_install", "-at_install")
class TestRawValues(DealDisciplineCase):
    """Values PostgreSQL would refuse with a raw error reach the person as a clear message."""

    def test_nul_byte(self):
        with self.assertRaises(ValidationError) as refusal:
            self.env["res.partner"].with_user(self.salesperson).create(self.company_vals(street="Tverskaya\x00 1"))
        self.assertEqual(str(refusal.exception), "Street contains a NUL character: remove it.")
        deal = self.Lead.create(self.deal_vals())
        with self.assertRaises(ValidationError) as refusal:
            deal.write({"name": "Pumps\x00"})
        self.assertEqual(str(refusal.exception), "Opportunity contains a NUL character: remove it.")

    def test_megabyte_phone(self):
        with self.assertRaises(ValidationError) as refusal:
            self.env["res.partner"].with_user(self.salesperson).create(self.company_vals(phone="1" * 1_000_000))
        self.assertEqual(str(refusal.exception), "Phone is too long (1000000 characters): at most 500.")


@tagged("post_install", "-at_install")
class TestLastStep(DealDisciplineCase):
    """NS-1 in a "refuse" pipeline: a deal whose only step is archived, moved, cancelled, or done with the "Schedule
    Next" dialog closed is listed at once under "Without Next Step", and refused when next saved."""

    def setUp(self):
        super().setUp()
        self.deal = self.Lead.create(self.deal_vals())
        self.step = self.deal.activity_ids.with_user(self.salesperson)

    def assertListedAndRefused(self):
        self.assertIn(self.deal, self.Lead.search([("has_next_step", "=", False)]))
        with self.assertRaises(ValidationError) as refusal:
            self.deal.write({"priority": "2"})
        self.assertEqual(
            str(refusal.exception),
            "Plan the next step (type, goal and date) of Pumps for Romashka before saving: every open deal needs one.",
        )

    def test_archiving_the_only_step(self):
        self.step.write({"active": False})
        self.assertListedAndRefused()

    def test_moving_the_only_step(self):
        other = self.Lead.create(self.deal_vals(name="Valves"))
        self.step.write({"res_id": other.id})
        self.assertListedAndRefused()

    def test_cancelling_the_only_step(self):
        self.step.unlink()
        self.assertListedAndRefused()

    def test_schedule_next_dialog_closed(self):
        self.step.action_feedback_schedule_next(feedback="Called, they want a meeting")
        self.assertFalse(self.deal.activity_ids)
        self.assertListedAndRefused()

    def test_planning_a_step_ends_it(self):
        self.step.unlink()
        step = {"next_step_type_id": self.call.id, "next_step_goal": "Sell the meeting"}
        self.Lead.browse(self.deal.id).write({**step, "next_step_deadline": "2030-02-01"})
        self.assertNotIn(self.deal, self.Lead.search([("has_next_step", "=", False)]))

    def test_marking_the_last_step_done_in_warn_mode_lists_the_deal(self):
        self.company.with_user(self.discipline_admin).discipline_mode_next_step = "warn"
        self.step.action_feedback(feedback="Called")
        self.assertIn(self.deal, self.Lead.search([("has_next_step", "=", False)]))


@tagged("post_install", "-at_install")
class TestMerge(DealDisciplineCase):
    """Merging deals keeps the stage history of the merged-away deals (DL-6) and traces the merge."""

    def test_history_survives_and_merge_is_traced(self):
        kept = self.Lead.create(self.deal_vals(name="Pumps A"))
        merged = self.Lead.create(self.deal_vals(name="Pumps B"))
        source = self.env["utm.source"].create({"name": "Cold call"})
        merged.write({"stage_id": self.stage_proposal.id, "description": "<p>Specs</p>", "source_id": source.id})
        names = {kept.id: kept.name, merged.id: merged.name}
        result = (kept | merged).with_user(self.team_lead).merge_opportunity(auto_unlink=True)
        (gone_id,) = set(names) - {result.id}
        self.assertFalse(self.env["crm.lead"].browse(gone_id).exists())
        history = self.env["crm.lead.stage.history"].search([("lead_id", "=", result.id)])
        self.assertEqual(len(history), 3)  # one stay of the kept deal, two of the merged one
        self.assertIn(self.stage_proposal, history.stage_id)
        self.assertIn(
            f"Merged into this deal by Tanya Team Lead, with their stage history: {names[gone_id]} (#{gone_id}).",
            "\n".join(result.message_ids.mapped("body")),
        )


@tagged("post_install", "-at_install")
class TestLastStepMessages(DealDisciplineCase):
    """The refusal names one deal in the singular and several in the plural, and the button as the user sees it."""

    def test_several_deals(self):
        deals = self.Lead.create([self.deal_vals(name="Pumps"), self.deal_vals(name="Valves")])
        with self.assertRaises(UserError) as refusal:
            deals.activity_ids.with_user(self.salesperson).action_feedback(feedback="Called")
        self.assertEqual(
            str(refusal.exception),
            "These are the last next steps of the deals Pumps, Valves. Mark them done one by one with "
            "“Done & Schedule Next” to plan the following ones.",
        )
