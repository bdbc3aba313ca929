"""Create the mobile key's column before the models load, so that Odoo does not recompute it through the ORM for
every partner; post-40-phone-keys.py fills it in batches."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL("ALTER TABLE res_partner ADD COLUMN IF NOT EXISTS mobile_normalized varchar"))
