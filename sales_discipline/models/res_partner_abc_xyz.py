from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

ABC_XYZ_FIELDS = frozenset(
    {
        "discipline_abc_class",
        "discipline_xyz_class",
        "discipline_abc_revenue",
        "discipline_xyz_variation",
        "discipline_abc_months_bought",
    }
)

# A client's purchases, one row each (company, commercial client, day, amount in the company's currency): the won
# deals, the months of imported turnover, and where Sales is installed the confirmed orders (a won deal with a
# confirmed order is counted through its order, not twice).
WON_DEALS_SQL = """
SELECT lead.company_id, partner.commercial_partner_id AS client_id, lead.date_closed::date AS day,
       lead.expected_revenue AS amount
  FROM crm_lead lead
  JOIN crm_stage stage ON stage.id = lead.stage_id AND stage.is_won
  JOIN res_partner partner ON partner.id = lead.partner_id
 WHERE lead.active AND lead.date_closed IS NOT NULL AND lead.company_id IS NOT NULL %(without_orders)s
"""
DEALS_WITHOUT_ORDERS_SQL = """
   AND NOT EXISTS (SELECT 1 FROM sale_order sale WHERE sale.opportunity_id = lead.id AND sale.state = 'sale')
"""
TURNOVER_SQL = "SELECT company_id, partner_id, month, amount FROM sales_discipline_client_turnover"
SALE_ORDERS_SQL = """
SELECT sale.company_id, partner.commercial_partner_id, sale.date_order::date,
       sale.amount_untaxed / COALESCE(NULLIF(sale.currency_rate, 0), 1)
  FROM sale_order sale
  JOIN res_partner partner ON partner.id = sale.partner_id
 WHERE sale.state = 'sale'
"""

# Everything in one statement: the purchases of the window per client and month, the
# client's revenue and the sum of the squares of its monthly amounts (the months without a purchase count as 0, so
# that the variation measures regularity), a shared card ranked in the company where it bought the most, the
# running share of revenue per company, and only the cards whose figures change written.
RECOMPUTE_SQL = """
WITH policy AS (
    SELECT id AS company_id,
           discipline_abc_months AS months,
           (date_trunc('month', %(today)s::date) - make_interval(months => discipline_abc_months))::date AS start,
           date_trunc('month', %(today)s::date)::date AS stop,
           discipline_abc_share_a AS share_a,
           discipline_abc_share_b AS share_b,
           discipline_xyz_limit_x AS limit_x,
           discipline_xyz_limit_y AS limit_y
      FROM res_company
),
purchases AS (%(purchases)s),
monthly AS (
    SELECT purchases.company_id, purchases.client_id, date_trunc('month', purchases.day)::date AS month,
           SUM(purchases.amount) AS amount
      FROM purchases
      JOIN policy ON policy.company_id = purchases.company_id
     WHERE purchases.day >= policy.start AND purchases.day < policy.stop
     GROUP BY purchases.company_id, purchases.client_id, date_trunc('month', purchases.day)
),
per_company AS (
    SELECT monthly.company_id, monthly.client_id, SUM(monthly.amount) AS revenue,
           SUM(monthly.amount * monthly.amount) AS squares, COUNT(*) AS months_bought
      FROM monthly
      JOIN res_partner client ON client.id = monthly.client_id
     WHERE client.company_id IS NULL OR client.company_id = monthly.company_id
     GROUP BY monthly.company_id, monthly.client_id
    HAVING SUM(monthly.amount) > 0
),
chosen AS (
    SELECT DISTINCT ON (client_id) *
      FROM per_company
     ORDER BY client_id, revenue DESC, company_id
),
ranked AS (
    SELECT chosen.*, policy.months, policy.share_a, policy.share_b, policy.limit_x, policy.limit_y,
           COALESCE(SUM(revenue) OVER (PARTITION BY chosen.company_id ORDER BY revenue DESC, client_id
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
           SUM(revenue) OVER (PARTITION BY chosen.company_id) AS total
      FROM chosen
      JOIN policy ON policy.company_id = chosen.company_id
),
classes AS (
    SELECT client_id, revenue, months_bought,
           CASE WHEN before < total * share_a / 100.0 THEN 'a'
                WHEN before < total * (share_a + share_b) / 100.0 THEN 'b'
                ELSE 'c' END AS abc,
           ROUND((100 * SQRT(GREATEST(squares / months - (revenue / months) ^ 2, 0)) / (revenue / months))::numeric, 1)
               AS variation
      FROM ranked
),
target AS (
    SELECT partner.id,
           classes.abc,
           CASE WHEN classes.client_id IS NULL THEN NULL
                WHEN classes.variation <= policy.limit_x THEN 'x'
                WHEN classes.variation <= policy.limit_y THEN 'y'
                ELSE 'z' END AS xyz,
           classes.revenue, classes.variation, classes.months_bought
      FROM res_partner partner
      LEFT JOIN classes ON classes.client_id = partner.id
      LEFT JOIN ranked ON ranked.client_id = partner.id
      LEFT JOIN policy ON policy.company_id = ranked.company_id
     WHERE classes.client_id IS NOT NULL OR partner.discipline_abc_class IS NOT NULL
)
UPDATE res_partner partner
   SET discipline_abc_class = target.abc,
       discipline_xyz_class = target.xyz,
       discipline_abc_revenue = target.revenue,
       discipline_xyz_variation = target.variation,
       discipline_abc_months_bought = target.months_bought
  FROM target
 WHERE partner.id = target.id
   AND (partner.discipline_abc_class IS DISTINCT FROM target.abc
        OR partner.discipline_xyz_class IS DISTINCT FROM target.xyz
        OR partner.discipline_abc_revenue IS DISTINCT FROM target.revenue
        OR partner.discipline_xyz_variation IS DISTINCT FROM target.variation
        OR partner.discipline_abc_months_bought IS DISTINCT FROM target.months_bought)
"""


class ResPartner(models.Model):
    """AN-2: the ABC-XYZ class of a client: ABC by its share of the company's revenue over the policy's window of
    months, XYZ by the coefficient of variation of its monthly purchases. The revenue is the won deals' and the
    turnover imported per client and month (`sales.discipline.client.turnover`, e.g. from an accounting system).
    Stored on the commercial partner, recomputed for every company in one statement by a daily cron and on demand;
    never typed."""

    # one file per capability of res.partner (house style), merged by the registry
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    discipline_abc_class = fields.Selection(
        [("a", "A"), ("b", "B"), ("c", "C")],
        string="ABC Class",
        readonly=True,
        copy=False,
        index=True,
        help="A: the biggest clients, who together bring the policy's first share of revenue; B: the next share;"
        " C: the rest. Empty: no purchase in the window.",
    )
    discipline_xyz_class = fields.Selection(
        [("x", "X"), ("y", "Y"), ("z", "Z")],
        string="XYZ Class",
        readonly=True,
        copy=False,
        help="X: buys regularly; Y: buys with swings; Z: buys unpredictably (by the variation of monthly purchases).",
    )
    discipline_abc_revenue = fields.Float(
        string="Revenue in the ABC Window", readonly=True, copy=False, digits=(16, 2), aggregator="sum"
    )
    discipline_xyz_variation = fields.Float(
        string="Variation of Monthly Purchases (%)",
        readonly=True,
        copy=False,
        digits=(16, 1),
        aggregator="avg",
        help="Standard deviation of the client's monthly purchases in the window over their mean, months without a"
        " purchase counted as 0.",
    )
    discipline_abc_months_bought = fields.Integer(
        string="Months With Purchases", readonly=True, copy=False, aggregator="avg"
    )

    @api.model
    def _discipline_purchase_fields(self):
        """The figures the nightly statements compute from a client's purchases; each capability adds its own."""
        return set(ABC_XYZ_FIELDS)

    def _discipline_check_not_typed(self, vals_list):
        """The figures are computed, never typed, on any path (form, RPC, import): only the recompute sets them,
        in SQL. Odoo's ``readonly`` only keeps them out of the forms."""
        if self.env.su:
            return
        typed = self._discipline_purchase_fields() & {name for vals in vals_list for name in vals}
        if typed:
            label = self._fields[sorted(typed)[0]]._description_string(self.env)
            raise AccessError(
                self.env._("“%(figure)s” of a client is computed from its purchases, not typed.", figure=label)
            )

    @api.model_create_multi
    def create(self, vals_list):
        """A card created or imported with a class or a lifetime value is refused (see _discipline_check_not_typed)."""
        self._discipline_check_not_typed(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        """See _discipline_check_not_typed."""
        self._discipline_check_not_typed([vals])
        return super().write(vals)

    @api.model
    def _discipline_recompute_abc_xyz(self):
        """Classify every company's clients in one statement; returns how many cards changed."""
        self.env["res.company"].flush_model()
        self.flush_model(["company_id", "commercial_partner_id", *ABC_XYZ_FIELDS])
        today = fields.Date.context_today(self)
        self.env.cr.execute(SQL(RECOMPUTE_SQL, today=today, purchases=self._discipline_purchases_sql()))
        changed = self.env.cr.rowcount
        self.invalidate_model(list(ABC_XYZ_FIELDS))
        # a technical stamp beside the figures, set in the same way as they are
        self.env.cr.execute(SQL("UPDATE res_company SET discipline_abc_computed_on = %s", today))
        self.env["res.company"].invalidate_model(["discipline_abc_computed_on"])
        return changed

    @api.model
    def _discipline_purchases_sql(self):
        """The purchases of every client, as one SELECT (see WON_DEALS_SQL), with what it reads written first.
        Sales is a soft dependency: its confirmed orders count where it is installed."""
        self.env["crm.lead"].flush_model(["company_id", "partner_id", "stage_id", "date_closed", "expected_revenue"])
        self.env["sales.discipline.client.turnover"].flush_model()
        sources = [SQL(TURNOVER_SQL)]
        without_orders = SQL()
        if "sale.order" in self.env:
            Order = self.env["sale.order"]
            Order.flush_model(["company_id", "partner_id", "date_order", "state", "amount_untaxed", "currency_rate"])
            sources.append(SQL(SALE_ORDERS_SQL))
            if "opportunity_id" in Order._fields:  # sale_crm
                Order.flush_model(["opportunity_id"])
                without_orders = SQL(DEALS_WITHOUT_ORDERS_SQL)
        sources.insert(0, SQL(WON_DEALS_SQL, without_orders=without_orders))
        return SQL(" UNION ALL ").join(sources)

    @api.model
    def _cron_discipline_recompute_abc_xyz(self):
        """Daily: classify the clients of every company."""
        self._discipline_recompute_abc_xyz()

    def action_discipline_recompute_abc_xyz(self):
        """On demand, for the head of sales: classify the clients now rather than at the next daily run."""
        user = self.env.user
        if not (
            user.has_group("sales_discipline.group_head_of_sales") or user.has_group("sales_team.group_sale_manager")
        ):
            raise AccessError(self.env._("Only the head of sales recomputes the ABC-XYZ classes."))
        changed = self.sudo()._discipline_recompute_abc_xyz()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("ABC-XYZ recomputed: %(count)s client cards changed.", count=changed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
