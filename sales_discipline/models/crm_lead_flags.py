from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

FLAG_NO_NEXT_STEP = "no_next_step"
FLAG_OVERDUE = "overdue"
FLAG_STALE = "stale"
FLAGS = (FLAG_NO_NEXT_STEP, FLAG_OVERDUE, FLAG_STALE)
COUNTERS_INDEX = "crm_lead_discipline_counters_idx"


class DisciplineFlag(SQL):
    """A domain value standing for a discipline flag: crm.lead._condition_to_sql renders it on the deal row.

    It is an SQL object so that the domain machinery passes it through untouched; rendered by any other
    model it is an empty set.
    """

    def __init__(self, flag):
        super().__init__("SELECT NULL::int WHERE FALSE")
        self.flag = flag


class CrmLead(models.Model):
    """The discipline flags of a deal: without next step (NS-1), with an overdue step (NS-5), stale (DL-5).

    Each flag is one SQL condition on the deal row, correlated to its activities, so that a search is a single
    scan of crm_lead with an (anti-)semi-join on mail_activity, never a Python filter; the computed value is the
    same condition, so the form, the lists and the counters agree. The private ORM hook it needs
    (_condition_to_sql) lives here only."""

    # one file per capability of crm.lead (house style), merged by the registry
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    has_next_step = fields.Boolean(
        compute="_compute_discipline_flags",
        search="_search_has_next_step",
        help="Unticked only on an open deal (an active opportunity not won) with no planned activity: won and lost "
        "deals and leads need no next step.",
    )
    has_overdue_step = fields.Boolean(compute="_compute_discipline_flags", search="_search_has_overdue_step")
    is_stale = fields.Boolean(string="Stale", compute="_compute_discipline_flags", search="_search_is_stale")

    def init(self):
        """The team counters (crm.team._compute_discipline_counters) read every open deal of the teams that the
        user sees: at a real company's size (a salesperson's 30,000 deals among 1,000,000) visiting each deal's row
        costs more than the rest of the dashboard. This index holds every column that statement reads, for the
        deals it counts, so that PostgreSQL answers it from the index alone. Not a field's index: the uninstall
        hook drops it."""
        result = super().init()
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS %s ON crm_lead (user_id, team_id)
                   INCLUDE (id, stage_id, company_id, date_last_stage_update, last_touch_date, active, type)
                   WHERE active AND type = 'opportunity'""",
                SQL.identifier(COUNTERS_INDEX),
            )
        )
        return result

    @api.depends(
        "active",
        "type",
        "stage_id.is_won",
        "stage_id.max_days",
        "date_last_stage_update",
        "last_touch_date",
        "activity_ids.active",
        "activity_ids.date_deadline",
        "activity_ids.task_check_user_id",
    )
    def _compute_discipline_flags(self):
        """Each flag is the SQL condition its search uses (_discipline_flag_condition), evaluated on the saved deal:
        one definition for the form, the lists and the counters. A deal being edited shows its saved state. The
        three flags come from one query (a read of a page of deals sends one, whichever flags it shows)."""
        flags = self._discipline_flags_of([lead._origin.id for lead in self if lead._origin.id])
        for lead in self:
            without_step, overdue, stale = flags.get(lead._origin.id, (False, False, False))
            lead.has_next_step = not without_step
            lead.has_overdue_step = overdue
            lead.is_stale = stale

    def _search_has_next_step(self, operator, value):
        # the flag describes the deals *without* a next step: searching for those with one is its negation
        return self._discipline_search_domain(FLAG_NO_NEXT_STEP, operator, not value)

    def _search_has_overdue_step(self, operator, value):
        return self._discipline_search_domain(FLAG_OVERDUE, operator, value)

    def _search_is_stale(self, operator, value):
        return self._discipline_search_domain(FLAG_STALE, operator, value)

    def _discipline_flush(self):
        """The discipline conditions read deals, stages and activities in SQL: write pending changes first."""
        self.env["crm.lead"].flush_model(["active", "type", "stage_id", "date_last_stage_update", "last_touch_date"])
        self.env["crm.stage"].flush_model(["is_won", "max_days"])
        self.env["mail.activity"].flush_model(["res_model", "res_id", "active", "date_deadline", "task_check_user_id"])

    @api.model
    def _discipline_flag_condition(self, flag, alias, stage_alias):
        """The SQL condition that a deal (row ``alias`` of crm_lead, its stage joined as ``stage_alias``) has the
        flag; activities are reached by a correlated (NOT) EXISTS, which PostgreSQL plans as an (anti-)join."""
        lead, stage = SQL.identifier(alias), SQL.identifier(stage_alias)
        activities = SQL(
            # a colleague's result to check (TK-2) is the assigner's to-do, not the deal's next step
            """SELECT 1 FROM mail_activity act
                WHERE act.res_model = 'crm.lead' AND act.active AND act.res_id = %s.id
                  AND act.task_check_user_id IS NULL""",
            lead,
        )
        if flag == FLAG_NO_NEXT_STEP:
            return SQL(
                """(%(lead)s.active AND %(lead)s.type = 'opportunity' AND %(stage)s.is_won IS NOT TRUE
                    AND NOT EXISTS (%(activities)s))""",
                lead=lead,
                stage=stage,
                activities=activities,
            )
        if flag == FLAG_OVERDUE:
            return SQL(
                "(%(lead)s.active AND EXISTS (%(activities)s AND act.date_deadline < %(today)s))",
                lead=lead,
                activities=activities,
                today=fields.Date.context_today(self),
            )
        # Stale: in its stage longer than the stage allows, unless touched within that time *and* with a next
        # step due within it (so a far-future step does not hide a dead deal).
        now = fields.Datetime.now()
        return SQL(
            """(%(lead)s.active AND %(lead)s.type = 'opportunity' AND %(stage)s.is_won IS NOT TRUE
                AND %(stage)s.max_days > 0
                AND %(lead)s.date_last_stage_update < %(now)s - make_interval(days => %(stage)s.max_days)
                AND NOT EXISTS (
                    %(activities)s
                    AND act.date_deadline <= %(today)s + %(stage)s.max_days
                    AND %(lead)s.last_touch_date >= %(now)s - make_interval(days => %(stage)s.max_days)))""",
            lead=lead,
            stage=stage,
            activities=activities,
            now=now,
            today=now.date(),
        )

    @api.model
    def _discipline_flag_condition_on_first_step(self, flag, alias, stage_alias, first_deadline):
        """The same condition as _discipline_flag_condition, given the due date of the deal's first step (the
        earliest deadline of the activities that condition correlates, NULL without any) as ``first_deadline``.

        For counts over many deals in one statement (the team counters): the activities are looked up once per
        deal instead of three times. Searches keep the (anti-)join form."""
        lead, stage = SQL.identifier(alias), SQL.identifier(stage_alias)
        if flag == FLAG_NO_NEXT_STEP:
            return SQL(
                """(%(lead)s.active AND %(lead)s.type = 'opportunity' AND %(stage)s.is_won IS NOT TRUE
                    AND %(first)s IS NULL)""",
                lead=lead,
                stage=stage,
                first=first_deadline,
            )
        if flag == FLAG_OVERDUE:
            return SQL(
                "(%(lead)s.active AND COALESCE(%(first)s < %(today)s, FALSE))",
                lead=lead,
                first=first_deadline,
                today=fields.Date.context_today(self),
            )
        now = fields.Datetime.now()
        return SQL(
            """(%(lead)s.active AND %(lead)s.type = 'opportunity' AND %(stage)s.is_won IS NOT TRUE
                AND %(stage)s.max_days > 0
                AND %(lead)s.date_last_stage_update < %(now)s - make_interval(days => %(stage)s.max_days)
                AND NOT COALESCE(
                    %(first)s <= %(today)s + %(stage)s.max_days
                    AND %(lead)s.last_touch_date >= %(now)s - make_interval(days => %(stage)s.max_days),
                    FALSE))""",
            lead=lead,
            stage=stage,
            first=first_deadline,
            now=now,
            today=now.date(),
        )

    @api.model
    def _discipline_first_step_sql(self, lead_alias):
        """A LATERAL subquery giving, as ``date_deadline``, the due date of the first step of the deal ``lead_alias``
        (the activities _discipline_flag_condition correlates: its open steps, not the checks of a colleague's
        result), NULL without any: one probe of mail_activity_discipline_step_idx per deal."""
        return SQL(
            """LATERAL (SELECT MIN(act.date_deadline) AS date_deadline FROM mail_activity act
                         WHERE act.res_model = 'crm.lead' AND act.res_id = %s AND act.active
                           AND act.task_check_user_id IS NULL)""",
            SQL.identifier(lead_alias, "id"),
        )

    def _discipline_flag_rows(self, ids, flags):
        """[(id, *flag values)] for the deals ``ids``, in one query that looks their first step up once per deal.

        The correlated (NOT) EXISTS of _discipline_flag_condition are right for searches (an anti-join over the
        searched rows) but, in a select list, PostgreSQL hashes every planned step of the database for them; a
        page of deals needs one index probe each instead."""
        self._discipline_flush()
        first_deadline = SQL.identifier("step", "date_deadline")
        self.env.cr.execute(
            SQL(
                """SELECT lead.id, %s
                     FROM crm_lead lead LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                     LEFT JOIN %s step ON TRUE
                    WHERE lead.id = ANY(%s)""",
                SQL(", ").join(
                    self._discipline_flag_condition_on_first_step(flag, "lead", "stage", first_deadline)
                    for flag in flags
                ),
                self._discipline_first_step_sql("lead"),
                list(ids),
            )
        )
        return self.env.cr.fetchall()

    def _discipline_ids_matching(self, flag, ids):
        """Ids among ``ids`` whose deals have the flag, in one query."""
        if not ids:
            return set()
        return {lead_id for lead_id, value in self._discipline_flag_rows(ids, (flag,)) if value}

    def _discipline_flags_of(self, ids):
        """{id: (without next step, overdue, stale)} for the deals ``ids``, in one query."""
        if not ids:
            return {}
        return {
            lead_id: tuple(bool(value) for value in values)
            for lead_id, *values in self._discipline_flag_rows(ids, FLAGS)
        }

    def _discipline_search_domain(self, flag, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Unsupported search on a discipline flag."))
        self._discipline_flush()
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", DisciplineFlag(flag))]

    def _condition_to_sql(self, alias, fname, operator, value, query):
        """Render a discipline flag (see _discipline_search_domain) as a condition on the deal row itself."""
        if fname == "id" and isinstance(value, DisciplineFlag):
            # a LEFT JOIN keeps the searched rows as they are, whatever the operator
            stage_alias = query.make_alias(alias, "discipline_stage")
            query.add_join(
                "LEFT JOIN",
                stage_alias,
                "crm_stage",
                SQL("%s = %s", SQL.identifier(stage_alias, "id"), SQL.identifier(alias, "stage_id")),
            )
            condition = self._discipline_flag_condition(value.flag, alias, stage_alias)
            return condition if operator == "in" else SQL("(NOT %s)", condition)
        return super()._condition_to_sql(alias, fname, operator, value, query)
