"""Create the share-of-wallet columns (AN-4) before the models load, so that Odoo does not compute them through
the ORM for every partner: no card has an estimate yet, and an empty column reads as 0."""

from odoo.tools import SQL

WALLET_COLUMNS = ("discipline_wallet_share", "discipline_upsell_potential", "discipline_wallet_potential")


def migrate(cr, version):
    if not version:
        return
    for column in WALLET_COLUMNS:
        cr.execute(SQL("ALTER TABLE res_partner ADD COLUMN IF NOT EXISTS %s numeric", SQL.identifier(column)))
