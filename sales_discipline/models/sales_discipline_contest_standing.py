from odoo import fields, models

# the figures of a standing that only those who see the colleagues' amounts read (SE-3)
FACT_READERS = "sales_discipline.group_team_lead,sales_team.group_sale_salesman_all_leads"


class SalesDisciplineContestStanding(models.Model):
    """SC-2, SE-3: one participant's place in a contest. Everybody reads the rank and the share of the leader's
    result; the fact itself (an amount for a turnover contest) only the team leads and the head."""

    _name = "sales.discipline.contest.standing"
    _description = "Contest Standing"
    _order = "contest_id, rank, id"
    _rec_name = "user_id"

    contest_id = fields.Many2one("sales.discipline.contest", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="contest_id.company_id", store=True)
    team_id = fields.Many2one(related="contest_id.team_id", store=True)
    contest_state = fields.Selection(related="contest_id.state", string="Contest Status")
    user_id = fields.Many2one("res.users", string="Salesperson", required=True, ondelete="cascade", index=True)
    rank = fields.Integer(required=True, aggregator=False)
    share_of_leader = fields.Float(string="Of the Leader (%)", digits=(16, 1), aggregator=False)
    fact = fields.Float(groups=FACT_READERS, aggregator=False)
