from odoo import api, fields, models, tools
from odoo.tools import SQL

NPS_LEVELS = [("company", "Company"), ("team", "Sales Team"), ("salesperson", "Salesperson")]
NPS_PERIODS = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]
NPS_BANDS = [("low", "Low"), ("average", "Average"), ("good", "Good"), ("leader", "Market Leader")]


class SalesDisciplineNpsReport(models.Model):
    """NP-2: the NPS per company, team and salesperson, per month, quarter and year, with the answer counts and the
    band (the company's thresholds: low, average, good, market leader).

    One row per period, level and scope, computed by PostgreSQL's grouping sets over the answers: a team's row
    counts the answers linked to that team when they were given, a salesperson's those linked to them (within
    their team of the moment). NPS = % promoters (9-10) - % detractors (0-6)."""

    _name = "sales.discipline.nps.report"
    _description = "NPS Figures"
    _auto = False
    _order = "period_start desc, period_type, company_id, level, team_id, user_id"
    _rec_name = "period_start"

    period_type = fields.Selection(NPS_PERIODS, string="Period", readonly=True)
    period_start = fields.Date(readonly=True)
    level = fields.Selection(NPS_LEVELS, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    answer_count = fields.Integer(string="Answers", readonly=True, aggregator="sum")
    promoter_count = fields.Integer(string="Promoters", readonly=True, aggregator="sum")
    passive_count = fields.Integer(string="Passives", readonly=True, aggregator="sum")
    detractor_count = fields.Integer(string="Detractors", readonly=True, aggregator="sum")
    nps = fields.Float(string="NPS", readonly=True, aggregator=None, digits=(16, 1))
    band = fields.Selection(NPS_BANDS, readonly=True)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """The view reads the answers' stored columns: answers created earlier in the same transaction (a phone
        answer entered, then the figures opened by a test or a script) and the bands are written first."""
        self.env["sales.discipline.nps.answer"].flush_model()
        self.env["res.company"].flush_model(
            ["discipline_nps_average_from", "discipline_nps_good_from", "discipline_nps_leader_from"]
        )
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %(table)s AS (
                WITH grouped AS (
                    SELECT period.period_type, period.period_start, answer.company_id,
                           CASE WHEN GROUPING(answer.team_id) = 1 THEN 'company'
                                WHEN GROUPING(answer.user_id) = 1 THEN 'team' ELSE 'salesperson' END AS level,
                           answer.team_id, answer.user_id,
                           COUNT(*) AS answer_count,
                           COUNT(*) FILTER (WHERE answer.category = 'promoter') AS promoter_count,
                           COUNT(*) FILTER (WHERE answer.category = 'passive') AS passive_count,
                           COUNT(*) FILTER (WHERE answer.category = 'detractor') AS detractor_count
                      FROM sales_discipline_nps_answer answer
                     CROSS JOIN LATERAL (VALUES
                           ('month', date_trunc('month', answer.answer_date)::date),
                           ('quarter', date_trunc('quarter', answer.answer_date)::date),
                           ('year', date_trunc('year', answer.answer_date)::date)
                     ) AS period (period_type, period_start)
                     GROUP BY period.period_type, period.period_start, answer.company_id,
                              GROUPING SETS ((), (answer.team_id), (answer.team_id, answer.user_id))
                )
                SELECT row_number() OVER (
                           ORDER BY grouped.period_type, grouped.period_start, grouped.company_id, grouped.level,
                                    grouped.team_id NULLS FIRST, grouped.user_id NULLS FIRST) AS id,
                       grouped.*,
                       scored.nps,
                       CASE WHEN scored.nps >= company.discipline_nps_leader_from THEN 'leader'
                            WHEN scored.nps >= company.discipline_nps_good_from THEN 'good'
                            WHEN scored.nps >= company.discipline_nps_average_from THEN 'average'
                            ELSE 'low' END AS band
                  FROM grouped
                  JOIN res_company company ON company.id = grouped.company_id
                 CROSS JOIN LATERAL (
                       SELECT ROUND(100.0 * (grouped.promoter_count - grouped.detractor_count)
                                    / grouped.answer_count, 1)::float AS nps
                 ) AS scored
            )""",
                table=SQL.identifier(self._table),
            )
        )
