"""Install and uninstall hooks, written for databases of a real company's size (1,000,000 deals and more).

When a module adds a stored field to a table that has rows, Odoo fills the new column for every row: a
default with one UPDATE of the whole table, a computed field through the ORM, record by record in memory,
with a chatter message per record when the field is tracked. On a large CRM that takes hours and gigabytes.
So ``pre_init_hook`` creates the columns of those fields on the big tables before the models are loaded
(Odoo then leaves an existing column alone) and fills them in SQL, exactly as the fields' compute methods
or defaults would; ``post_init_hook`` does in SQL what needs the addon's data (the company settings).
"""

import json
import logging
import time

from odoo.tools import SQL

from .models.crm_lead_flags import COUNTERS_INDEX
from .models.crm_lead_rules import DEAL_TYPE_BY_CLIENT_STATUS
from .models.partner_keys import email_domain, normalize_company_name, normalize_phone, normalize_vat
from .models.res_partner_visibility import PARTNER_USER_INDEX
from .models.sales_discipline_kpi import FACT_INDEXES
from .report.sales_discipline_standup import STANDUP_INDEXES

_logger = logging.getLogger(__name__)

# Stored fields that the addon adds to the big tables of existing databases: (table, column, column type as
# Odoo creates it, value of the existing rows when it is a constant: the field's default). The values that
# are not constants are filled below. tests/test_install_hooks.py checks this list against the fields.
PRECREATED_COLUMNS = (
    ("res_partner", "client_status", "varchar", "inquiry"),
    ("res_partner", "data_completeness", "int4", 100),
    ("res_partner", "is_data_complete", "bool", True),
    ("res_partner", "vat_normalized", "varchar", None),
    ("res_partner", "phone_normalized", "varchar", None),
    ("res_partner", "mobile_normalized", "varchar", None),
    ("res_partner", "email_domain", "varchar", None),
    ("res_partner", "name_normalized", "varchar", None),
    # AN-4: no estimate on the existing cards, so nothing to compute (read as 0)
    ("res_partner", "discipline_wallet_share", "numeric", None),
    ("res_partner", "discipline_upsell_potential", "numeric", None),
    ("res_partner", "discipline_wallet_potential", "numeric", None),
    ("crm_lead", "date_started", "timestamp", None),
    ("crm_lead", "deal_type", "varchar", None),
    ("crm_lead", "cycle_days", "numeric", None),
    ("crm_lead", "recorded_after_fact", "bool", None),
    ("mail_activity", "scheduled_at", "timestamp", None),
)
PARTNER_KEY_COLUMNS = ("vat_normalized", "phone_normalized", "mobile_normalized", "email_domain", "name_normalized")
DEAL_COLUMNS = ("date_started", "deal_type", "cycle_days")
PARTNER_BATCH = 20000
# Created by mail.activity's init(); not a field, so Odoo does not drop it at uninstall.
ACTIVITY_INDEX = "mail_activity_discipline_step_idx"
# Odoo's own rules that the addon narrows (SE-2), with the domains crm ships.
CRM_RULE_DOMAINS = {
    "crm.crm_rule_personal_lead": "['|',('user_id','=',user.id),('user_id','=',False)]",
    "crm.crm_activity_report_rule_personal_activities": "['|',('user_id','=',user.id),('user_id','=',False)]",
}


def _column_exists(cr, table, column):
    cr.execute(
        SQL(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = %s",
            table,
            column,
        )
    )
    return bool(cr.rowcount)


def _timed(label):
    """Log how long a step of the hooks took: the install benchmark reads these lines."""

    def decorate(function):
        def run(env, *args):
            start = time.perf_counter()
            rows = function(env, *args)
            _logger.info("%s: %s rows in %.1f s", label, rows, time.perf_counter() - start)
            return rows

        run.__doc__ = function.__doc__
        return run

    return decorate


def _precreate_columns(cr):
    """Create the missing columns; the existing rows get a constant value for free (PostgreSQL stores it once)."""
    created = set()
    for table, column, column_type, value in PRECREATED_COLUMNS:
        if _column_exists(cr, table, column):
            continue
        table_sql, column_sql = SQL.identifier(table), SQL.identifier(column)
        if value is None:
            cr.execute(SQL("ALTER TABLE %s ADD COLUMN %s %s", table_sql, column_sql, SQL(column_type)))
        else:
            # a constant default fills the existing rows without rewriting the table; new rows get theirs from Odoo
            cr.execute(
                SQL("ALTER TABLE %s ADD COLUMN %s %s DEFAULT %s", table_sql, column_sql, SQL(column_type), value)
            )
            cr.execute(SQL("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", table_sql, column_sql))
        created.add((table, column))
    return created


@_timed("sales_discipline install: normalised keys of the partners")
def _fill_partner_keys(env):
    """vat/phone/email/name keys (``_compute_normalized_keys``), by batches of partners with the addon's own
    normalisers: their Unicode regular expressions have no exact SQL equivalent, and the duplicate check
    compares these columns with keys computed by the same functions."""
    cr = env.cr
    last_id, updated = 0, 0
    while True:
        cr.execute(
            SQL(
                "SELECT id, vat, phone, mobile, email, name FROM res_partner WHERE id > %s ORDER BY id LIMIT %s",
                last_id,
                PARTNER_BATCH,
            )
        )
        rows = cr.fetchall()
        if not rows:
            return updated
        last_id = rows[-1][0]
        columns = ([], [], [], [], [], [])
        for partner_id, vat, phone, mobile, email, name in rows:
            keys = (
                normalize_vat(vat),
                normalize_phone(phone) or normalize_phone(mobile),
                normalize_phone(mobile),
                email_domain(email),
                normalize_company_name(name),
            )
            if any(keys):
                columns[0].append(partner_id)
                for values, key in zip(columns[1:], keys, strict=True):
                    values.append(key or None)
        if columns[0]:
            cr.execute(
                SQL(
                    """UPDATE res_partner partner
                          SET vat_normalized = keys.vat, phone_normalized = keys.phone,
                              mobile_normalized = keys.mobile, email_domain = keys.email, name_normalized = keys.name
                         FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[],
                                     %s::varchar[])
                              AS keys(id, vat, phone, mobile, email, name)
                        WHERE partner.id = keys.id""",
                    *columns,
                )
            )
            updated += cr.rowcount


CYCLE_DAYS_SQL = SQL(
    """CASE WHEN create_date IS NOT NULL AND date_closed IS NOT NULL
            THEN round(greatest(extract(epoch FROM date_closed - create_date) / 86400, 0), 1)
            ELSE 0 END"""
)


def _drop_views_reading(cr, table, columns):
    """Drop the SQL views (the report models', any module's) that read these columns of ``table``; their names."""
    cr.execute(
        SQL(
            """SELECT DISTINCT view.relname
                 FROM pg_depend dependency
                 JOIN pg_rewrite rewrite ON rewrite.oid = dependency.objid
                 JOIN pg_class view ON view.oid = rewrite.ev_class AND view.relkind = 'v'
                 JOIN pg_class source ON source.oid = dependency.refobjid
                 JOIN pg_attribute attribute
                   ON attribute.attrelid = source.oid AND attribute.attnum = dependency.refobjsubid
                WHERE source.relname = %s AND attribute.attname = ANY(%s)""",
            table,
            list(columns),
        )
    )
    views = [name for (name,) in cr.fetchall()]
    for name in views:
        cr.execute(SQL("DROP VIEW %s", SQL.identifier(name)))
    return views


def _remake_views(env, views):
    """Make again the dropped views of the models loaded (the others are made when their module loads)."""
    for model in env.registry.values():
        if not model._auto and model._table in views:
            env[model._name].init()


@_timed("sales_discipline install: start date, type and length of the deals")
def _fill_deals(env, client_status=None):
    """The start date is the creation date (the addon fixes it from then on), the type is the one
    ``_compute_deal_type`` gives from the client's status, the length is ``_compute_cycle_days`` (days from
    start to close, never negative, stored with one decimal).

    ``client_status``: the status every partner has, when the hook has just created that column. The columns
    are then filled by rewriting the table once (``ALTER COLUMN ... TYPE ... USING``): PostgreSQL copies the
    rows and rebuilds each index in one sort, where an UPDATE of every deal would add an entry to each of the
    table's indexes (27 on stock crm) per deal, which takes many minutes on a million deals.
    """
    if client_status is not None:
        # a deal without a client gets the type of a partner without status (False), as in the compute
        with_client = DEAL_TYPE_BY_CLIENT_STATUS.get(client_status, "new_sale")
        without_client = DEAL_TYPE_BY_CLIENT_STATUS.get(False, "new_sale")
        # PostgreSQL does not retype a column a view reads: at install the addon's views do not exist yet, but
        # where the hook runs again on an installed database they are dropped and made again after
        views = _drop_views_reading(env.cr, "crm_lead", DEAL_COLUMNS)
        env.cr.execute(
            SQL(
                """ALTER TABLE crm_lead
                     ALTER COLUMN date_started TYPE timestamp USING create_date,
                     ALTER COLUMN deal_type TYPE varchar USING (
                         CASE WHEN type = 'opportunity' THEN
                             CASE WHEN partner_id IS NOT NULL THEN %(with_client)s ELSE %(without_client)s END
                         END),
                     ALTER COLUMN cycle_days TYPE numeric USING (%(cycle_days)s)""",
                with_client=with_client,
                without_client=without_client,
                cycle_days=CYCLE_DAYS_SQL,
            )
        )
        _remake_views(env, views)
        env.cr.execute(SQL("SELECT count(*) FROM crm_lead"))
        return env.cr.fetchone()[0]
    env.cr.execute(
        SQL(
            """UPDATE crm_lead lead
                  SET date_started = lead.create_date,
                      deal_type = CASE WHEN lead.type = 'opportunity' THEN coalesce(
                          %(types)s::jsonb ->> (SELECT client.client_status
                                                  FROM res_partner partner
                                                  JOIN res_partner client ON client.id = partner.commercial_partner_id
                                                 WHERE partner.id = lead.partner_id),
                          %(default)s) END,
                      cycle_days = %(cycle_days)s""",
            types=json.dumps(DEAL_TYPE_BY_CLIENT_STATUS),
            default="new_sale",
            cycle_days=CYCLE_DAYS_SQL,
        )
    )
    return env.cr.rowcount


@_timed("sales_discipline install: scheduled time of the activities with a calendar event")
def _fill_activity_times(env):
    """``_compute_scheduled_at``: the start of the activity's calendar event, if any."""
    if not _column_exists(env.cr, "mail_activity", "calendar_event_id"):
        return 0
    env.cr.execute(
        SQL(
            """UPDATE mail_activity activity SET scheduled_at = event.start
                 FROM calendar_event event WHERE event.id = activity.calendar_event_id"""
        )
    )
    return env.cr.rowcount


def pre_init_hook(env):
    """Create and fill, in SQL, the columns the addon adds to partners, deals and activities (see module doc)."""
    created = _precreate_columns(env.cr)
    if all(("res_partner", column) in created for column in PARTNER_KEY_COLUMNS):
        _fill_partner_keys(env)
    if all(("crm_lead", column) in created for column in DEAL_COLUMNS):
        statuses = {value for table, column, _type, value in PRECREATED_COLUMNS if column == "client_status"}
        _fill_deals(env, statuses.pop() if ("res_partner", "client_status") in created else None)
    if ("mail_activity", "scheduled_at") in created:
        _fill_activity_times(env)


@_timed("sales_discipline install: deals flagged as recorded after the fact")
def _flag_recorded_after_fact(env):
    """``_compute_recorded_after_fact`` with the companies' settings, now loaded: only the flagged deals are
    written (the column is empty, which the ORM reads as False)."""
    default_hours = env.company.discipline_backdate_hours
    by_hours = {}
    for company in env["res.company"].with_context(active_test=False).search([]):
        by_hours.setdefault(company.discipline_backdate_hours or default_hours, []).append(company.id)
    flagged = 0
    for hours, company_ids in by_hours.items():
        if not hours:
            continue
        env.cr.execute(
            SQL(
                """UPDATE crm_lead SET recorded_after_fact = TRUE
                    WHERE (company_id = ANY(%(companies)s) OR (company_id IS NULL AND %(default)s))
                      AND date_started IS NOT NULL AND date_closed IS NOT NULL
                      AND date_closed - date_started < make_interval(hours => %(hours)s)""",
                companies=company_ids,
                default=hours == default_hours,
                hours=hours,
            )
        )
        flagged += env.cr.rowcount
    return flagged


def _catalog_sql(definition):
    """A definition PostgreSQL itself wrote (pg_get_indexdef, pg_get_constraintdef), to run it again."""
    return SQL(definition.replace("%", "%%"))


def days_from_start_sql(lead_alias, moment):
    """SQL: the days from the start of the deal ``lead_alias`` to ``moment``, as _record_entries writes them."""
    lead = SQL.identifier(lead_alias)
    return SQL(
        "GREATEST(EXTRACT(EPOCH FROM (%s - COALESCE(%s.date_started, %s.create_date))) / 86400, 0)",
        moment,
        lead,
        lead,
    )


@_timed("sales_discipline install: open stage stays of the deals")
def _open_stage_stays(env):
    """Each deal that has a stage gets an open stay in it, from its last stage change (or creation).

    The table was created by this install: when it is empty, its indexes and foreign keys are set aside during
    the load and made again after it (one sort per index, one join per key), the usual way of bulk loading; row
    by row, they cost a look-up per key and an entry per index for each of a million stays.
    """
    cr = env.cr
    table = "crm_lead_stage_history"
    cr.execute(SQL("SELECT EXISTS (SELECT 1 FROM crm_lead_stage_history)"))
    constraints, indexes = [], []
    if not cr.fetchone()[0]:
        cr.execute(
            SQL(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'",
                table,
            )
        )
        constraints = cr.fetchall()
        cr.execute(
            SQL(
                """SELECT idx.relname, pg_get_indexdef(idx.oid)
                     FROM pg_index info JOIN pg_class idx ON idx.oid = info.indexrelid
                    WHERE info.indrelid = %s::regclass
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = info.indexrelid)""",
                table,
            )
        )
        indexes = cr.fetchall()
        for name, _definition in constraints:
            cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
        for name, _definition in indexes:
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
    cr.execute(
        SQL(
            """INSERT INTO crm_lead_stage_history
                   (lead_id, stage_id, team_id, user_id, company_id, date_in, duration_days, days_from_start,
                    create_uid, create_date, write_uid, write_date)
               SELECT lead.id, stage_id, team_id, user_id, company_id,
                      COALESCE(date_last_stage_update, lead.create_date), 0,
                      %(days_from_start)s,
                      %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                 FROM crm_lead lead
                WHERE stage_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM crm_lead_stage_history history WHERE history.lead_id = lead.id)""",
            uid=env.uid,
            days_from_start=days_from_start_sql("lead", SQL("COALESCE(lead.date_last_stage_update, lead.create_date)")),
        )
    )
    rows = cr.rowcount
    for _name, definition in indexes:
        cr.execute(_catalog_sql(definition))
    for name, definition in constraints:
        cr.execute(
            SQL(
                "ALTER TABLE %s ADD CONSTRAINT %s %s",
                SQL.identifier(table),
                SQL.identifier(name),
                _catalog_sql(definition),
            )
        )
    cr.execute(SQL("ANALYZE crm_lead_stage_history"))
    return rows


def post_init_hook(env):
    """Complete in SQL what needs the addon's data: the "recorded after the fact" flag and the stage stays."""
    env["crm.lead"].flush_model()
    _flag_recorded_after_fact(env)
    _open_stage_stays(env)
    # SE-1: existing sales users (Odoo's default groups included) fall under the export policy at once
    env["res.users"]._discipline_sync_sales_users()
    env["crm.lead"].invalidate_model(["recorded_after_fact"])
    env.cr.execute(SQL("ANALYZE crm_lead"))


def uninstall_hook(env):
    """Give crm back its own "own documents" rules, which the addon narrowed, and drop the addon's own indexes."""
    for xmlid, domain in CRM_RULE_DOMAINS.items():
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule:
            rule.domain_force = domain
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(ACTIVITY_INDEX)))
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(PARTNER_USER_INDEX)))
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(COUNTERS_INDEX)))
    for name, _table, _definition in (*FACT_INDEXES, *STANDUP_INDEXES):
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
