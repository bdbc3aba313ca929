from odoo import fields, models

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
        Lead = self.env["crm.lead"]
        base = [("team_id", "in", self.ids), ("type", "=", "opportunity")]
        counters = {
            "discipline_no_next_step_count": [("has_next_step", "=", False)],
            "discipline_overdue_count": [("has_overdue_step", "=", True)],
            "discipline_stale_count": [("is_stale", "=", True)],
        }
        for field_name, domain in counters.items():
            counts = dict(Lead._read_group(base + domain, groupby=["team_id"], aggregates=["__count"]))
            for team in self:
                team[field_name] = counts.get(team, 0)

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
