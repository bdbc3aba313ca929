from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.sales_discipline_scorecard import SCORECARD_PERIODS


class SalesDisciplineRanking(models.Model):
    """SC-2, SE-3: the discipline score ranking of each sales team, with names and scores only.

    Every salesperson reads their team's ranking, so that results are visible to everyone every day; the amounts of
    their colleagues' scorecards stay out of it (a salesperson reads only their own scorecard). The rows are the
    salespeople's scorecards, ranked within their team and period when the cards are refreshed."""

    _name = "sales.discipline.ranking"
    _description = "Discipline Score Ranking"
    _auto = False
    _order = "date_from desc, period_type, team_id, team_rank, id"
    _rec_name = "user_id"

    period_type = fields.Selection(SCORECARD_PERIODS, string="Period", readonly=True)
    date_from = fields.Date(string="From", readonly=True)
    date_to = fields.Date(string="To", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    discipline_score = fields.Float(readonly=True, aggregator="avg", digits=(16, 1))
    team_rank = fields.Integer(string="Rank", readonly=True, aggregator="min")
    team_size = fields.Integer(readonly=True, aggregator="max")
    is_best = fields.Boolean(string="Best in Team", readonly=True)
    is_worst = fields.Boolean(string="Worst in Team", readonly=True)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """Cards refreshed earlier in the same transaction are written before the view reads them."""
        self.env["sales.discipline.scorecard"].flush_model()
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %s AS (
                SELECT card.id, card.period_type, card.date_from, card.date_to, card.user_id, card.team_id,
                       card.company_id, card.discipline_score, card.team_rank, card.team_size, card.is_best,
                       card.is_worst
                  FROM sales_discipline_scorecard card
                 WHERE card.scope = 'salesperson'
                )""",
                SQL.identifier(self._table),
            )
        )
