from odoo import api, fields, models

EXPORT_PARAM_SALESPERSON = "sales_discipline.export_salesperson"
EXPORT_PARAM_TEAM_LEAD = "sales_discipline.export_team_lead"


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
        """A user's partner is not a client card: it is created without the client policy."""
        return super(ResUsers, self.with_context(discipline_policy_exempt=True)).create(vals_list)

    def _discipline_export_allowed(self):
        """SE-1: the head of sales may export; salespeople and team leads only where the administrator allows it.

        Users outside the sales roles keep Odoo's own rule (the export group), and so do administrators.
        """
        self.ensure_one()
        if self._is_admin():
            return True
        if not self._has_group("base.group_allow_export"):
            return False
        if not self.has_group("sales_discipline.group_salesperson"):
            return True
        if self.has_group("sales_discipline.group_head_of_sales"):
            return True
        params = self.env["ir.config_parameter"].sudo()
        if self.has_group("sales_discipline.group_team_lead"):
            return bool(params.get_param(EXPORT_PARAM_TEAM_LEAD))
        return bool(params.get_param(EXPORT_PARAM_SALESPERSON))

    def has_group(self, group_ext_id):
        """Answer "may export" by the sales discipline policy, so the web client hides the export buttons
        (list export, "export all") from the roles the server would refuse anyway."""
        result = super().has_group(group_ext_id)
        if result and group_ext_id == "base.group_allow_export":
            return self._discipline_export_allowed()
        return result

    def _discipline_export_refusal(self):
        return self.env._(
            "Exporting data is not allowed for your role. Ask the head of sales for the figures you need."
        )
