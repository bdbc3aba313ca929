from odoo import Command, api, fields, models
from odoo.addons.base.models.res_users import is_reified_group

EXPORT_PARAM_SALESPERSON = "sales_discipline.export_salesperson"
EXPORT_PARAM_TEAM_LEAD = "sales_discipline.export_team_lead"
EXPORT_PARAMS = (EXPORT_PARAM_SALESPERSON, EXPORT_PARAM_TEAM_LEAD)

# SE-1: the export roles, strongest first, each read from Odoo's Sales groups and from the addon's roles, so
# that a user set up the usual Odoo way (Sales: User / Administrator in the user form) has the same policy as
# one given an addon role. "head" always exports; the others follow the setting named beside them.
EXPORT_ROLE_GROUPS = (
    ("head", ("sales_discipline.group_head_of_sales", "sales_team.group_sale_manager"), None),
    (
        "team_lead",
        ("sales_discipline.group_team_lead", "sales_team.group_sale_salesman_all_leads"),
        EXPORT_PARAM_TEAM_LEAD,
    ),
    ("salesperson", ("sales_team.group_sale_salesman",), EXPORT_PARAM_SALESPERSON),
)
EXPORT_GROUP = "base.group_allow_export"


class ResUsers(models.Model):
    """Users of the sales roles: their partners are not client cards, and their export right follows their role."""

    _inherit = "res.users"

    sales_role_summary = fields.Char(
        string="Sales Roles",
        compute="_compute_sales_role_summary",
        help="Hunter or farmer, team by team (RO-1).",
    )

    @api.depends("crm_team_member_ids.sales_role", "crm_team_member_ids.crm_team_id")
    def _compute_sales_role_summary(self):
        labels = dict(self.env["crm.team.member"]._fields["sales_role"]._description_selection(self.env))
        for user in self:
            user.sales_role_summary = ", ".join(
                self.env._("%(role)s in %(team)s", role=labels[m.sales_role], team=m.crm_team_id.name)
                for m in user.sudo().crm_team_member_ids
            )

    @api.model_create_multi
    def create(self, vals_list):
        """A user's partner is not a client card: it is created without the client policy. A new user of a sales
        role, who receives Odoo's default groups (export included), is put under the export policy at once."""
        users = super(ResUsers, self.with_context(discipline_policy_exempt=True)).create(vals_list)
        users._discipline_sync_export_group()
        return users

    def write(self, vals):
        """Re-apply the export policy when groups change, however they are sent: ``groups_id`` or the user form's
        ``sel_groups_*`` / ``in_group_*`` fields (a ticked "Access to export feature" included)."""
        result = super().write(vals)
        if any(key == "groups_id" or is_reified_group(key) for key in vals):
            self._discipline_sync_export_group()
        return result

    def _discipline_export_role(self):
        """SE-1: the export role of the user ("head", "team_lead", "salesperson"), or False outside the sales roles.

        Odoo's Sales groups are read directly, beside the addon's roles, so no mapping has to be kept in step:
        Sales Administrator counts as the head of sales, Sales "User: All Documents" as a team lead, Sales
        "User: Own Documents Only" as a salesperson; the strongest role wins. An access-rights administrator of
        a sales role counts as the head: they could grant themselves the export group anyway.
        """
        self.ensure_one()
        for role, groups, _param in EXPORT_ROLE_GROUPS:
            if any(self._has_group(group) for group in groups):
                if role != "head" and self._is_admin():
                    return "head"
                return role
        return False

    def _discipline_export_allowed(self):
        """SE-1: the head of sales may export; team leads and salespeople only where the settings allow it.

        The sales roles' right never depends on Odoo's export group (which ``base.default_user`` hands to every new
        user); users outside the sales roles keep Odoo's own rule, the export group. The export routes, the
        ``export_data`` RPC and the export group membership (:meth:`_discipline_sync_export_group`) all ask here.
        """
        self.ensure_one()
        role = self._discipline_export_role()
        if not role:
            return self._has_group(EXPORT_GROUP)
        param = next(param for name, _groups, param in EXPORT_ROLE_GROUPS if name == role)
        return not param or bool(self.env["ir.config_parameter"].sudo().get_param(param))

    def _discipline_sync_export_group(self):
        """Make the sales roles' membership of Odoo's export group what the export policy says, so that
        ``has_group("base.group_allow_export")`` tells the truth and the web client shows the Export buttons
        (and Odoo's ``/json`` route opens) exactly to those the server lets export.

        Users outside the sales roles are left as they are. The user template (``base.default_user``) is left
        alone too: it stands for Odoo's defaults, which each new user receives and then has synced.
        """
        export_group = self.env.ref(EXPORT_GROUP)
        template = self.env.ref("base.default_user", raise_if_not_found=False)
        grant = revoke = self.browse()
        for user in self.sudo():
            if user == template or not user._discipline_export_role():
                continue
            allowed = user._discipline_export_allowed()
            member = user._has_group(EXPORT_GROUP)
            if allowed and not member:
                grant |= user
            elif member and not allowed:
                revoke |= user
        if grant:
            grant.sudo().write({"groups_id": [Command.link(export_group.id)]})
        if revoke:
            revoke.sudo().write({"groups_id": [Command.unlink(export_group.id)]})

    @api.model
    def _discipline_sync_sales_users(self):
        """Apply the export policy to every user of Odoo's Sales groups (at install, upgrade and policy change)."""
        salesman = self.env.ref("sales_team.group_sale_salesman")
        self.sudo().with_context(active_test=False).search(
            [("groups_id", "in", salesman.ids)]
        )._discipline_sync_export_group()

    def _discipline_export_refusal(self):
        return self.env._(
            "Exporting data is not allowed for your role. Ask the head of sales for the figures you need."
        )

    def _discipline_personal_lead_domain(self, company_id, prefix=""):
        """SE-2: the domain of crm's "Personal Leads" rules (on deals, and with ``prefix`` on what points at deals):
        one's own deals, and the unassigned ones as the company's "Unassigned Deals Visible To" says. Evaluated by
        the rule cache once per user and company."""
        self.ensure_one()
        company = self.env["res.company"].sudo().browse(company_id)
        if company.exists() and company.discipline_unassigned_visibility == "all":
            return ["|", ("user_id", "=", self.id), ("user_id", "=", False)]  # crm's own domain, on both models
        own = [(f"{prefix}user_id", "=", self.id)]
        unassigned = [(f"{prefix}user_id", "=", False)]
        teams = self.sudo().crm_team_ids.filtered("members_see_unassigned")
        return ["|", *own, "&", *unassigned, (f"{prefix}team_id", "in", teams.ids)]
