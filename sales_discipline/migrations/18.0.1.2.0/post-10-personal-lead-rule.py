"""The narrowed "Personal Leads" rules name the teams instead of walking their members (issue 11), and follow the
company's "Unassigned Deals Visible To" setting (issue 18).

The rules are noupdate data of crm: the domains the addon set up to 18.0.1.1.0 are replaced by the equivalent ones
that the rule cache evaluates once per user and company. A domain the administrator has changed since is left as
they made it.
"""

from odoo import SUPERUSER_ID, api

# The domains the addon set up to 18.0.1.1.0, and the ones it sets now.
OLD_DOMAINS = {
    "crm.crm_rule_personal_lead": (
        "['|', ('user_id', '=', user.id), '&', '&', ('user_id', '=', False), "
        "('team_id.members_see_unassigned', '=', True), ('team_id.crm_team_member_ids.user_id', 'in', [user.id])]"
    ),
    "crm.crm_activity_report_rule_personal_activities": (
        "['|', ('lead_id.user_id', '=', user.id), '&', '&', ('lead_id.user_id', '=', False), "
        "('lead_id.team_id.members_see_unassigned', '=', True), "
        "('lead_id.team_id.crm_team_member_ids.user_id', 'in', [user.id])]"
    ),
}
NEW_DOMAINS = {
    "crm.crm_rule_personal_lead": "user._discipline_personal_lead_domain(company_id)",
    "crm.crm_activity_report_rule_personal_activities": "user._discipline_personal_lead_domain(company_id, 'lead_id.')",
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, old in OLD_DOMAINS.items():
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule and rule.domain_force == old:
            rule.domain_force = NEW_DOMAINS[xmlid]
