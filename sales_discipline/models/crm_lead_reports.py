from odoo import fields, models


class CrmLead(models.Model):
    """AN-6: what the standard reports slice deals by beyond crm's own fields: the client company of the deal's
    contact, so that deal volume reads by company as well as by contact. Related and not stored: grouped in SQL
    through the join, written nowhere, so the everyday calls do not pay for it."""

    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    discipline_client_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Client Company",
        help="The company of the deal's contact (the contact itself for a private client).",
    )
