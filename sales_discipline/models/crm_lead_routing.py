from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmLead(models.Model):
    """Hunters and farmers on the deal: new-client deals routed to the least loaded hunter and current-client deals
    to a farmer, off-role assignments logged (RO-2); the needs questionnaire filled in at a meeting (RO-3, RO-4);
    a win-back never given to the salesperson who lost the client (RO-6)."""

    # one file per capability of crm.lead (house style), merged by the registry
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    winback_excluded_user_id = fields.Many2one(
        "res.users",
        string="Lost the Client",
        readonly=True,
        copy=False,
        help="This win-back deal may not be given to the salesperson who lost the client (RO-6).",
    )
    questionnaire_input_ids = fields.One2many(
        "survey.user_input", "crm_lead_id", string="Needs Questionnaires", groups="survey.group_survey_user"
    )

    @api.constrains("user_id", "winback_excluded_user_id")
    def _check_winback_owner(self):
        for lead in self:
            if lead.winback_excluded_user_id and lead.user_id == lead.winback_excluded_user_id:
                raise ValidationError(
                    self.env._(
                        "The win-back of %(deal)s cannot be given to %(user)s, who lost this client.",
                        deal=lead.name,
                        user=lead.user_id.name,
                    )
                )

    def action_fill_needs_questionnaire(self):
        """Open the client needs questionnaire of this deal for the salesperson to fill in with the client.

        The answer is the salesperson's own (Odoo's survey page refuses an answer carrying someone else's partner)
        and is linked to the deal and its client; an unfinished answer of theirs for this deal is opened again
        rather than a new empty one being left behind at each click.
        """
        self.ensure_one()
        self.check_access("read")
        survey = self.env.ref("sales_discipline.survey_client_needs").sudo()
        answer = (
            self.env["survey.user_input"]
            .sudo()
            .search(
                [
                    ("survey_id", "=", survey.id),
                    ("crm_lead_id", "=", self.id),
                    ("partner_id", "=", self.env.user.partner_id.id),
                    ("state", "!=", "done"),
                    ("test_entry", "=", False),
                ],
                order="id desc",
                limit=1,
            )
        )
        if not answer:
            answer = survey._create_answer(
                user=self.env.user, check_attempts=False, crm_lead_id=self.id, client_partner_id=self.partner_id.id
            )
        elif answer.client_partner_id != self.partner_id:
            answer.client_partner_id = self.partner_id
        return {"type": "ir.actions.act_url", "url": answer.get_start_url(), "target": "new"}

    def _discipline_expected_role(self):
        """New clients (Inquiry, no client, lost) are hunted; current (active) clients are farmed."""
        self.ensure_one()
        return "farmer" if self.partner_id.commercial_partner_id.client_status == "active" else "hunter"

    def _discipline_team_roles(self):
        """{(team id, user id): role} of the active memberships of these deals' teams, in one query."""
        members = self.env["crm.team.member"].sudo().search([("crm_team_id", "in", self.team_id.ids)])
        return {(m.crm_team_id.id, m.user_id.id): m.sales_role for m in members}

    def _discipline_route(self):
        """Give unowned new deals (and deals entered by someone outside the team) to the least loaded member of
        the right role; a deal entered by a team member for themselves stays theirs, and is logged if off-role."""
        deals = self.filtered(lambda lead: lead.type == "opportunity" and lead.active and lead.team_id)
        if not deals:
            return
        roles = deals._discipline_team_roles()
        to_route = deals.filtered(
            lambda lead: (
                lead.team_id.routing_method == "least_loaded"
                and (not lead.user_id or (lead.team_id.id, lead.user_id.id) not in roles)
            )
        )
        (deals - to_route).filtered("user_id")._discipline_log_role_mismatch(roles)
        if not to_route:
            return
        candidates = {}
        for (team_id, user_id), role in roles.items():
            candidates.setdefault((team_id, role), []).append(user_id)
        load = self._discipline_open_deal_load({user_id for _team, user_id in roles})
        assignment = {}
        for lead in to_route.sorted("id"):
            pool = [
                user_id
                for user_id in candidates.get((lead.team_id.id, lead._discipline_expected_role()), [])
                if user_id != lead.winback_excluded_user_id.id
            ]
            if not pool:
                continue
            chosen = min(pool, key=lambda user_id: (load.get(user_id, 0), user_id))
            load[chosen] = load.get(chosen, 0) + 1
            assignment.setdefault(chosen, self.browse())
            assignment[chosen] |= lead
        for user_id, leads in assignment.items():
            leads.with_context(discipline_routing=True).write({"user_id": user_id})
            # the next step planned by whoever entered the deal goes to its new owner
            leads.sudo().activity_ids.filtered(lambda a: a.user_id == self.env.user).write({"user_id": user_id})

    @api.model
    def _discipline_open_deal_load(self, user_ids):
        """{user id: number of open deals}: the load routing balances."""
        return {
            user.id: count
            for user, count in self.env["crm.lead"]
            .sudo()
            ._read_group(
                [("user_id", "in", list(user_ids)), ("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
                groupby=["user_id"],
                aggregates=["__count"],
            )
        }

    @api.model
    def _discipline_pick_owner(self, team, role, excluded_user=None):
        """The least loaded member of the team with this role, other than the excluded user (RO-2, RO-6)."""
        members = (
            team.sudo()
            .crm_team_member_ids.filtered(lambda m: m.sales_role == role and m.user_id != excluded_user)
            .user_id
        )
        load = self._discipline_open_deal_load(members.ids)
        return min(members, key=lambda user: (load.get(user.id, 0), user.id), default=self.env["res.users"])

    def _discipline_log_role_mismatch(self, roles=None):
        """A manual assignment against the hunter/farmer rule stays possible, and is traced on the deal."""
        deals = self.filtered(lambda lead: lead.type == "opportunity" and lead.team_id and lead.user_id)
        if not deals:
            return
        roles = roles if roles is not None else deals._discipline_team_roles()
        labels = dict(self.env["crm.team.member"]._fields["sales_role"]._description_selection(self.env))
        for lead in deals:
            role = roles.get((lead.team_id.id, lead.user_id.id))
            expected = lead._discipline_expected_role()
            if role and role != expected:
                lead.sudo().message_post(
                    body=self.env._(
                        "Assigned to %(user)s (%(role)s in %(team)s) by %(author)s, although the rule gives this "
                        "deal to a %(expected)s.",
                        user=lead.user_id.name,
                        role=labels[role],
                        team=lead.team_id.name,
                        author=self.env.user.name,
                        expected=labels[expected].lower(),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
