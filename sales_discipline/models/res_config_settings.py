from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """Expose the company's discipline policies in the CRM section of the settings."""

    _inherit = "res.config.settings"

    discipline_client_active_days = fields.Integer(related="company_id.discipline_client_active_days", readonly=False)
    discipline_company_field_ids = fields.Many2many(related="company_id.discipline_company_field_ids", readonly=False)
    discipline_contact_field_ids = fields.Many2many(related="company_id.discipline_contact_field_ids", readonly=False)
    discipline_backdate_hours = fields.Integer(related="company_id.discipline_backdate_hours", readonly=False)
