from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# Field types whose "empty" value is a legitimate business value (0, False):
# they cannot be required by the client-data policy.
UNREQUIRABLE_FIELD_TYPES = ("boolean", "integer", "float", "monetary", "binary", "reference")
POLICY_FIELD_DOMAIN = [
    ("model", "=", "res.partner"),
    ("store", "=", True),
    ("ttype", "not in", UNREQUIRABLE_FIELD_TYPES),
]
DEFAULT_COMPANY_REQUIRED_FIELDS = (
    "name",
    "client_type",
    "street",
    "phone",
    "email",
    "acquisition_source_id",
    "industry_id",
)
DEFAULT_CONTACT_REQUIRED_FIELDS = ("name", "function", "phone", "email", "parent_id")


class ResCompany(models.Model):
    """Holds the discipline policies, since they may differ from one company to another."""

    _inherit = "res.company"

    discipline_client_active_days = fields.Integer(
        string="Active Client Window (days)",
        default=365,
        help="A client with a won deal within this many days is Active; one with older won deals only is Lost.",
    )
    discipline_backdate_hours = fields.Integer(
        string="Recorded After the Fact Within (hours)",
        default=24,
        help="A deal won or lost within this many hours of being recorded is flagged as recorded after the fact. "
        "0 disables the flag.",
    )
    discipline_max_decision_makers = fields.Integer(
        string="Decision Makers per Client",
        default=5,
        help="How many contacts of one client may be flagged as decision makers (0: no limit).",
    )
    discipline_company_field_ids = fields.Many2many(
        "ir.model.fields",
        "res_company_discipline_company_field_rel",
        "company_id",
        "field_id",
        string="Required Company Fields",
        domain=POLICY_FIELD_DOMAIN,
        help="Fields a client company card must carry before it can be saved.",
    )
    discipline_contact_field_ids = fields.Many2many(
        "ir.model.fields",
        "res_company_discipline_contact_field_rel",
        "company_id",
        "field_id",
        string="Required Contact Fields",
        domain=POLICY_FIELD_DOMAIN,
        help="Fields a contact person card must carry before it can be saved.",
    )

    @api.constrains("discipline_client_active_days", "discipline_backdate_hours", "discipline_max_decision_makers")
    def _check_discipline_numbers(self):
        """The policy numbers are days, hours and counts: a window of no day or a negative count means nothing."""
        for company in self:
            if company.discipline_client_active_days < 1:
                raise ValidationError(self.env._("The active client window must be at least one day."))
            if company.discipline_backdate_hours < 0:
                raise ValidationError(self.env._("The hours for “recorded after the fact” cannot be negative."))
            if company.discipline_max_decision_makers < 0:
                raise ValidationError(self.env._("The number of decision makers per client cannot be negative."))

    @api.model
    def _discipline_policy_fields(self):
        """Company fields a discipline administrator may edit without company-wide rights."""
        return {
            "discipline_client_active_days",
            "discipline_backdate_hours",
            "discipline_max_decision_makers",
            "discipline_company_field_ids",
            "discipline_contact_field_ids",
        }

    def _discipline_required_field_names(self, is_company):
        """The policy's field names for a company card or a contact card, readable by any salesperson."""
        self.ensure_one()
        policy = self.sudo().discipline_company_field_ids if is_company else self.sudo().discipline_contact_field_ids
        return policy.mapped("name")

    @api.model
    def _discipline_default_field_ids(self, field_names):
        return self.env["ir.model.fields"].search([("model", "=", "res.partner"), ("name", "in", list(field_names))])

    @api.model_create_multi
    def create(self, vals_list):
        """Give new companies the shipped policies, and keep their own partner out of the client policy."""
        for vals in vals_list:
            vals.setdefault(
                "discipline_company_field_ids",
                [(6, 0, self._discipline_default_field_ids(DEFAULT_COMPANY_REQUIRED_FIELDS).ids)],
            )
            vals.setdefault(
                "discipline_contact_field_ids",
                [(6, 0, self._discipline_default_field_ids(DEFAULT_CONTACT_REQUIRED_FIELDS).ids)],
            )
        return super(ResCompany, self.with_context(discipline_policy_exempt=True)).create(vals_list)

    def write(self, vals):
        """Let a discipline administrator change the policies, and nothing else of the company; a change of the
        required fields marks the cards it applies to for the completeness cron instead of recomputing them here."""
        if not self.env.su and not self.env.user.has_group("base.group_erp_manager"):
            forbidden = set(vals) - self._discipline_policy_fields()
            if forbidden:
                raise AccessError(
                    self.env._(
                        "You may only change the sales discipline policies of a company, not: %(fields)s.",
                        fields=", ".join(sorted(forbidden)),
                    )
                )
        result = super().write(vals)
        if {"discipline_company_field_ids", "discipline_contact_field_ids"} & set(vals):
            self.env["res.partner"]._discipline_mark_completeness_outdated(self)
        return result

    @api.model
    def _discipline_install_default_policies(self):
        """Give the companies that exist at install time the shipped policies; the cards they apply to are marked
        and their completeness is computed by the completeness cron, batch by batch."""
        companies = self.sudo().search([])
        companies.write(
            {
                "discipline_company_field_ids": [
                    (6, 0, self._discipline_default_field_ids(DEFAULT_COMPANY_REQUIRED_FIELDS).ids)
                ],
                "discipline_contact_field_ids": [
                    (6, 0, self._discipline_default_field_ids(DEFAULT_CONTACT_REQUIRED_FIELDS).ids)
                ],
            }
        )
