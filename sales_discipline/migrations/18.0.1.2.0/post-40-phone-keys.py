"""Phone keys without extensions, and the mobile as a key of its own (issue 10, CL-5).

The duplicate check now drops a phone's extension ("доб. 12") and matches a number entered as the mobile of one card
and the phone of another. The keys of every partner are recomputed with the addon's normalisers, by batches, as the
install does.
"""

from odoo import SUPERUSER_ID, api
from odoo.addons.sales_discipline.hooks import _fill_partner_keys


def migrate(cr, version):
    if not version:
        return
    _fill_partner_keys(api.Environment(cr, SUPERUSER_ID, {}))
