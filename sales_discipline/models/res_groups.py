from odoo import models

from .res_users import EXPORT_GROUP, EXPORT_ROLE_GROUPS


class ResGroups(models.Model):
    """A group granted from its own form (Users tab) changes users' export right as much as the user form does."""

    _inherit = "res.groups"

    def write(self, vals):
        """Re-apply the export policy (SE-1) to the users of a group that decides it, before or after the write,
        when its users or implications change; the final state is what counts, so they are synced after it."""
        if not {"users", "implied_ids"} & vals.keys():
            return super().write(vals)
        Users = self.env["res.users"].with_context(active_test=False)
        decided = self._discipline_decides_export()
        users = self.with_context(active_test=False).users if decided else Users
        result = super().write(vals)
        if decided or self._discipline_decides_export():
            (users | self.with_context(active_test=False).users)._discipline_sync_export_group()
        return result

    def _discipline_decides_export(self):
        """Whether these groups are, or imply, the export group or a group the export policy reads."""
        xmlids = [EXPORT_GROUP] + [xmlid for _role, groups, _param in EXPORT_ROLE_GROUPS for xmlid in groups]
        data = self.env["ir.model.data"]
        deciding = self.browse(filter(None, (data._xmlid_to_res_id(x, raise_if_not_found=False) for x in xmlids)))
        return bool((self | self.trans_implied_ids) & deciding)
