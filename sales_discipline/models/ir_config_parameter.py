from odoo import api, models

from .res_users import EXPORT_PARAMS


class IrConfigParameter(models.Model):
    """The export policy lives in two parameters: whichever way they change (the CRM settings, the System
    Parameters screen, ``set_param`` in code), the sales users move in or out of Odoo's export group (SE-1)."""

    _inherit = "ir.config_parameter"

    @api.model_create_multi
    def create(self, vals_list):
        """Apply a newly set export parameter to the sales users."""
        params = super().create(vals_list)
        if set(params.mapped("key")) & set(EXPORT_PARAMS):
            self.env["res.users"]._discipline_sync_sales_users()
        return params

    def write(self, vals):
        """Apply a changed export parameter to the sales users (after the write: the new value counts)."""
        keys = set(self.mapped("key")) | {vals.get("key")}
        result = super().write(vals)
        if keys & set(EXPORT_PARAMS):
            self.env["res.users"]._discipline_sync_sales_users()
        return result

    def unlink(self):
        """A removed export parameter is a switched-off setting."""
        keys = set(self.mapped("key"))
        result = super().unlink()
        if keys & set(EXPORT_PARAMS):
            self.env["res.users"]._discipline_sync_sales_users()
        return result
