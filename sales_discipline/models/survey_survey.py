from odoo import api, fields, models


class SurveySurvey(models.Model):
    """NP-1: a survey with an NPS question is an NPS survey, which the company's settings can pick for the
    invitations sent after won deals and to active clients."""

    _inherit = "survey.survey"

    has_nps_question = fields.Boolean(
        string="NPS Survey", compute="_compute_has_nps_question", store=True, help="It has an NPS question."
    )

    @api.depends("question_and_page_ids.is_nps")
    def _compute_has_nps_question(self):
        for survey in self:
            survey.has_nps_question = any(survey.question_and_page_ids.mapped("is_nps"))
