from odoo import fields, models

COMMENT_TYPES = ("text_box", "char_box")


class SurveyUserInput(models.Model):
    """NP-1: an NPS invitation is a survey answer sent to a client's contact; when the client completes it, their
    score becomes an NPS answer (sales.discipline.nps.answer) linked to the client, the deal, and the salesperson
    and team of that moment."""

    # one file per capability of survey.user_input (house style), merged by the registry
    _inherit = "survey.user_input"  # pylint: disable=consider-merging-classes-inherited

    nps_invitation = fields.Boolean(
        string="NPS Invitation", readonly=True, index="btree_not_null", help="Sent by the NPS invitations."
    )
    nps_invitation_date = fields.Datetime(string="NPS Invitation Sent", readonly=True)
    nps_answer_ids = fields.One2many("sales.discipline.nps.answer", "user_input_id", string="NPS Answers")

    def _mark_done(self):
        """A completed survey with an NPS question records the client's NPS answer (once per survey answer)."""
        result = super()._mark_done()
        self._discipline_record_nps_answers()
        return result

    def _discipline_record_nps_answers(self):
        vals_list = []
        for user_input in self.filtered(lambda answer: not answer.test_entry and not answer.nps_answer_ids):
            lines = user_input.user_input_line_ids
            score_line = lines.filtered(lambda line: line.question_id.is_nps and not line.skipped)[:1]
            client = user_input.client_partner_id or user_input.partner_id.commercial_partner_id
            if not score_line or not client:
                continue
            comments = lines.filtered(lambda line: line.answer_type in COMMENT_TYPES and not line.skipped)
            vals_list.append(
                {
                    "user_input_id": user_input.id,
                    "partner_id": client.id,
                    "contact_id": user_input.partner_id.id,
                    "lead_id": user_input.crm_lead_id.id,
                    "company_id": (user_input.crm_lead_id.company_id or client.company_id or self.env.company).id,
                    "score": score_line.value_scale,
                    "comment": "\n".join(line[f"value_{line.answer_type}"] for line in comments),
                    "channel": "survey",
                }
            )
        if vals_list:
            # the client answers through the survey's public pages: the answer is recorded for them
            self.env["sales.discipline.nps.answer"].sudo().create(vals_list)
