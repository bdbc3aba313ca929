from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """Expose the company's discipline policies in the CRM section of the settings."""

    _inherit = "res.config.settings"

    discipline_client_active_days = fields.Integer(related="company_id.discipline_client_active_days", readonly=False)
    discipline_company_field_ids = fields.Many2many(related="company_id.discipline_company_field_ids", readonly=False)
    discipline_contact_field_ids = fields.Many2many(related="company_id.discipline_contact_field_ids", readonly=False)
    discipline_backdate_hours = fields.Integer(related="company_id.discipline_backdate_hours", readonly=False)
    discipline_export_salesperson = fields.Boolean(
        string="Salespeople May Export",
        config_parameter="sales_discipline.export_salesperson",
        help="Let salespeople (Sales: User: Own Documents Only) export lists and pivot tables. "
        "Off by default: the client base stays inside.",
    )
    discipline_export_team_lead = fields.Boolean(
        string="Team Leads May Export",
        config_parameter="sales_discipline.export_team_lead",
        help="Let team leads and users of Sales: User: All Documents export lists and pivot tables.",
    )
    discipline_max_decision_makers = fields.Integer(related="company_id.discipline_max_decision_makers", readonly=False)
    discipline_mode_client_cards = fields.Selection(related="company_id.discipline_mode_client_cards", readonly=False)
    discipline_mode_duplicates = fields.Selection(related="company_id.discipline_mode_duplicates", readonly=False)
    discipline_mode_deal_data = fields.Selection(related="company_id.discipline_mode_deal_data", readonly=False)
    discipline_mode_refusal_reasons = fields.Selection(
        related="company_id.discipline_mode_refusal_reasons", readonly=False
    )
    discipline_mode_next_step = fields.Selection(related="company_id.discipline_mode_next_step", readonly=False)
    discipline_mode_tasks = fields.Selection(related="company_id.discipline_mode_tasks", readonly=False)
    discipline_unassigned_visibility = fields.Selection(
        related="company_id.discipline_unassigned_visibility", readonly=False
    )
    discipline_client_visibility = fields.Selection(related="company_id.discipline_client_visibility", readonly=False)
