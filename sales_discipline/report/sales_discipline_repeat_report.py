from odoo import api, fields, models, tools
from odoo.tools import SQL

# purchases counted one by one; from this number on, "n or more"
REPEAT_STEPS = 10


class SalesDisciplineRepeatReport(models.Model):
    """AN-3: the repeat-purchase funnel of seed 001 #9 ("grow buyers who come back for a second, a third purchase"):
    per company of ours (the one each client buys from), how many clients made at least a 1st, 2nd, 3rd ...
    purchase, and the share of those who made the previous one that made this one. Read from the purchase count
    the ABC-XYZ recompute stores on each client; counts only, read by everyone in the company."""

    _name = "sales.discipline.repeat.report"
    _description = "Repeat Purchases"
    _auto = False
    _order = "company_id, purchase_number"
    _rec_name = "purchase_number"

    company_id = fields.Many2one("res.company", readonly=True)
    purchase_number = fields.Integer(
        string="Purchase", readonly=True, aggregator=None, help="The n-th purchase (the 10th: 10 or more)."
    )
    client_count = fields.Integer(
        string="Clients", readonly=True, help="Clients who made at least this many purchases."
    )
    conversion = fields.Float(
        string="From the Previous Purchase (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Of the clients who made the previous purchase, the share who made this one.",
    )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """A recompute earlier in the same transaction is written before the view reads it."""
        self.env["res.partner"].flush_model(["discipline_purchase_count", "discipline_purchase_company_id"])
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %s AS (
                WITH reached AS (
                    SELECT partner.discipline_purchase_company_id AS company_id, step AS purchase_number,
                           COUNT(*) AS client_count
                      FROM res_partner partner
                     CROSS JOIN LATERAL generate_series(1, LEAST(partner.discipline_purchase_count, %s)) AS step
                     WHERE partner.discipline_purchase_count > 0
                     GROUP BY partner.discipline_purchase_company_id, step
                )
                SELECT ROW_NUMBER() OVER (ORDER BY company_id NULLS FIRST, purchase_number) AS id,
                       company_id, purchase_number, client_count,
                       ROUND(100.0 * client_count / NULLIF(LAG(client_count) OVER (
                           PARTITION BY company_id ORDER BY purchase_number), 0), 1) AS conversion
                  FROM reached
                )""",
                SQL.identifier(self._table),
                REPEAT_STEPS,
            )
        )
