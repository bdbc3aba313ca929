from markupsafe import Markup

from odoo import api, models
from odoo.tools.safe_eval import safe_eval


class CrmTeam(models.Model):
    """DL-7, SE-2: "My Pipeline" opens the pipeline each role works with. crm lands a user who is no team's member
    on the first team's deals assigned to them: an empty sample pipeline for a team lead or the head of sales."""

    _inherit = "crm.team"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _action_update_to_pipeline(self, action):
        """A team lead lands on the deals of the teams they lead, the head of sales on every team's deals; a
        member keeps crm's landing on their own deals in their team."""
        action = super()._action_update_to_pipeline(action)
        user = self.env.user
        if user.sale_team_id:
            return action
        led_teams = self.search([("user_id", "=", user.id)])
        is_head = user.has_group("sales_discipline.group_head_of_sales")
        if not led_teams and not is_head:
            return action
        context = dict(action["context"])
        context.pop("search_default_assigned_to_me", None)
        if led_teams:
            context["default_team_id"] = led_teams[0].id
        else:
            context.pop("default_team_id", None)
        if not is_head:
            domain = action.get("domain") or []
            if isinstance(domain, str):
                domain = safe_eval(domain, {"uid": user.id})
            action["domain"] = [*domain, ("team_id", "in", led_teams.ids)]
        action["context"] = context
        action["help"] = Markup('<p class="o_view_nocontent_smiling_face">%s</p><p>%s</p>') % (
            self.env._("Create an Opportunity"),
            self.env._("The deals of every sales team appear here.")
            if is_head
            else self.env._(
                "The deals of the teams you lead appear here: %(teams)s.", teams=", ".join(led_teams.mapped("name"))
            ),
        )
        return action
