from odoo import models
from odoo.exceptions import AccessError


class Base(models.AbstractModel):
    """Bulk export of any model goes through the sales discipline export policy and its audit log."""

    _inherit = "base"

    def export_data(self, fields_to_export):
        """Refuse the export to the sales roles the policy keeps from it, and log every export."""
        Log = self.env["sales.discipline.export.log"]
        if not self.env.su and not self.env.user._discipline_export_allowed():
            Log._discipline_log(self._name, len(self), "rpc", allowed=False)
            raise AccessError(self.env.user._discipline_export_refusal())
        result = super().export_data(fields_to_export)
        Log._discipline_log(self._name, len(self), "rpc", allowed=True)
        return result
