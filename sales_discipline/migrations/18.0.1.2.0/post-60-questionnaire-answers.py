"""Needs questionnaires belong to the salesperson who fills them in with the client (18.0.1.2.0, issue 17).

Up to 18.0.1.1.0 the answer was created for the client's partner, which the survey refused to the salesperson, and
each click left an empty answer behind. The client moves to ``client_partner_id``; the empty answers go.
"""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "UPDATE survey_user_input SET client_partner_id = partner_id "
            "WHERE crm_lead_id IS NOT NULL AND client_partner_id IS NULL"
        )
    )
    cr.execute(
        SQL(
            """DELETE FROM survey_user_input answer
                WHERE answer.crm_lead_id IS NOT NULL AND answer.state = 'new'
                  AND NOT EXISTS (SELECT 1 FROM survey_user_input_line line WHERE line.user_input_id = answer.id)"""
        )
    )
