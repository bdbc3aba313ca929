"""The refusal catalogue no longer repeats crm's own price reason (issue 17).

Up to 18.0.1.1.0 the addon shipped "Price too high" beside crm's "Too expensive". Every reference to the addon's
reason (lost deals, any other many2one to refusal reasons) now points at crm's, and the addon's reason is deleted,
so the refusal analysis counts price refusals on one line. A database where crm's reason was deleted keeps the
addon's reason as it is.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
    ours = env.ref("sales_discipline.crm_lost_reason_price", raise_if_not_found=False)
    kept = env.ref("crm.lost_reason_1", raise_if_not_found=False)
    if not ours or not kept or ours == kept:
        return
    relations = env["ir.model.fields"].search(
        [("relation", "=", "crm.lost.reason"), ("ttype", "=", "many2one"), ("store", "=", True)]
    )
    for field in relations:
        model = env.get(field.model)
        if model is None or model._abstract or not model._auto or field.name not in model._fields:
            continue
        cr.execute(
            SQL(
                "UPDATE %s SET %s = %s WHERE %s = %s",
                SQL.identifier(model._table),
                SQL.identifier(field.name),
                kept.id,
                SQL.identifier(field.name),
                ours.id,
            )
        )
    env.invalidate_all()
    values = {"active": True} if not kept.active else {}
    if ours.requires_comment and not kept.requires_comment:
        values["requires_comment"] = True
    if values:
        kept.write(values)
    ours.unlink()
