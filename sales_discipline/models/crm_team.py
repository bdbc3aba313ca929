from odoo import fields, models
from odoo.tools import SQL

from .crm_lead_flags import FLAGS

NEXT_STEP_POLICIES = [
    ("refuse", "Refuse"),
    ("flag", "Flag"),
    ("off", "Off"),
]


class CrmTeam(models.Model):
    """Each team (pipeline) chooses how strictly it requires a next step, and shows its discipline counters."""

    _inherit = "crm.team"

    next_step_policy = fields.Selection(
        NEXT_STEP_POLICIES,
        default="flag",
        required=True,
        help="Refuse: an open deal cannot be created, moved or saved without a planned next step. "
        "Flag: it can, but is marked and listed. Off: no check.",
    )
    routing_method = fields.Selection(
        [("least_loaded", "To the least loaded of the right role"), ("manual", "Manual")],
        # opt-in: Odoo's own teams and flows (its tests, the mail gateway, the digest) keep their owners; the
        # shipped pipelines route (data/crm_team_data.xml)
        default="manual",
        required=True,
        help="New deals without an owner go to a hunter (new clients) or a farmer (current clients) of the team, "
        "the one with the fewest open deals.",
    )
    members_see_unassigned = fields.Boolean(
        string="Members See Unassigned Deals",
        help="Salespeople of this team see its deals that nobody owns yet; otherwise only their own deals.",
    )
    discipline_no_next_step_count = fields.Integer(
        string="Deals Without Next Step", compute="_compute_discipline_counters"
    )
    discipline_overdue_count = fields.Integer(string="Deals With Overdue Steps", compute="_compute_discipline_counters")
    discipline_stale_count = fields.Integer(string="Stale Deals", compute="_compute_discipline_counters")

    def _compute_discipline_counters(self):
        """The three counters in one statement over the deals of these teams that the user sees: each deal is read
        once, with the due date of its first step (see crm.lead._discipline_flag_condition_on_first_step), looked up
        in the activities' index deal by deal."""
        counts = {}
        if self.ids:
            Lead = self.env["crm.lead"]
            Lead._discipline_flush()
            query = Lead._search([("team_id", "in", self.ids), ("type", "=", "opportunity")])
            lead = query.table
            stage = query.make_alias(lead, "discipline_stage")
            query.add_join(
                "LEFT JOIN",
                stage,
                "crm_stage",
                SQL("%s = %s", SQL.identifier(stage, "id"), SQL.identifier(lead, "stage_id")),
            )
            step = query.make_alias(lead, "discipline_step")
            query.add_join(
                "LEFT JOIN",
                step,
                Lead._discipline_first_step_sql(lead),
                SQL("TRUE"),
            )
            query.groupby = SQL.identifier(lead, "team_id")
            first_deadline = SQL.identifier(step, "date_deadline")
            self.env.cr.execute(
                query.select(
                    SQL.identifier(lead, "team_id"),
                    *(
                        SQL(
                            "COUNT(*) FILTER (WHERE %s)",
                            Lead._discipline_flag_condition_on_first_step(flag, lead, stage, first_deadline),
                        )
                        for flag in FLAGS
                    ),
                )
            )
            counts = {team_id: values for team_id, *values in self.env.cr.fetchall()}
        for team in self:
            (
                team.discipline_no_next_step_count,
                team.discipline_overdue_count,
                team.discipline_stale_count,
            ) = counts.get(team.id, (0, 0, 0))

    def write(self, vals):
        """The salespeople's deal rule names the teams that show their unassigned deals (SE-2), computed once per
        user by the rule cache: a change of the setting must reach it."""
        result = super().write(vals)
        if "members_see_unassigned" in vals:
            self.env.registry.clear_cache()
        return result

    def _discipline_action(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("team_id", "=", self.id)]
        return action

    def action_discipline_no_next_step(self):
        """Open the team's open deals that have no planned next step."""
        return self._discipline_action("sales_discipline.crm_lead_action_no_next_step")

    def action_discipline_overdue(self):
        """Open the team's deals whose next step is overdue."""
        return self._discipline_action("sales_discipline.crm_lead_action_overdue")

    def action_discipline_stale(self):
        """Open the team's stale deals."""
        return self._discipline_action("sales_discipline.crm_lead_action_stale")
