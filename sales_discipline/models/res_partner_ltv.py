from odoo import api, fields, models
from odoo.tools import SQL

LTV_FIELDS = frozenset(
    {
        "discipline_purchase_company_id",
        "discipline_purchase_count",
        "discipline_average_purchase",
        "discipline_purchase_frequency",
        "discipline_lifetime_months",
        "discipline_ltv",
    }
)

# Every purchase of every client (res_partner_abc_xyz.WON_DEALS_SQL: a won deal, a month of imported turnover, a
# confirmed order where Sales is installed), per client: their number, the
# average, the months spanned from the first to the last, the company where the client bought most; per company
# the average of those spans (the lifetime t of seed 001 #9), written on the company in the same statement; per
# client LTV = S x C x P x t. Only the cards whose figures change are written.
LTV_SQL = """
WITH purchases AS (%(purchases)s),
per_company AS (
    SELECT client_id, company_id, SUM(amount) AS revenue FROM purchases GROUP BY client_id, company_id
),
main_company AS (
    SELECT DISTINCT ON (client_id) client_id, company_id FROM per_company ORDER BY client_id, revenue DESC, company_id
),
per_client AS (
    SELECT purchases.client_id, main_company.company_id, COUNT(*) AS purchases, SUM(amount) AS revenue,
           (EXTRACT(YEAR FROM age(MAX(month), MIN(month))) * 12 + EXTRACT(MONTH FROM age(MAX(month), MIN(month))) + 1)
               ::numeric AS lifetime
      FROM (SELECT client_id, date_trunc('month', day)::date AS month, amount FROM purchases) AS purchases
      JOIN main_company ON main_company.client_id = purchases.client_id
     GROUP BY purchases.client_id, main_company.company_id
    HAVING SUM(amount) > 0
),
lifetimes AS (
    SELECT company_id, AVG(lifetime) AS lifetime FROM per_client GROUP BY company_id
),
companies AS (
    UPDATE res_company company
       SET discipline_ltv_lifetime_months = ROUND(lifetimes.lifetime, 1)
      FROM lifetimes
     WHERE lifetimes.company_id = company.id
 RETURNING company.id
),
target AS (
    SELECT partner.id, per_client.company_id, per_client.purchases,
           ROUND(per_client.revenue / per_client.purchases, 2) AS average,
           ROUND(per_client.purchases / per_client.lifetime, 3) AS frequency,
           per_client.lifetime,
           ROUND(per_client.revenue / per_client.lifetime * company.discipline_ltv_margin / 100 * lifetimes.lifetime, 2)
               AS ltv
      FROM res_partner partner
      LEFT JOIN per_client ON per_client.client_id = partner.id
      LEFT JOIN lifetimes ON lifetimes.company_id = per_client.company_id
      LEFT JOIN res_company company ON company.id = per_client.company_id
     WHERE per_client.client_id IS NOT NULL OR partner.discipline_purchase_count IS NOT NULL
)
UPDATE res_partner partner
   SET discipline_purchase_company_id = target.company_id,
       discipline_purchase_count = target.purchases,
       discipline_average_purchase = target.average,
       discipline_purchase_frequency = target.frequency,
       discipline_lifetime_months = target.lifetime,
       discipline_ltv = target.ltv
  FROM target
 WHERE partner.id = target.id
   AND (partner.discipline_purchase_company_id IS DISTINCT FROM target.company_id
        OR partner.discipline_purchase_count IS DISTINCT FROM target.purchases
        OR partner.discipline_average_purchase IS DISTINCT FROM target.average
        OR partner.discipline_purchase_frequency IS DISTINCT FROM target.frequency
        OR partner.discipline_lifetime_months IS DISTINCT FROM target.lifetime
        OR partner.discipline_ltv IS DISTINCT FROM target.ltv)
"""


class ResPartner(models.Model):
    """AN-3: a client's lifetime value, LTV = S x C x P x t (seed 001 #9): S the average purchase, C the purchases
    per month over the months the client has bought in, P the company's margin, t the average of those months over
    the company's clients. A purchase is a won deal or a month of imported turnover, over the client's whole
    history. Stored on the commercial card beside the ABC-XYZ classes, recomputed with them, in one statement;
    never typed. The number of purchases feeds the repeat-purchase funnel (sales.discipline.repeat.report)."""

    # one file per capability of res.partner (house style), merged by the registry
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    discipline_purchase_company_id = fields.Many2one(
        "res.company",
        string="Buys From",
        readonly=True,
        copy=False,
        help="The company of ours the client buys from (the one it bought most from, for a card shared by several).",
    )
    discipline_purchase_count = fields.Integer(
        string="Purchases", readonly=True, copy=False, aggregator="avg", help="Won deals and months of turnover."
    )
    discipline_average_purchase = fields.Float(
        string="Average Purchase (S)", readonly=True, copy=False, digits=(16, 2), aggregator="avg"
    )
    discipline_purchase_frequency = fields.Float(
        string="Purchases per Month (C)",
        readonly=True,
        copy=False,
        digits=(16, 3),
        aggregator="avg",
        help="The client's purchases over the months from their first to their last purchase.",
    )
    discipline_lifetime_months = fields.Float(
        string="Months as a Client",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        help="From the month of the first purchase to that of the last, both counted.",
    )
    discipline_ltv = fields.Float(
        string="Lifetime Value (LTV)",
        readonly=True,
        copy=False,
        digits=(16, 2),
        aggregator="avg",
        help="S x C x P x t: the average purchase, the purchases per month, the company's margin (P) and the"
        " average months its clients stay (t), both in the company's discipline policies.",
    )

    @api.model
    def _discipline_purchase_fields(self):
        """The lifetime value's figures are computed, never typed, like the classes."""
        return super()._discipline_purchase_fields() | LTV_FIELDS

    @api.model
    def _discipline_recompute_abc_xyz(self):
        """The lifetime values are recomputed with the classes, from the same purchases, in one more statement."""
        changed = super()._discipline_recompute_abc_xyz()
        self.env["res.company"].flush_model(["discipline_ltv_margin"])
        self.flush_model(["commercial_partner_id", *LTV_FIELDS])
        self.env.cr.execute(SQL(LTV_SQL, purchases=self._discipline_purchases_sql()))
        self.invalidate_model(list(LTV_FIELDS))
        self.env["res.company"].invalidate_model(["discipline_ltv_lifetime_months"])
        return changed
