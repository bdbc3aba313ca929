from collections import namedtuple
from datetime import date, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

PERIOD_TYPES = [
    ("year", "Year"),
    ("quarter", "Quarter"),
    ("month", "Month"),
    ("week", "Week"),
    ("day", "Day"),
]
PERIOD_RANK = {key: rank for rank, (key, _label) in enumerate(PERIOD_TYPES)}
# the periods whose plans match one bucket of _read_group's granularity; weeks and days are summed from days
GRANULARITY = {"year": "year", "quarter": "quarter", "month": "month", "week": "day", "day": "day"}
UNITS = [("count", "Count"), ("amount", "Amount"), ("percent", "%"), ("days", "Days")]
AGGREGATES = [
    ("count", "Number of records"),
    ("sum", "Sum of a field"),
    ("avg", "Average of a field"),
    ("ratio", "Ratio of two KPIs (%)"),
]
NUMERIC_TYPES = ("integer", "float", "monetary")
# (name, table, definition): what a salesperson's facts of one period read, found by owner then date and answered
# from the index alone (the columns the shipped KPIs filter, join and add up are included), instead of visiting
# every deal of the owner: a salesperson's 30,000 deals among 1,000,000 are 25,000 pages per KPI
FACT_INDEXES = (
    (
        "crm_lead_discipline_closed_idx",
        "crm_lead",
        SQL("(user_id, date_closed) INCLUDE (type, company_id, stage_id, deal_type, expected_revenue, active)"),
    ),
    (
        "crm_lead_discipline_created_idx",
        "crm_lead",
        SQL("(user_id, create_date) INCLUDE (type, company_id, expected_revenue, active)"),
    ),
    (
        "mail_activity_discipline_done_idx",
        "mail_activity",
        SQL("(user_id, date_done) INCLUDE (activity_type_id, active) WHERE date_done IS NOT NULL"),
    ),
)


class SalesDisciplineKpi(models.Model):
    """A KPI of the plans (PL-2) and how its fact is computed from Odoo data (PL-4): the records of a model that
    match a domain, dated by one of their fields, attributed to a salesperson and a team by two others, counted,
    summed or averaged; a ratio of two KPIs; or, where Odoo holds no such data, typed by hand and marked so.

    The facts of many plans are computed together (_discipline_facts): one grouped query per KPI for all the plans
    of one period type and scope, never a query per plan."""

    _name = "sales.discipline.kpi"
    _description = "Plan KPI"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Technical name, unique: used by the ready-made KPI sets.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True, help="What is counted, and for whom.")
    source = fields.Selection(
        [("data", "Computed from Odoo data"), ("manual", "Entered by hand")],
        required=True,
        default="data",
        help="Entered by hand only where Odoo holds no data for the KPI (e.g. non-standard situations).",
    )
    model_name = fields.Char(string="Model", help="The model whose records are counted, e.g. crm.lead.")
    domain = fields.Char(default="[]", help="Which records count, as a domain on the model.")
    date_field = fields.Char(help="The date that puts a record in a period, e.g. date_closed.")
    user_field = fields.Char(default="user_id", help="The salesperson a record counts for.")
    team_field = fields.Char(default="team_id", help="The sales team a record counts for.")
    aggregate = fields.Selection(AGGREGATES, required=True, default="count")
    value_field = fields.Char(help="The field summed or averaged, e.g. expected_revenue.")
    numerator_id = fields.Many2one("sales.discipline.kpi", ondelete="restrict")
    denominator_id = fields.Many2one("sales.discipline.kpi", ondelete="restrict")
    unit = fields.Selection(UNITS, required=True, default="count")
    on_year = fields.Boolean(string="Year", default=True)
    on_quarter = fields.Boolean(string="Quarter", default=True)
    on_month = fields.Boolean(string="Month", default=True)
    on_week = fields.Boolean(string="Week")
    on_day = fields.Boolean(string="Day")

    _sql_constraints = [("code_unique", "UNIQUE(code)", "Two KPIs cannot have the same code.")]

    def _discipline_applies_to(self, period_type):
        self.ensure_one()
        return bool(self[f"on_{period_type}"])

    @api.constrains("source", "model_name", "domain", "date_field", "user_field", "team_field", "aggregate")
    def _check_definition(self):
        """A KPI computed from data names a model, a date and the fields it counts by, and they exist."""
        for kpi in self.filtered(lambda k: k.source == "data"):
            if kpi.aggregate == "ratio":
                if not (kpi.numerator_id and kpi.denominator_id) or self in (kpi.numerator_id | kpi.denominator_id):
                    raise ValidationError(
                        self.env._("The KPI %(kpi)s is a ratio: give it two other KPIs.", kpi=kpi.name)
                    )
                continue
            if not kpi.model_name or kpi.model_name not in self.env:
                raise ValidationError(self.env._("The KPI %(kpi)s counts records of an unknown model.", kpi=kpi.name))
            Model = self.env[kpi.model_name]
            names = {
                "date_field": kpi.date_field,
                "user_field": kpi.user_field,
                "team_field": kpi.team_field,
                "value_field": kpi.value_field if kpi.aggregate in ("sum", "avg") else None,
            }
            for role, name in names.items():
                if role == "date_field" and not name:
                    raise ValidationError(
                        self.env._("The KPI %(kpi)s needs the date that puts a record in a period.", kpi=kpi.name)
                    )
                if name and (name not in Model._fields or not Model._fields[name].store):
                    raise ValidationError(
                        self.env._(
                            "The KPI %(kpi)s names the field %(field)s, which %(model)s does not store.",
                            kpi=kpi.name,
                            field=name,
                            model=kpi.model_name,
                        )
                    )
            if names["value_field"] and Model._fields[names["value_field"]].type not in NUMERIC_TYPES:
                raise ValidationError(
                    self.env._(
                        "The KPI %(kpi)s adds up %(field)s, which is not a number.",
                        kpi=kpi.name,
                        field=names["value_field"],
                    )
                )
            if Model._fields[kpi.date_field].type not in ("date", "datetime"):
                raise ValidationError(
                    self.env._(
                        "The KPI %(kpi)s dates records by %(field)s, which is not a date.",
                        kpi=kpi.name,
                        field=kpi.date_field,
                    )
                )
            try:
                Model._search(kpi._discipline_domain())
            except Exception as error:  # any error of a typed domain is the user's to fix
                raise ValidationError(
                    self.env._("The domain of the KPI %(kpi)s is not valid: %(error)s", kpi=kpi.name, error=error)
                ) from error

    def init(self):
        """The indexes of FACT_INDEXES (not a field's index: the uninstall hook drops them)."""
        result = super().init()
        for name, table, definition in FACT_INDEXES:
            self.env.cr.execute(
                SQL("CREATE INDEX IF NOT EXISTS %s ON %s %s", SQL.identifier(name), SQL.identifier(table), definition)
            )
        return result

    def _discipline_domain(self):
        self.ensure_one()
        return safe_eval(self.domain or "[]", {"context": {}})

    # ------------------------------------------------------------------------------------------------------------
    # Facts
    # ------------------------------------------------------------------------------------------------------------

    def _discipline_facts(self, plans, plan_values=None):
        """{plan id: fact} of this KPI for ``plans``, all of one period type and one scope: one grouped query (two
        for a ratio), whatever the number of plans. ``plan_values`` ({plan id: PlanValues}), where the caller read
        them already, spares reading the plans' fields once per KPI.

        What is counted: each record in the period of its date field, for the salesperson and the team it names
        *now* (a deal handed over counts for its new owner, in every period); records that name no team (done
        activities) count for the team's current members; a company plan counts every record of the company."""
        self.ensure_one()
        if not plans or self.source != "data":
            return {}
        if plan_values is None:
            plan_values = {plan.id: plan_values_of(plan) for plan in plans}
        if self.aggregate == "ratio":
            return self._discipline_ratio_facts(plans, plan_values)
        query = self._discipline_fact_query(plans)
        buckets = {}  # {(company, salesperson or team): {first day of the bucket: value}}
        for day, *keys, value in self._discipline_grouped_rows(query):
            by_day = buckets.setdefault(tuple(keys), {})
            by_day[day] = by_day.get(day, 0.0) + float(value or 0.0)
        return {plan_id: self._discipline_fact_of(values, query, buckets) for plan_id, values in plan_values.items()}

    def _discipline_ratio_facts(self, plans, plan_values):
        numerators = self.numerator_id._discipline_facts(plans, plan_values)
        denominators = self.denominator_id._discipline_facts(plans, plan_values)
        return {
            plan_id: 100.0 * numerators.get(plan_id, 0.0) / denominators[plan_id] if denominators.get(plan_id) else 0.0
            for plan_id in plan_values
        }

    def _discipline_fact_query(self, plans):
        """The grouped query of this KPI for ``plans``: by day, month, quarter or year (the period's granularity), by
        company, and by salesperson or team for those scopes."""
        period_type, scope = plans[0].period_type, plans[0].scope
        Model = self.env[self.model_name].sudo().with_context(active_test=False, tz="UTC")
        start, stop = min(plans.mapped("date_from")), max(plans.mapped("date_to")) + timedelta(days=1)
        if Model._fields[self.date_field].type == "datetime":
            start, stop = datetime.combine(start, datetime.min.time()), datetime.combine(stop, datetime.min.time())
        query = {
            "model": Model,
            "domain": [*self._discipline_domain(), (self.date_field, ">=", start), (self.date_field, "<", stop)],
            "groupby": [f"{self.date_field}:{GRANULARITY[period_type]}"],
            "measure": "__count" if self.aggregate == "count" else f"{self.value_field}:{self.aggregate}",
            "has_company": "company_id" in Model._fields,
            "by_field": {"user": self.user_field, "team": self.team_field}.get(scope),
            "members": {},
            "scope": scope,
        }
        if query["has_company"]:
            query["domain"].append(("company_id", "in", plans.company_id.ids))
            query["groupby"].append("company_id")
        elif self.user_field:
            # records of no company (activities) are those of the company's users
            query["domain"].append((f"{self.user_field}.company_id", "in", plans.company_id.ids))
        if scope == "team" and not query["by_field"] and self.user_field:
            # records without a team of their own (activities) count for the team's current members
            query["members"] = {team.id: (team.member_ids | team.user_id).ids for team in plans.team_id}
            query["by_field"] = self.user_field
            member_ids = sorted({uid for uids in query["members"].values() for uid in uids})
            query["domain"].append((self.user_field, "in", member_ids))
        elif query["by_field"]:
            query["domain"].append((query["by_field"], "in", plans.mapped(f"{scope}_id").ids))
        if query["by_field"]:
            query["groupby"].append(query["by_field"])
        return query

    def _discipline_grouped_rows(self, query):
        """[(first day of the bucket, company id, salesperson or team id, value)]: ``_read_group``'s statement
        (the KPI's domain as the ORM writes it, record rules as the superuser), without what a fact does not need
        and a real company's volume pays for: the time zone conversion of every row (the buckets are UTC days)
        and the ordering of the groups (a sort of every matching row where PostgreSQL misjudges the number of
        groups)."""
        Model = query["model"]
        fname, granularity = query["groupby"][0].split(":")
        sql_query = Model._search(query["domain"])
        column = Model._field_to_sql(Model._table, fname, sql_query)
        if Model._fields[fname].type == "date":
            column = SQL("%s::timestamp", column)
        terms = [SQL("date_trunc(%s, %s)::date", granularity, column)]
        terms += [Model._read_group_groupby(spec, sql_query) for spec in query["groupby"][1:]]
        sql_query.groupby = SQL(", ").join(terms)
        return self.env.execute_query(sql_query.select(*terms, Model._read_group_select(query["measure"], sql_query)))

    def _discipline_fact_of(self, plan, query, buckets):
        """The fact of one plan (its PlanValues) from the buckets: its period's one bucket (year, quarter, month), or
        its days (week, day); looked up, never scanned, so that thousands of week plans cost what their days cost."""
        company_key = (plan.company_id,) if query["has_company"] else ()
        if query["members"]:
            keys = [(*company_key, uid) for uid in query["members"].get(plan.team_id, ())]
        elif query["by_field"]:
            keys = [(*company_key, plan.user_id if query["scope"] == "user" else plan.team_id)]
        else:
            keys = [company_key]
        if GRANULARITY[plan.period_type] == "day":
            days = [plan.date_from + timedelta(days=n) for n in range((plan.date_to - plan.date_from).days + 1)]
        else:
            days = [plan.date_from]
        values = [buckets[key][day] for key in keys if key in buckets for day in days if day in buckets[key]]
        if self.aggregate == "avg":
            # the average of the buckets: exact for a month, quarter or year (one bucket each)
            return sum(values) / len(values) if values else 0.0
        return float(sum(values))


# what a fact needs of its plan, read once for all the KPIs of a level (raw ids, not records: a level's thousands of
# plans times its KPIs made the field accesses cost as much as the query)
PlanValues = namedtuple("PlanValues", "company_id user_id team_id period_type date_from date_to")


def plan_values_of(plan):
    """The PlanValues of a plan record, new ones included (a contest's day-by-day plans)."""
    return PlanValues(
        plan.company_id.id, plan.user_id.id, plan.team_id.id, plan.period_type, plan.date_from, plan.date_to
    )


def period_bounds(period_type, day):
    """(first day, last day) of the ``period_type`` containing ``day``; a week starts on Monday."""
    if period_type == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if period_type == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        return start, _month_end(date(day.year, first_month + 2, 1))
    if period_type == "month":
        return date(day.year, day.month, 1), _month_end(day)
    if period_type == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    return day, day


def _month_end(day):
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)
