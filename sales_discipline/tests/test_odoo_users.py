import importlib.util
import json
from datetime import date
from pathlib import Path

from odoo.addons.base.models.res_users import name_boolean_group
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import SalesDisciplineCase

REFUSAL = "Exporting data is not allowed for your role. Ask the head of sales for the figures you need."
EXPORT_GROUP = "base.group_allow_export"
MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.1.1.0" / "post-10-odoo-sales-groups.py"


def selection_field(env, group):
    """The user form's selection field (``sel_groups_*``) of the application that offers ``group``."""
    return next(
        name
        for name in env["res.users"].fields_get()
        if name.startswith("sel_groups_") and str(group.id) in name[len("sel_groups_") :].split("_")
    )


def form_user(env, login, name, *levels, emptied=()):
    """Create a user as an administrator does in Settings > Users: the form starts from Odoo's defaults (the user
    template's groups: the export group, Sales: Administrator, ...); the administrator picks ``levels`` (group
    xmlids) in their applications and empties the applications of the groups in ``emptied``."""
    form = Form(env["res.users"], view="base.view_users_form")
    form.name = name
    form.login = login
    for xmlid in levels:
        group = env.ref(xmlid)
        form[selection_field(env, group)] = group.id
    for xmlid in emptied:
        form[selection_field(env, env.ref(xmlid))] = False
    return form.save()


class OdooUsersCase(SalesDisciplineCase):
    """Users set up the usual Odoo way: created through the user form with Odoo's Sales levels only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rights_admin = new_test_user(
            cls.env,
            login="sd_rights_admin",
            name="Rita Rights Admin",
            groups="base.group_erp_manager,base.group_partner_manager",
        )
        # the CRM block of the settings is shown to settings administrators who are also Sales Administrators
        cls.settings_admin = new_test_user(
            cls.env,
            login="sd_settings_admin",
            name="Sergei Settings Admin",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        admin_env = cls.env(user=cls.rights_admin)
        cls.own_docs = form_user(admin_env, "sd_odoo_own", "Oskar Own Documents", "sales_team.group_sale_salesman")
        cls.all_docs = form_user(
            admin_env, "sd_odoo_all", "Alla All Documents", "sales_team.group_sale_salesman_all_leads"
        )
        cls.sales_admin = form_user(
            admin_env, "sd_odoo_admin", "Stas Sales Administrator", "sales_team.group_sale_manager"
        )
        cls.no_sales = form_user(admin_env, "sd_odoo_none", "Nina No Sales", emptied=["sales_team.group_sale_salesman"])
        cls.export_group = cls.env.ref(EXPORT_GROUP)
        cls.odoo_team = cls.env["crm.team"].create(
            {
                "name": "Odoo Way Team",
                "routing_method": "manual",
                "crm_team_member_ids": [(0, 0, {"user_id": cls.own_docs.id}), (0, 0, {"user_id": cls.all_docs.id})],
            }
        )
        Lead = cls.env["crm.lead"].with_context(tracking_disable=True)
        deal_vals = {"type": "opportunity", "team_id": cls.odoo_team.id}
        cls.own_deal = Lead.create(dict(deal_vals, name="Oskar's deal", user_id=cls.own_docs.id))
        cls.other_deal = Lead.create(dict(deal_vals, name="Alla's deal", user_id=cls.all_docs.id))
        for deal, user in ((cls.own_deal, cls.own_docs), (cls.other_deal, cls.all_docs)):
            deal.activity_schedule(
                act_type_xmlid="sales_discipline.mail_activity_type_visit",
                date_deadline=date(2030, 1, 7),
                user_id=user.id,
            ).action_feedback(feedback="Visited the client")
        cls.env.flush_all()

    def set_export_policy(self, **values):
        """Change the export settings as a settings administrator does, in the CRM settings."""
        settings = Form(self.env["res.config.settings"].with_user(self.settings_admin))
        for name, value in values.items():
            settings[f"discipline_export_{name}"] = value
        settings.save().execute()

    def assertMayExport(self, user, allowed):
        """The user's export right as the web client sees it (Export buttons) and as the server applies it."""
        self.assertEqual(user.with_user(user).has_group(EXPORT_GROUP), allowed)
        self.assertEqual(self.export_group in user.groups_id, allowed)
        partners = self.env["res.partner"].with_user(user).search([], limit=2)
        if allowed:
            self.assertEqual(len(partners.export_data(["name"])["datas"]), 2)
        else:
            with self.assertRaises(AccessError) as refusal:
                partners.export_data(["name"])
            self.assertEqual(str(refusal.exception), REFUSAL)


@tagged("post_install", "-at_install")
class TestOdooSalesUsersScreens(OdooUsersCase):
    """SE-2: a user with Odoo's Sales rights only opens every deal form and the addon's reports, within their
    visibility."""

    def test_form_users_have_odoo_default_groups_and_no_addon_role(self):
        template_groups = self.env.ref("base.default_user").groups_id
        self.assertIn(self.export_group, template_groups)
        self.assertIn(self.env.ref("base.group_partner_manager"), self.own_docs.groups_id)
        self.assertFalse(self.own_docs.has_group("sales_discipline.group_salesperson"))
        self.assertFalse(self.own_docs.has_group("sales_team.group_sale_salesman_all_leads"))
        # the deal form opens the deal's stage history, which the user reads
        deal = self.own_deal.with_user(self.own_docs)
        Form(deal)
        arch = deal.get_view(self.env.ref("crm.crm_lead_view_form").id)["arch"]
        self.assertIn('name="action_discipline_open_stage_history"', arch)
        self.assertNotIn('name="stage_history_ids"', arch)
        action = deal.action_discipline_open_stage_history()
        stays = self.env[action["res_model"]].with_user(self.own_docs).search(action["domain"])
        self.assertEqual((len(stays), stays.lead_id, stays.stage_id), (1, self.own_deal, self.own_deal.stage_id))

    def test_reports_open_within_the_users_visibility(self):
        deals = self.own_deal | self.other_deal
        for user, visible in ((self.own_docs, self.own_deal), (self.all_docs, deals)):
            History = self.env["crm.lead.stage.history"].with_user(user)
            self.assertEqual(History.search([("lead_id", "in", deals.ids)]).lead_id, visible, user.login)
            StageFunnel = self.env["sales.discipline.stage.funnel"].with_user(user)
            self.assertEqual(StageFunnel.search([("lead_id", "in", deals.ids)]).lead_id, visible, user.login)
            Funnel = self.env["sales.discipline.funnel.report"].with_user(user)
            funnel = Funnel.search([("user_id", "in", (self.own_docs | self.all_docs).ids)])
            self.assertEqual(funnel.user_id, visible.user_id, user.login)
            self.assertEqual(funnel.mapped("actual"), [1] * len(visible), user.login)
            Activities = self.env["crm.activity.report"].with_user(user)
            self.assertEqual(Activities.search([("lead_id", "in", deals.ids)]).lead_id, visible, user.login)
            self.assertTrue(self.env["sales.discipline.norm"].with_user(user).search([]), user.login)
        with self.assertRaises(AccessError):
            self.other_deal.stage_history_ids.with_user(self.own_docs).read(["stage_id"])

    def test_report_menus_reach_odoo_sales_users(self):
        menus = (
            self.env.ref("sales_discipline.crm_lead_stage_history_menu")
            | self.env.ref("sales_discipline.sales_discipline_funnel_report_menu")
            | self.env.ref("sales_discipline.crm_lead_menu_refusals")
            | self.env.ref("sales_discipline.sales_discipline_stage_funnel_menu")
            | self.env.ref("sales_discipline.res_partner_menu_abc_xyz")
            | self.env.ref("sales_discipline.res_partner_menu_ltv")
            | self.env.ref("sales_discipline.sales_discipline_repeat_report_menu")
            | self.env.ref("sales_discipline.res_partner_menu_wallet")
        )
        visible = self.env["ir.ui.menu"].with_user(self.own_docs)._visible_menu_ids()
        self.assertEqual(menus.filtered(lambda menu: menu.id in visible), menus)


@tagged("post_install", "-at_install")
class TestOdooSalesUsersExport(OdooUsersCase):
    """SE-1: Odoo's Sales levels fall under the export policy, and Odoo's export group tells the truth."""

    def test_own_documents_user_loses_the_default_export_group(self):
        self.assertMayExport(self.own_docs, False)

    def test_all_documents_user_follows_the_team_lead_setting(self):
        self.assertMayExport(self.all_docs, False)
        self.set_export_policy(team_lead=True)
        self.assertMayExport(self.all_docs, True)
        self.assertMayExport(self.own_docs, False)
        self.set_export_policy(team_lead=False)
        self.assertMayExport(self.all_docs, False)

    def test_settings_move_salespeople_in_and_out_of_the_export_group(self):
        self.set_export_policy(salesperson=True)
        self.assertMayExport(self.own_docs, True)
        self.assertMayExport(self.salesperson, True)
        self.assertMayExport(self.team_lead, False)
        self.set_export_policy(salesperson=False)
        self.assertMayExport(self.own_docs, False)
        self.assertMayExport(self.salesperson, False)

    def test_heads_export_without_being_given_the_export_group(self):
        # new_test_user keeps none of Odoo's default groups: the head's right comes from the policy alone
        bare_user = new_test_user(self.env, login="sd_bare", groups="base.group_user")
        self.assertNotIn(self.export_group, bare_user.groups_id)
        self.assertMayExport(self.head, True)
        self.assertMayExport(self.sales_admin, True)
        # unticking "Access to export feature" in the user form does not take it from them
        for user in (self.head, self.sales_admin):
            user.with_user(self.rights_admin).write({name_boolean_group(self.export_group.id): False})
            self.assertMayExport(user, True)

    def test_has_group_tells_the_truth(self):
        users = self.own_docs | self.all_docs | self.sales_admin | self.no_sales | self.salesperson | self.head
        users |= self.team_lead | self.outsider
        # an administrator ticks "Access to export feature" for everyone
        users.with_user(self.rights_admin).write({name_boolean_group(self.export_group.id): True})
        self.salesperson.with_user(self.rights_admin).write({"groups_id": [(4, self.export_group.id)]})
        for user in users:
            with self.subTest(user=user.login):
                member = self.export_group in user.groups_id
                self.assertEqual(user.with_user(user).has_group(EXPORT_GROUP), member)
                self.assertEqual(user._discipline_export_allowed(), member)
        self.assertEqual(
            users.filtered(lambda user: self.export_group in user.groups_id),
            self.sales_admin | self.no_sales | self.head | self.outsider,
        )
        # outside the sales roles Odoo's own rule holds: the export group decides
        self.no_sales.with_user(self.rights_admin).write({name_boolean_group(self.export_group.id): False})
        self.assertMayExport(self.no_sales, False)

    def test_sales_rights_changed_in_the_user_form_or_the_group_form_resync(self):
        user_form = Form(self.own_docs.with_user(self.rights_admin), view="base.view_users_form")
        user_form[selection_field(self.env, self.env.ref("sales_team.group_sale_manager"))] = self.env.ref(
            "sales_team.group_sale_manager"
        ).id
        user_form.save()
        self.assertMayExport(self.own_docs, True)
        user_form[selection_field(self.env, self.env.ref("sales_team.group_sale_salesman"))] = self.env.ref(
            "sales_team.group_sale_salesman"
        ).id
        user_form.save()
        self.assertMayExport(self.own_docs, False)
        # granted from the group's own form (Users tab)
        head_group = self.env.ref("sales_discipline.group_head_of_sales").with_user(self.rights_admin)
        head_group.write({"users": [(4, self.own_docs.id)]})
        self.assertMayExport(self.own_docs, True)
        head_group.write({"users": [(3, self.own_docs.id)]})  # still a team lead, by the implied groups it kept
        self.assertMayExport(self.own_docs, False)

    def test_sync_puts_existing_users_under_the_policy(self):
        """What the install (post_init_hook) and the 18.0.1.1.0 upgrade do for users that predate the addon."""
        self.env.cr.execute(
            "INSERT INTO res_groups_users_rel (gid, uid) VALUES (%s, %s)", [self.export_group.id, self.salesperson.id]
        )
        self.env.cr.execute(
            "DELETE FROM res_groups_users_rel WHERE gid = %s AND uid = %s", [self.export_group.id, self.head.id]
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertIn(self.export_group, self.salesperson.groups_id)
        self.env["res.users"]._discipline_sync_sales_users()
        self.assertMayExport(self.salesperson, False)
        self.assertMayExport(self.head, True)


@tagged("post_install", "-at_install")
class TestOdooSalesGroupsMigration(SalesDisciplineCase):
    """18.0.1.1.0: the report rules of an installed database are keyed on sales_team's groups."""

    def test_migration_rekeys_the_report_rules(self):
        spec = importlib.util.spec_from_file_location("sales_discipline_post_10", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        rules = {xmlid: self.env.ref(xmlid) for xmlid in migration.RULE_GROUPS}
        for xmlid, (old_group, _new_group) in migration.RULE_GROUPS.items():
            rules[xmlid].groups = self.env.ref(old_group)
        customised = rules["sales_discipline.crm_lead_stage_history_rule_head"]
        customised.groups = self.env.ref("sales_discipline.group_discipline_admin")
        self.env.cr.execute(
            "INSERT INTO res_groups_users_rel (gid, uid) VALUES (%s, %s)",
            [self.env.ref(EXPORT_GROUP).id, self.salesperson.id],
        )
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        migration.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        for xmlid, (_old_group, new_group) in migration.RULE_GROUPS.items():
            if rules[xmlid] != customised:
                self.assertEqual(rules[xmlid].groups, self.env.ref(new_group), xmlid)
        self.assertEqual(customised.groups, self.env.ref("sales_discipline.group_discipline_admin"))
        self.assertFalse(self.salesperson.has_group(EXPORT_GROUP))


@tagged("post_install", "-at_install")
class TestOdooSalesUsersHttp(HttpCase):
    """What the web client asks before showing its Export buttons, and what the export routes answer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rights_admin = new_test_user(
            cls.env, login="sd_http_rights", groups="base.group_erp_manager,base.group_partner_manager"
        )
        admin_env = cls.env(user=rights_admin)
        cls.own_docs = form_user(admin_env, "sd_http_own", "Oskar Own", "sales_team.group_sale_salesman")
        cls.head = form_user(admin_env, "sd_http_head2", "Hanna Head", "sales_discipline.group_head_of_sales")
        cls.head.write({name_boolean_group(cls.env.ref(EXPORT_GROUP).id): False})
        for user in cls.own_docs | cls.head:
            user.password = user.login

    def _web_client_has_group(self, user):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": "res.users", "method": "has_group", "args": [user.id, EXPORT_GROUP], "kwargs": {}},
        }
        response = self.url_open(
            "/web/dataset/call_kw/res.users/has_group",
            json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]

    def _csv_export(self):
        data = {
            "model": "res.partner",
            "fields": [{"name": "name", "label": "Name"}],
            "ids": False,
            "domain": [],
            "import_compat": False,
            "groupby": [],
        }
        return self.url_open(f"/web/export/csv?data={json.dumps(data)}")

    def test_own_documents_user_sees_no_export_button_and_is_refused(self):
        self.authenticate("sd_http_own", "sd_http_own")
        self.assertFalse(self._web_client_has_group(self.own_docs))
        self.assertEqual(self._csv_export().status_code, 403)

    def test_head_sees_the_export_button_and_exports(self):
        self.authenticate("sd_http_head2", "sd_http_head2")
        self.assertTrue(self._web_client_has_group(self.head))
        self.assertEqual(self._csv_export().status_code, 200)
