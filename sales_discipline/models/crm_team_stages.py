from odoo import fields, models


class CrmTeam(models.Model):
    """DL-7: a pipeline may keep its deals to its own stages. Opt-in, so that Odoo's own teams, and the teams of the
    other apps and of crm's flows, keep crm's behaviour (every team also sees the stages without a team)."""

    # one file per capability of crm.team (house style), merged by the registry
    _inherit = "crm.team"  # pylint: disable=consider-merging-classes-inherited

    discipline_own_stages_only = fields.Boolean(
        string="Own Stages Only",
        help="The deals of this pipeline use only its own stages: a new deal starts in its first stage, the Won button "
        "aims at its won stage, and the pipeline shows no stage of other teams nor Odoo's stages without a team.",
    )

    def write(self, vals):
        """The stages a deal may use are cached per team (crm.stage._discipline_teams_with_stages)."""
        result = super().write(vals)
        if "discipline_own_stages_only" in vals or "active" in vals:
            self.env.registry.clear_cache()
        return result
