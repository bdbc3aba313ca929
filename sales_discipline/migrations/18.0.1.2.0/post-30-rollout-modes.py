"""Rollout modes (issue 18) arrive in 18.0.1.2.0.

A new install starts every family of rules in "warn", so that a live company keeps working. A database that ran an
earlier release had every rule enforced: the upgrade keeps them enforced, and the discipline administrator may move
a family back to "warn" or "off" from the settings.
"""

from odoo.tools import SQL

MODE_COLUMNS = (
    "discipline_mode_client_cards",
    "discipline_mode_duplicates",
    "discipline_mode_deal_data",
    "discipline_mode_refusal_reasons",
    "discipline_mode_next_step",
    "discipline_mode_tasks",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "UPDATE res_company SET %s",
            SQL(", ").join(SQL("%s = 'enforce'", SQL.identifier(column)) for column in MODE_COLUMNS),
        )
    )
