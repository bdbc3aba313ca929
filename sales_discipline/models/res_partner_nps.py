from odoo import api, fields, models


class ResPartner(models.Model):
    """NP-1, NP-2: a client (or one of its contacts) can refuse NPS surveys; the client card shows the last score
    the client gave and opens its answers."""

    # one file per capability of res.partner (house style), merged by the registry
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    discipline_nps_opt_out = fields.Boolean(
        string="No NPS Surveys", help="Never send NPS survey invitations to this client or contact."
    )
    discipline_last_nps_score = fields.Integer(string="Last NPS Score", compute="_compute_discipline_last_nps")
    discipline_last_nps_date = fields.Datetime(string="Last NPS Answer", compute="_compute_discipline_last_nps")
    discipline_nps_answer_count = fields.Integer(string="NPS Answers", compute="_compute_discipline_last_nps")

    @api.depends_context("uid")
    def _compute_discipline_last_nps(self):
        """The latest answer of each card's client, in two queries for the cards read. The score is shown to
        whoever sees the card; the answers themselves (and their comments) follow their own access rules."""
        clients = self.commercial_partner_id
        groups = (
            self.env["sales.discipline.nps.answer"]
            .sudo()
            ._read_group([("partner_id", "in", clients.ids)], ["partner_id"], ["id:max", "__count"])
        )
        latest = self.env["sales.discipline.nps.answer"].sudo().browse([last_id for _client, last_id, _n in groups])
        by_client = {answer.partner_id.id: answer for answer in latest}
        counts = {client.id: count for client, _last_id, count in groups}
        for partner in self:
            answer = by_client.get(partner.commercial_partner_id.id)
            partner.discipline_last_nps_score = answer.score if answer else 0
            partner.discipline_last_nps_date = answer.answer_date if answer else False
            partner.discipline_nps_answer_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_discipline_view_nps_answers(self):
        """The client's NPS answers the user may read, and a new one entered for this client (NP-1)."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("sales_discipline.sales_discipline_nps_answer_action")
        client = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", client.id)]
        action["context"] = {"default_partner_id": client.id}
        return action
