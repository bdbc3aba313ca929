from odoo import api, fields, models


class CrmLead(models.Model):
    """DL-7: a pipeline with stages of its own uses only those. crm offers every deal the stages without a team
    (Odoo's New, Qualified, Proposition, Won) as well, so a deal of such a pipeline started in the stock "New"
    and the Won button aimed at the stock "Won". Pipelines without stages of their own keep crm's behaviour."""

    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    pipeline_stage_ids = fields.Many2many(
        "crm.stage",
        compute="_compute_pipeline_stage_ids",
        help="Technical: the stages the deal's status bar offers, those of its pipeline.",
    )

    @api.depends("team_id", "stage_id")
    def _compute_pipeline_stage_ids(self):
        """The stages of the deal's pipeline (crm.stage._discipline_stage_ladder, cached), and the one it sits in.
        The status bar orders them itself."""
        Stage = self.env["crm.stage"]
        for lead in self:
            ladder = Stage._discipline_stage_ladder(lead.team_id.id or 0)
            lead.pipeline_stage_ids = Stage.browse([stage_id for stage_id, *_ in ladder]) | lead.stage_id

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """The kanban of a pipeline with its own stages shows those stages, plus any stage its deals still sit in."""
        team_id = self.env.context.get("default_team_id")
        if isinstance(team_id, int) and team_id in self.env["crm.stage"]._discipline_teams_with_stages():
            stage_ids = stages.sudo()._search(
                ["|", ("id", "in", stages.ids), ("team_id", "=", team_id)], order=stages._order
            )
            return stages.browse(stage_ids)
        return super()._read_group_stage_ids(stages, domain)

    def _stage_find(self, team_id=False, domain=None, order="sequence, id", limit=1):
        """Find the stage among the pipeline's own stages when every pipeline involved has some (a new deal's first
        stage, the Won button's won stage, a conversion's stage); otherwise crm's search, stock stages included."""
        team_ids = set(self.team_id.ids)
        if team_id:
            team_ids.add(team_id)
        if not team_ids or not team_ids <= self.env["crm.stage"]._discipline_teams_with_stages():
            return super()._stage_find(team_id=team_id, domain=domain, order=order, limit=limit)
        return self.env["crm.stage"].search(
            [("team_id", "in", list(team_ids)), *(domain or [])], order=order, limit=limit
        )
