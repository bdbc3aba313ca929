from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError

NPS_CATEGORIES = [("promoter", "Promoter"), ("passive", "Passive"), ("detractor", "Detractor")]
NPS_CHANNELS = [("survey", "Survey"), ("phone", "By Phone"), ("office", "In the Office")]
# the NPS of a set of answers is the average of these points: % promoters - % detractors
NPS_POINTS = {"promoter": 100.0, "passive": 0.0, "detractor": -100.0}


def nps_category(score):
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


class SalesDisciplineNpsAnswer(models.Model):
    """NP-1, NP-3: one client's answer to "would you recommend us?" (0 to 10), from an NPS survey or entered by
    staff for an answer taken by phone or in the office.

    Each answer keeps the client, the deal, and the salesperson and team responsible at the moment of the answer,
    so the figures (NP-2, sales.discipline.nps.report) stay true after a hand-over. A detractor's answer (0 to 6)
    plans a follow-up for the salesperson's team lead, or the company's head of sales where the team has none
    (NP-3). ``nps_points`` (+100, 0, -100) averaged over any group of answers is that group's NPS."""

    _name = "sales.discipline.nps.answer"
    _description = "NPS Answer"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "answer_date desc, id desc"
    _check_company_auto = True
    # a team lead or the head follows a detractor up on an answer they may only read
    _mail_post_access = "read"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        domain="[('parent_id', '=', False)]",
        help="The client company or private client (a contact's answer counts for their company).",
    )
    contact_id = fields.Many2one("res.partner", string="Answered By", help="The person who gave the score.")
    lead_id = fields.Many2one(
        "crm.lead",
        string="Deal",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        domain="[('partner_id', 'child_of', partner_id)]",
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", index=True, readonly=True, help="Responsible for the client when answering."
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, readonly=True)
    score = fields.Integer(required=True, aggregator="avg", tracking=True)
    category = fields.Selection(NPS_CATEGORIES, compute="_compute_category", store=True)
    nps_points = fields.Float(
        string="NPS",
        compute="_compute_category",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="+100 for a promoter, 0 for a passive, -100 for a detractor: averaged over answers, the NPS.",
    )
    comment = fields.Text()
    answer_date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    channel = fields.Selection(NPS_CHANNELS, required=True, default="phone")
    user_input_id = fields.Many2one(
        "survey.user_input",
        string="Survey Answer",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        groups="survey.group_survey_user",
    )

    _sql_constraints = [
        ("user_input_unique", "UNIQUE(user_input_id)", "An NPS invitation is answered once."),
    ]

    @api.depends("score")
    def _compute_category(self):
        for answer in self:
            answer.category = nps_category(answer.score)
            answer.nps_points = NPS_POINTS[answer.category]

    @api.depends("partner_id", "score")
    def _compute_display_name(self):
        for answer in self:
            answer.display_name = f"{answer.partner_id.display_name or ''}: {answer.score}/10"

    @api.constrains("score")
    def _check_score(self):
        for answer in self:
            if not 0 <= answer.score <= 10:
                raise ValidationError(self._score_refusal(answer.score))

    @api.constrains("partner_id", "company_id", "lead_id")
    def _check_client(self):
        for answer in self:
            client_company = answer.partner_id.sudo().company_id
            if client_company and client_company != answer.company_id:
                raise ValidationError(
                    self.env._(
                        "%(client)s is a client of %(other)s, not of %(company)s: its NPS answer belongs there.",
                        client=answer.partner_id.display_name,
                        other=client_company.name,
                        company=answer.company_id.name,
                    )
                )
            if answer.lead_id and answer.lead_id.sudo().partner_id.commercial_partner_id != answer.partner_id:
                raise ValidationError(
                    self.env._(
                        "The deal %(deal)s is not a deal of %(client)s.",
                        deal=answer.lead_id.display_name,
                        client=answer.partner_id.display_name,
                    )
                )

    def _discipline_check_invitations_unanswered(self, vals_list):
        """An invitation is answered once: said in words before the insert (the unique index, which the insert
        would hit first, guards concurrent answers)."""
        ids = [vals["user_input_id"] for vals in vals_list if vals.get("user_input_id")]
        if not ids:
            return
        answered = self.sudo().search([("user_input_id", "in", ids)]).user_input_id
        repeated = {invitation_id for invitation_id in ids if ids.count(invitation_id) > 1}
        if answered or repeated:
            invitation = answered[:1] or self.env["survey.user_input"].sudo().browse(min(repeated))
            raise ValidationError(
                self.env._(
                    "The NPS invitation of %(client)s has already been answered.",
                    client=invitation.partner_id.display_name or invitation.email,
                )
            )

    def _score_refusal(self, score):
        return self.env._("An NPS score is a whole number from 0 to 10, not %(score)s.", score=score)

    @api.model_create_multi
    def create(self, vals_list):
        """The score is checked before the ORM rounds it; the client is the contact's company; the salesperson
        and team are those of the deal, else of the client, at this moment; a detractor is followed up."""
        for vals in vals_list:
            self._discipline_check_score_value(vals)
            self._discipline_complete_vals(vals)
        self._discipline_check_invitations_unanswered(vals_list)
        answers = super().create(vals_list)
        answers.filtered(lambda answer: answer.category == "detractor")._discipline_plan_follow_up()
        return answers

    def write(self, vals):
        """A corrected score is checked like a new one, before the ORM rounds it."""
        self._discipline_check_score_value(vals)
        return super().write(vals)

    def _discipline_check_score_value(self, vals):
        score = vals.get("score")
        if "score" in vals and (isinstance(score, bool) or not isinstance(score, int)):
            raise ValidationError(self._score_refusal(score))

    def _discipline_complete_vals(self, vals):
        """Fill the client, the company, the salesperson and the team the answer is linked to."""
        partner = self.env["res.partner"].browse(vals.get("partner_id")).sudo()
        if partner.parent_id:
            vals.setdefault("contact_id", partner.id)
            vals["partner_id"] = partner.commercial_partner_id.id
            partner = partner.commercial_partner_id
        lead = self.env["crm.lead"].browse(vals.get("lead_id")).sudo()
        if "company_id" not in vals:
            vals["company_id"] = (lead.company_id or partner.company_id or self.env.company).id
        user = lead.user_id or partner.user_id
        vals.setdefault("user_id", user.id)
        vals.setdefault("team_id", (lead.team_id or user.sale_team_id).id)

    def _discipline_plan_follow_up(self):
        """NP-3: a follow-up step for the team lead (the head of sales where the team has none), due after the
        company's follow-up delay, with the score and the comment."""
        activity_type = self.env.ref("sales_discipline.mail_activity_type_nps_detractor")
        model = self.env["ir.model"]._get_id(self._name)
        today = fields.Date.context_today(self)
        vals_list = []
        for answer in self.sudo():
            owner = answer.team_id.user_id or answer.company_id.discipline_head_of_sales_id or answer.user_id
            note = escape(self.env._("Score %(score)s/10.", score=answer.score))
            if answer.comment:
                note += Markup("<br/>") + escape(answer.comment)
            vals_list.append(
                {
                    "res_model_id": model,
                    "res_id": answer.id,
                    "activity_type_id": activity_type.id,
                    "user_id": (owner or self.env.user).id,
                    "summary": self.env._(
                        "Detractor: %(client)s scored %(score)s", client=answer.partner_id.name, score=answer.score
                    ),
                    "note": note,
                    "date_deadline": fields.Date.add(today, days=answer.company_id.discipline_nps_follow_up_days),
                }
            )
        # the follow-up is the company's, whoever recorded the answer (a client through the survey pages)
        self.env["mail.activity"].sudo().create(vals_list)
