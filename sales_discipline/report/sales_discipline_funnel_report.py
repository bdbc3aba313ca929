from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.mail_activity_type import FUNNEL_KINDS, FUNNEL_ROLE

# Steps that count only with the client needs questionnaire filled in (RO-3, RO-4).
QUESTIONNAIRE_KINDS = ("conducted_meeting", "needs_questionnaire")


class SalesDisciplineFunnelReport(models.Model):
    """RO-5: per person and week, the funnel steps actually done against the weekly norms, for the hunters'
    active funnel (RO-3) and the farmers' proactive funnel (RO-4) alike.

    Counting rules (RO-3): a result call counts once per decision maker and day; a conducted meeting and a
    needs questionnaire count only with the questionnaire filled in (enforced when marked done, checked here).
    The role of each step comes from FUNNEL_ROLE, passed to SQL as values.
    """

    _name = "sales.discipline.funnel.report"
    _description = "Weekly Funnel Actuals vs Norms"
    _auto = False
    _order = "week desc, user_id, funnel_kind"
    _rec_name = "funnel_kind"

    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    week = fields.Date(readonly=True, help="Monday of the week.")
    funnel_kind = fields.Selection(FUNNEL_KINDS, string="Funnel Step", readonly=True)
    sales_role = fields.Selection([("hunter", "Hunter"), ("farmer", "Farmer")], readonly=True)
    actual = fields.Integer(readonly=True, aggregator="sum")
    norm = fields.Integer(readonly=True, aggregator="sum")
    completion = fields.Float(string="Completion (%)", readonly=True, aggregator="avg", digits=(16, 1))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %(table)s AS (
                WITH done AS (
                    SELECT act.user_id,
                           usr.company_id,
                           date_trunc('week', act.date_done)::date AS week,
                           typ.funnel_kind,
                           CASE WHEN typ.funnel_kind = 'result_call'
                                THEN 'c' || COALESCE(act.contact_id, 0) || '-' || act.date_done::text
                                ELSE 'a' || act.id END AS unit
                      FROM mail_activity act
                      JOIN mail_activity_type typ ON typ.id = act.activity_type_id
                      JOIN res_users usr ON usr.id = act.user_id
                     WHERE act.active IS NOT TRUE AND act.date_done IS NOT NULL AND typ.funnel_kind IS NOT NULL
                       AND (typ.funnel_kind NOT IN %(questionnaire_kinds)s OR act.questionnaire_filled)
                )
                SELECT row_number() OVER (ORDER BY done.week, done.user_id, done.funnel_kind) AS id,
                       done.user_id, done.company_id, done.week, done.funnel_kind,
                       CASE WHEN done.funnel_kind IN %(hunter_kinds)s THEN 'hunter' ELSE 'farmer' END AS sales_role,
                       COUNT(DISTINCT done.unit) AS actual,
                       COALESCE(MAX(norm.weekly_target), 0) AS norm,
                       CASE WHEN COALESCE(MAX(norm.weekly_target), 0) > 0
                            THEN 100.0 * COUNT(DISTINCT done.unit) / MAX(norm.weekly_target) ELSE 0 END AS completion
                  FROM done
                  LEFT JOIN sales_discipline_norm norm
                         ON norm.funnel_kind = done.funnel_kind AND norm.company_id = done.company_id
                 GROUP BY done.user_id, done.company_id, done.week, done.funnel_kind
            )""",
                table=SQL.identifier(self._table),
                questionnaire_kinds=QUESTIONNAIRE_KINDS,
                hunter_kinds=tuple(kind for kind, role in FUNNEL_ROLE.items() if role == "hunter"),
            )
        )
