from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

# (name, table, definition): what the stand-up counts per salesperson, found by owner then date instead of visiting
# every open step and every open deal of the owner
STANDUP_INDEXES = (
    (
        "mail_activity_discipline_planned_idx",
        "mail_activity",
        SQL("(user_id, date_deadline) WHERE active AND res_model = 'crm.lead'"),
    ),
    (
        "crm_lead_discipline_closing_idx",
        "crm_lead",
        SQL("(user_id, date_deadline) INCLUDE (stage_id) WHERE active AND type = 'opportunity'"),
    ),
)


class SalesDisciplineStandup(models.Model):
    """SC-3: the morning stand-up of each sales team, one row per member: the fact since the previous working day
    (steps done, deals moved to a next stage, deals won) and today's plan (steps due today, steps overdue, deals
    expected to close today and this week).

    Counts only, no amounts, so that the whole team reads the whole team's rows (SE-3 hides colleagues' amounts).
    The days are the reader's: the query is built for each read from the user's time zone (``_table_query``); on a
    Monday the fact covers Friday to Sunday. One probe per member and figure, each served by an index on (owner,
    date): the cost follows the number of members shown, never the number of deals or steps."""

    _name = "sales.discipline.standup"
    _description = "Daily Stand-up"
    _auto = False
    _order = "team_id, steps_done desc, user_id"
    _rec_name = "user_id"

    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    fact_since = fields.Date(readonly=True, aggregator=False)
    steps_done = fields.Integer(readonly=True, aggregator="sum")
    deals_moved = fields.Integer(readonly=True, aggregator="sum")
    deals_won = fields.Integer(readonly=True, aggregator="sum")
    steps_today = fields.Integer(readonly=True, aggregator="sum")
    steps_overdue = fields.Integer(readonly=True, aggregator="sum")
    closing_today = fields.Integer(readonly=True, aggregator="sum")
    closing_this_week = fields.Integer(readonly=True, aggregator="sum")

    def init(self):
        """The indexes of STANDUP_INDEXES (not a field's index: the uninstall hook drops them)."""
        result = super().init()
        for name, table, definition in STANDUP_INDEXES:
            self.env.cr.execute(
                SQL("CREATE INDEX IF NOT EXISTS %s ON %s %s", SQL.identifier(name), SQL.identifier(table), definition)
            )
        return result

    @api.model
    def _discipline_days(self):
        """(first day of the fact, today, last day of the week, UTC start of the fact, UTC start of today) in the
        reader's time zone; the fact starts on the previous working day (Monday to Friday)."""
        today = fields.Date.context_today(self)
        since = today - timedelta(days=1)
        while since.weekday() >= 5:
            since -= timedelta(days=1)
        week_end = today + timedelta(days=6 - today.weekday())
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

        def utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

        return since, today, week_end, utc(since), utc(today)

    @property
    def _table_query(self):
        since, today, week_end, since_utc, today_utc = self._discipline_days()
        return SQL(
            """
            SELECT member.id, member.crm_team_id AS team_id, member.user_id,
                   COALESCE(team.company_id, salesperson.company_id) AS company_id,
                   %(since)s::date AS fact_since,
                   done.count AS steps_done, moved.count AS deals_moved, won.count AS deals_won,
                   planned.today AS steps_today, planned.overdue AS steps_overdue,
                   closing.today AS closing_today, closing.week AS closing_this_week
              FROM crm_team_member member
              JOIN crm_team team ON team.id = member.crm_team_id AND team.active
              JOIN res_users salesperson ON salesperson.id = member.user_id
              CROSS JOIN LATERAL (
                    SELECT COUNT(*) AS count FROM mail_activity step
                     WHERE step.user_id = member.user_id AND step.date_done >= %(since)s AND step.date_done < %(today)s
                       AND NOT step.active
              ) done
              CROSS JOIN LATERAL (
                    SELECT COUNT(*) AS count FROM crm_lead_stage_history move
                     WHERE move.user_id = member.user_id AND move.next_stage_id IS NOT NULL
                       AND move.date_out >= %(since_utc)s AND move.date_out < %(today_utc)s
              ) moved
              CROSS JOIN LATERAL (
                    SELECT COUNT(*) AS count FROM crm_lead deal JOIN crm_stage stage ON stage.id = deal.stage_id
                     WHERE deal.user_id = member.user_id AND deal.date_closed >= %(since_utc)s
                       AND deal.date_closed < %(today_utc)s AND deal.active AND deal.type = 'opportunity'
                       AND stage.is_won
              ) won
              CROSS JOIN LATERAL (
                    SELECT COUNT(*) FILTER (WHERE step.date_deadline = %(today)s) AS today,
                           COUNT(*) FILTER (WHERE step.date_deadline < %(today)s) AS overdue
                      FROM mail_activity step
                     WHERE step.user_id = member.user_id AND step.date_deadline <= %(today)s AND step.active
                       AND step.res_model = 'crm.lead'
              ) planned
              CROSS JOIN LATERAL (
                    SELECT COUNT(*) FILTER (WHERE deal.date_deadline = %(today)s) AS today, COUNT(*) AS week
                      FROM crm_lead deal JOIN crm_stage stage ON stage.id = deal.stage_id
                     WHERE deal.user_id = member.user_id AND deal.date_deadline >= %(today)s
                       AND deal.date_deadline <= %(week_end)s AND deal.active AND deal.type = 'opportunity'
                       AND stage.is_won IS NOT TRUE
              ) closing
             WHERE member.active
            """,
            since=since,
            today=today,
            week_end=week_end,
            since_utc=since_utc,
            today_utc=today_utc,
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """Steps, deals and moves written earlier in the same transaction are counted."""
        self.env["mail.activity"].flush_model(["user_id", "date_done", "date_deadline", "active", "res_model"])
        self.env["crm.lead"].flush_model(["user_id", "date_closed", "date_deadline", "active", "type", "stage_id"])
        self.env["crm.lead.stage.history"].flush_model(["user_id", "next_stage_id", "date_out"])
        self.env["crm.team.member"].flush_model(["crm_team_id", "user_id", "active"])
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)
