"""Stages have milestones and stays know the days from the deal's start (PL-2: proposals and contracts prepared,
and the time to prepare them).

The stays recorded before 18.0.1.3.0 get their days from the deal's start, in one statement; the shipped stages
and crm's "Proposition" get their milestone where the company still has them and gave them none.
"""

from odoo import SUPERUSER_ID, api
from odoo.addons.sales_discipline.hooks import days_from_start_sql
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """UPDATE crm_lead_stage_history stay SET days_from_start = %s
                 FROM crm_lead lead
                WHERE lead.id = stay.lead_id AND stay.days_from_start IS NULL""",
            days_from_start_sql("lead", SQL("stay.date_in")),
        )
    )
    api.Environment(cr, SUPERUSER_ID, {})["crm.stage"]._discipline_set_default_milestones()
