from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..models.crm_lead_rules import DEAL_TYPES


class SalesDisciplineStageFunnel(models.Model):
    """AN-1: the sales funnel from the stage history, not from today's snapshot: one row per stay of a deal in a
    stage, with what happened next as figures that add up or average over any grouping. Per stage: the deals that
    entered it, moved on from it, were won from it or lost in it; the conversion to the next stage and to won (the
    average of 100 for a stay that did, 0 for one that did not); the win rate of the closed deals (won / all
    closed); the days in the stage; of the deals that entered it, their average value and, for those closed, the
    length of their whole funnel (read on the first stage: the funnel's length and value). Sliced by pipeline,
    salesperson, deal type, source and channel, the client's segment, country and state. A deal's stays are read
    as the stage history is (security/sales_discipline_results_rules.xml)."""

    _name = "sales.discipline.stage.funnel"
    _description = "Sales Funnel from the Stage History"
    _auto = False
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    team_id = fields.Many2one("crm.team", string="Pipeline", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date_in = fields.Datetime(string="Entered", readonly=True)
    deal_type = fields.Selection(DEAL_TYPES, readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", string="Channel", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", string="Segment (Industry)", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    state_id = fields.Many2one("res.country.state", readonly=True)
    entered = fields.Integer(string="Entered the Stage", readonly=True)
    moved_on = fields.Integer(
        readonly=True,
        help="Left the stage for another stage, not a won one (see Won from the Stage).",
    )
    won_from = fields.Integer(string="Won from the Stage", readonly=True)
    lost_in = fields.Integer(string="Lost in the Stage", readonly=True)
    next_conversion = fields.Float(
        string="Conversion to the Next Stage (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Of the deals that entered the stage, the share that moved on (stays still open count as not yet).",
    )
    won_conversion = fields.Float(
        string="Conversion to Won (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Of the deals that entered the stage, the share won in the end.",
    )
    win_rate = fields.Float(
        string="Won of Closed (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Of the closed deals that went through the stage, the share won: won / (won + lost).",
    )
    days_in_stage = fields.Float(
        string="Days in Stage",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="The stays that ended only.",
    )
    funnel_days = fields.Float(
        string="Funnel Length (Days)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="From the deal's start to its closing, for the closed deals that entered the stage.",
    )
    deal_value = fields.Float(
        string="Average Deal Value",
        readonly=True,
        aggregator="avg",
        digits=(16, 2),
        help="The expected revenue of the deals that entered the stage.",
    )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """Moves and closings earlier in the same transaction are written before the view reads them."""
        self.env["crm.lead.stage.history"].flush_model()
        self.env["crm.lead"].flush_model(["active", "probability", "stage_id", "date_closed", "cycle_days"])
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %s AS (
                SELECT stay.id, stay.lead_id, stay.stage_id, stay.team_id, stay.user_id, stay.company_id,
                       stay.date_in, lead.deal_type, lead.source_id, lead.medium_id, client.industry_id,
                       lead.country_id, lead.state_id,
                       1 AS entered,
                       CASE WHEN stay.next_stage_id IS NOT NULL AND next_stage.is_won IS NOT TRUE THEN 1 ELSE 0 END
                           AS moved_on,
                       CASE WHEN next_stage.is_won THEN 1 ELSE 0 END AS won_from,
                       CASE WHEN stay.date_out IS NULL AND NOT lead.active AND lead.probability = 0 THEN 1 ELSE 0 END
                           AS lost_in,
                       CASE WHEN stay.next_stage_id IS NOT NULL THEN 100.0 ELSE 0.0 END AS next_conversion,
                       CASE WHEN current_stage.is_won THEN 100.0 ELSE 0.0 END AS won_conversion,
                       CASE WHEN current_stage.is_won THEN 100.0
                            WHEN NOT lead.active AND lead.probability = 0 THEN 0.0 END AS win_rate,
                       CASE WHEN stay.date_out IS NOT NULL THEN stay.duration_days END AS days_in_stage,
                       CASE WHEN lead.date_closed IS NOT NULL THEN lead.cycle_days END AS funnel_days,
                       lead.expected_revenue AS deal_value
                  FROM crm_lead_stage_history stay
                  JOIN crm_lead lead ON lead.id = stay.lead_id
                  LEFT JOIN crm_stage next_stage ON next_stage.id = stay.next_stage_id
                  LEFT JOIN crm_stage current_stage ON current_stage.id = lead.stage_id
                  LEFT JOIN res_partner contact ON contact.id = lead.partner_id
                  LEFT JOIN res_partner client ON client.id = contact.commercial_partner_id
                )""",
                SQL.identifier(self._table),
            )
        )
