"""The shipped pipelines keep their deals to their own stages (18.0.1.2.0, issue 17); the flag is opt-in, so every
other team keeps crm's behaviour. The teams are noupdate data: the upgrade sets the flag on them."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in ("sales_discipline.crm_team_new_clients", "sales_discipline.crm_team_current_clients"):
        team = env.ref(xmlid, raise_if_not_found=False)
        if team:
            team.discipline_own_stages_only = True
