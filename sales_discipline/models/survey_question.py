from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SurveyQuestion(models.Model):
    """NP-1: a question can be marked as the NPS question ("How likely are you to recommend us?", 0 to 10), so that
    a company builds its own NPS surveys with Odoo's survey editor; its answers become NPS answers."""

    _inherit = "survey.question"

    is_nps = fields.Boolean(
        string="NPS Question",
        help="The 0 to 10 'would you recommend us' question: each answer to it is recorded as an NPS answer of the "
        "client (promoters 9-10, passives 7-8, detractors 0-6).",
    )

    @api.constrains("is_nps", "question_type", "scale_min", "scale_max")
    def _check_nps_scale(self):
        """An NPS answer is an integer from 0 to 10: only a 0 to 10 scale question collects that."""
        for question in self.filtered("is_nps"):
            if question.question_type != "scale" or (question.scale_min, question.scale_max) != (0, 10):
                raise ValidationError(
                    self.env._("The NPS question %(question)s must be a scale from 0 to 10.", question=question.title)
                )
