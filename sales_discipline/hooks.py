from odoo.tools import SQL


def post_init_hook(env):
    """Give the deals that exist at install time their real start date and an open stay in their stage."""
    env.cr.execute(SQL("UPDATE crm_lead SET date_started = create_date"))
    env.cr.execute(
        SQL(
            """INSERT INTO crm_lead_stage_history
                   (lead_id, stage_id, team_id, user_id, company_id, date_in, duration_days,
                    create_uid, create_date, write_uid, write_date)
               SELECT lead.id, stage_id, team_id, user_id, company_id,
                      COALESCE(date_last_stage_update, lead.create_date), 0,
                      %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                 FROM crm_lead lead
                WHERE stage_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM crm_lead_stage_history history WHERE history.lead_id = lead.id)""",
            uid=env.uid,
        )
    )
    leads = env["crm.lead"].with_context(active_test=False).search([])
    leads.invalidate_recordset(["date_started"])
    env.add_to_compute(leads._fields["cycle_days"], leads)
    env.add_to_compute(leads._fields["recorded_after_fact"], leads)
    leads.flush_recordset()


# Odoo's own rules that the addon narrows (SE-2), with the domains crm ships.
CRM_RULE_DOMAINS = {
    "crm.crm_rule_personal_lead": "['|',('user_id','=',user.id),('user_id','=',False)]",
    "crm.crm_activity_report_rule_personal_activities": "['|',('user_id','=',user.id),('user_id','=',False)]",
}


def uninstall_hook(env):
    """Give crm back its own "own documents" rules, which the addon narrowed."""
    for xmlid, domain in CRM_RULE_DOMAINS.items():
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule:
            rule.domain_force = domain
