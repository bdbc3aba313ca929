from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import DealDisciplineCase

INCOMPLETE = "Vostok Trade: fill in Acquisition Channel, Client Type, Email, Industry, Phone, Street."


@tagged("post_install", "-at_install")
class RolloutCase(DealDisciplineCase):
    """Rollout modes per family of rules: off (Odoo's behaviour), warn (saved and listed), enforce (refused)."""

    def set_mode(self, mode, *families):
        names = [f"discipline_mode_{family}" for family in families] or self.company._discipline_mode_fields()
        self.company.with_user(self.discipline_admin).write(dict.fromkeys(names, mode))

    def warnings(self, user, record=None, family=None):
        domain = []
        if record is not None:
            domain += [("res_model", "=", record._name), ("res_id", "=", record.id)]
        if family:
            domain += [("family", "=", family)]
        return self.env["sales.discipline.warning"].with_user(user).search(domain)

    def incomplete_company(self, user=None):
        return (
            self.env["res.partner"]
            .with_user(user or self.salesperson)
            .create({"name": "Vostok Trade", "is_company": True, "user_id": self.salesperson.id})
        )


@tagged("post_install", "-at_install")
class TestClientCardModes(RolloutCase):
    def test_enforce_refuses(self):
        with self.assertRaises(ValidationError) as refusal:
            self.incomplete_company()
        self.assertEqual(str(refusal.exception), f"The client card cannot be saved:\n{INCOMPLETE}")

    def test_warn_saves_lists_and_resolves(self):
        self.set_mode("warn", "client_cards")
        card = self.incomplete_company()
        warning = self.warnings(self.salesperson, card, "client_cards")
        self.assertEqual(warning.message, INCOMPLETE)
        self.assertEqual((warning.owner_id, warning.team_id), (self.salesperson, self.team))
        self.assertFalse(card.is_data_complete)
        # saving again with a part of the data updates the same warning
        card.with_user(self.salesperson).write({"phone": "+7 812 555-00-01"})
        warning = self.warnings(self.salesperson, card, "client_cards")
        self.assertEqual(
            warning.message, "Vostok Trade: fill in Acquisition Channel, Client Type, Email, Industry, Street."
        )
        complete = self.company_vals(name="Vostok Trade", phone="+7 812 555-00-01", email="info@vostok.example")
        card.with_user(self.salesperson).write(complete)
        self.assertFalse(self.warnings(self.salesperson, card))
        self.assertFalse(warning.active)
        self.assertTrue(warning.resolved_date)

    def test_off_saves_without_warning(self):
        self.set_mode("off", "client_cards")
        card = self.incomplete_company()
        self.assertTrue(card.exists())
        self.assertFalse(self.warnings(self.salesperson, card))

    def test_duplicates_warn(self):
        self.set_mode("warn", "duplicates")
        existing = self.env["res.partner"].with_user(self.salesperson).create(self.company_vals())
        twin = self.env["res.partner"].with_user(self.salesperson).create(self.company_vals(name="Romashka Trade"))
        self.assertEqual(
            self.warnings(self.salesperson, twin, "duplicates").message,
            f"Romashka Trade duplicates the existing client Romashka LLC (#{existing.id}): same phone. "
            "Open the existing card instead.",
        )


@tagged("post_install", "-at_install")
class TestDealModes(RolloutCase):
    def test_stage_data_warn_then_resolved(self):
        self.set_mode("warn", "deal_data")
        deal = self.Lead.create(self.deal_vals())
        deal.write({"stage_id": self.stage_proposal.id})
        self.assertEqual(deal.stage_id, self.stage_proposal)
        warning = self.warnings(self.salesperson, deal, "deal_data")
        self.assertEqual(warning.message, "Pumps for Romashka: the stage Proposal requires Notes, Source.")
        # the team lead sees the warnings of the team, another salesperson does not
        self.assertEqual(self.warnings(self.team_lead, deal), warning)
        self.assertFalse(self.warnings(self.colleague, deal))
        source = self.env["utm.source"].create({"name": "Cold call"})
        deal.write({"description": "<p>Two pumps</p>", "source_id": source.id})
        self.assertFalse(self.warnings(self.salesperson, deal))

    def test_deal_form_requires_only_what_is_enforced(self):
        form = Form(self.Lead.with_context(default_type="opportunity", default_team_id=self.team.id))
        form.name = "Pumps"
        form.next_step_type_id = self.todo
        form.next_step_goal = False
        form.next_step_deadline = date(2030, 1, 10)
        with self.assertRaisesRegex(AssertionError, "next_step_goal is a required field"):
            form.save()
        self.set_mode("warn", "next_step")
        form = Form(self.Lead.with_context(default_type="opportunity", default_team_id=self.team.id))
        form.name = "Pumps"
        form.next_step_type_id = self.todo
        form.next_step_goal = False
        form.next_step_deadline = date(2030, 1, 10)
        deal = form.save()
        self.assertEqual(self.warnings(self.salesperson, deal.activity_ids).message, "To-Do: state its goal.")

    def test_refusal_reason_warn(self):
        self.set_mode("warn", "refusal_reasons")
        deal = self.Lead.create(self.deal_vals())
        deal.action_set_lost()
        self.assertFalse(deal.active)
        self.assertEqual(
            self.warnings(self.salesperson, deal, "refusal_reasons").message,
            "Pumps for Romashka: choose the refusal reason.",
        )

    def test_refusal_reason_off_makes_the_dialog_optional(self):
        self.set_mode("off", "refusal_reasons")
        deal = self.Lead.create(self.deal_vals())
        context = {"active_model": "crm.lead", "active_ids": deal.ids, "default_lead_ids": deal.ids}
        Form(
            self.env["crm.lead.lost"].with_user(self.salesperson).with_context(**context)
        ).save().action_lost_reason_apply()
        self.assertFalse(deal.active)
        self.assertFalse(self.warnings(self.salesperson, deal))

    def test_next_step_warn_lists_the_deal_until_a_step_is_planned(self):
        self.set_mode("warn", "next_step")
        deal = self.Lead.create(self.deal_vals(next_step_type_id=False, next_step_goal=False, next_step_deadline=False))
        self.assertEqual(
            self.warnings(self.salesperson, deal, "next_step").message,
            "Plan the next step (type, goal and date) of Pumps for Romashka before saving: every open deal needs one.",
        )
        self.env["mail.activity"].with_user(self.salesperson).create(
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": deal.id,
                "activity_type_id": self.call.id,
                "goal": "Sell the meeting",
                "date_deadline": "2030-01-10",
            }
        )
        self.assertFalse(self.warnings(self.salesperson, deal))

    def test_start_date_warn(self):
        self.set_mode("warn", "deal_data")
        deal = self.Lead.create(self.deal_vals())
        deal.write({"date_started": "2020-01-01 00:00:00"})
        self.assertEqual(
            self.warnings(self.salesperson, deal, "deal_data").message,
            "Pumps for Romashka: the start date of a deal cannot be changed.",
        )


@tagged("post_install", "-at_install")
class TestActivityModes(RolloutCase):
    def test_step_without_goal_warn(self):
        self.set_mode("warn", "next_step")
        deal = self.Lead.create(self.deal_vals())
        step = deal.activity_ids
        step.with_user(self.salesperson).write({"goal": False})
        self.assertEqual(
            self.warnings(self.salesperson, step, "next_step").message, "Sell the meeting: state its goal."
        )
        step.with_user(self.salesperson).write({"goal": "Sell the meeting"})
        self.assertFalse(self.warnings(self.salesperson, step))

    def test_apps_schedule_without_goal_under_enforce(self):
        """crm and other apps schedule steps by code (activity_schedule): saved and listed, never refused."""
        deal = self.Lead.create(self.deal_vals())
        activity = deal.activity_schedule("mail.mail_activity_data_todo", summary="Follow up the demo")
        self.assertEqual(
            self.warnings(self.salesperson, activity, "next_step").message, "Follow up the demo: state its goal."
        )

    def test_the_dialog_is_a_person_under_enforce(self):
        deal = self.Lead.create(self.deal_vals())
        dialog = Form(
            self.env["mail.activity.schedule"]
            .with_user(self.salesperson)
            .with_context(active_model="crm.lead", active_id=deal.id, active_ids=deal.ids)
        )
        dialog.activity_type_id = self.todo
        dialog.summary = "Send the price list"
        dialog.goal = False
        with self.assertRaises(ValidationError) as refusal:
            dialog.save().action_schedule_activities()
        self.assertEqual(str(refusal.exception), "The next step cannot be saved:\nSend the price list: state its goal.")

    def test_task_warn(self):
        self.set_mode("warn", "tasks")
        deal = self.Lead.create(self.deal_vals())
        task = (
            self.env["mail.activity"]
            .with_user(self.salesperson)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": deal.id,
                    "activity_type_id": self.todo.id,
                    "summary": "Prices",
                    "goal": "Price list sent",
                    "user_id": self.colleague.id,
                    "date_deadline": "2030-01-05",
                }
            )
        )
        self.assertEqual(
            self.warnings(self.salesperson, task, "tasks").message,
            "Kolya Colleague: start the summary with what to do (e.g. “Send the price list to the buyer”).",
        )
        task.unlink()
        self.assertFalse(
            self.env["sales.discipline.warning"]
            .with_context(active_test=False)
            .search([("res_model", "=", "mail.activity"), ("res_id", "=", task.id)])
        )


@tagged("post_install", "-at_install")
class TestModeChanges(RolloutCase):
    def test_changes_are_logged(self):
        self.set_mode("warn", "client_cards", "tasks")
        logs = self.env["sales.discipline.rollout.log"].with_user(self.head).search([], limit=2)
        self.assertEqual(
            sorted((log.family, log.old_mode, log.new_mode, log.user_id) for log in logs),
            [
                ("client_cards", "enforce", "warn", self.discipline_admin),
                ("tasks", "enforce", "warn", self.discipline_admin),
            ],
        )

    def test_settings_change_is_logged(self):
        settings = Form(self.env["res.config.settings"])
        settings.discipline_mode_duplicates = "off"
        settings.save().execute()
        log = self.env["sales.discipline.rollout.log"].search([], limit=1)
        self.assertEqual((log.family, log.old_mode, log.new_mode), ("duplicates", "enforce", "off"))

    def test_salesperson_cannot_change_a_mode(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.salesperson).write({"discipline_mode_next_step": "off"})

    def test_new_company_starts_in_the_modes_of_its_creator(self):
        self.set_mode("warn", "tasks")
        branch = self.env["res.company"].create({"name": "Romashka North"})
        self.assertEqual(branch.discipline_mode_tasks, "warn")
        self.assertEqual(branch.discipline_mode_client_cards, "enforce")

    def test_install_mode_is_warn(self):
        """A company that installs the addon keeps working: every family starts in warn."""
        for name in self.company._discipline_mode_fields():
            self.assertEqual(self.company._fields[name].default(self.company), "warn")


@tagged("post_install", "-at_install")
class TestRecheck(RolloutCase):
    def test_cron_resolves_fixed_and_drops_deleted(self):
        self.set_mode("warn", "client_cards")
        fixed = self.incomplete_company()
        deleted = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .create({"name": "Zapad", "is_company": True, "user_id": self.salesperson.id})
        )
        fixed.sudo().write(self.company_vals(name="Vostok Trade", phone="+7 812 555-00-01", email="a@vostok.example"))
        self.assertTrue(self.warnings(self.salesperson, fixed))  # the superuser's write is not checked
        deleted_id = deleted.id
        deleted.sudo().unlink()
        self.env["sales.discipline.warning"]._cron_discipline_recheck()
        self.assertFalse(self.warnings(self.salesperson, fixed))
        self.assertFalse(
            self.env["sales.discipline.warning"]
            .with_context(active_test=False)
            .search([("res_model", "=", "res.partner"), ("res_id", "=", deleted_id)])
        )


@tagged("post_install", "-at_install")
class TestUnassignedVisibility(RolloutCase):
    """SE-2 as a setting: unassigned deals shown to the members of teams that show them, or to every salesperson."""

    def test_setting_switches_between_the_addon_and_odoo(self):
        unassigned = self.env["crm.lead"].create(
            {"name": "Nobody's", "type": "opportunity", "team_id": self.team.id, "user_id": False}
        )
        outsider_team = self.env["crm.team"].create({"name": "Elsewhere"})
        elsewhere = self.env["crm.lead"].create(
            {"name": "Elsewhere's", "type": "opportunity", "team_id": outsider_team.id, "user_id": False}
        )
        self.team.members_see_unassigned = True
        Lead = self.env["crm.lead"].with_user(self.salesperson)
        self.assertEqual(Lead.search([("id", "in", (unassigned | elsewhere).ids)]), unassigned)
        self.company.with_user(self.discipline_admin).discipline_unassigned_visibility = "all"
        self.assertEqual(Lead.search([("id", "in", (unassigned | elsewhere).ids)]), unassigned | elsewhere)
        self.company.with_user(self.discipline_admin).discipline_unassigned_visibility = "team"
        self.assertEqual(Lead.search([("id", "in", (unassigned | elsewhere).ids)]), unassigned)


@tagged("post_install", "-at_install")
class TestMenus(RolloutCase):
    """Every new model has its menu, for the roles that read it."""

    def test_warnings_for_salespeople_log_for_the_head(self):
        warnings_menu = self.env.ref("sales_discipline.sales_discipline_warning_menu")
        log_menu = self.env.ref("sales_discipline.sales_discipline_rollout_log_menu")
        for user, visible in ((self.salesperson, {warnings_menu}), (self.head, {warnings_menu, log_menu})):
            menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertEqual({menu for menu in (warnings_menu, log_menu) if menu.id in menus}, visible, user.name)
