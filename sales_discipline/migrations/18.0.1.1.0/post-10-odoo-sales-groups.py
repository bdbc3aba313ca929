"""Users set up the usual Odoo way (issue 9, part 1).

The stage history and funnel report rules (noupdate data) key on sales_team's groups instead of the addon's roles,
so a user with Odoo's Sales rights alone opens deal forms and reports; and Odoo's export group is made to follow
the export policy for every sales user (the head gains it, salespeople and team leads lose it unless allowed).
"""

from odoo import SUPERUSER_ID, api

# rule: (the group it named up to 18.0.1.0.0, the group it names from 18.0.1.1.0)
RULE_GROUPS = {
    "sales_discipline.crm_lead_stage_history_rule_salesperson": (
        "sales_discipline.group_salesperson",
        "sales_team.group_sale_salesman",
    ),
    "sales_discipline.crm_lead_stage_history_rule_head": (
        "sales_discipline.group_head_of_sales",
        "sales_team.group_sale_salesman_all_leads",
    ),
    "sales_discipline.sales_discipline_funnel_report_rule_salesperson": (
        "sales_discipline.group_salesperson",
        "sales_team.group_sale_salesman",
    ),
    "sales_discipline.sales_discipline_funnel_report_rule_head": (
        "sales_discipline.group_head_of_sales",
        "sales_team.group_sale_salesman_all_leads",
    ),
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (old_group, new_group) in RULE_GROUPS.items():
        rule = env.ref(xmlid, raise_if_not_found=False)
        # a rule the administrator has changed since is left as they made it
        if rule and rule.groups == env.ref(old_group):
            rule.groups = env.ref(new_group)
    env["res.users"]._discipline_sync_sales_users()
