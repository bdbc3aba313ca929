from odoo import api, fields, models


class ResPartner(models.Model):
    """CL-1, CL-2, CL-4 early feedback: the client form marks the fields the company's policy requires of this card,
    so the salesperson sees them before saving. The server still refuses an incomplete card; partners out of the
    policy's scope (users', companies', addresses) are marked nothing."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    discipline_required_fields = fields.Char(
        compute="_compute_discipline_required_fields",
        help="Technical: the names of the fields the client policy requires of this card, between commas.",
    )
    discipline_required_labels = fields.Char(
        string="Required by the Client Policy",
        compute="_compute_discipline_required_fields",
    )

    @api.depends("is_company", "type", "company_id")
    @api.depends_context("company")
    def _compute_discipline_required_fields(self):
        Warning = self.env["sales.discipline.warning"]
        saved = self.filtered(lambda partner: partner._origin.id)
        scoped_ids = set(saved._origin._discipline_in_scope().ids)
        new_scoped = (self - saved)._discipline_in_scope(new=True)
        for partner in self:
            if partner._origin.id:
                in_scope = partner._origin.id in scoped_ids and (partner.is_company or partner.type == "contact")
            else:
                in_scope = partner in new_scoped
            # in warn and off modes an incomplete card is saved: the form must not refuse it either
            in_scope = in_scope and Warning._discipline_mode_of(partner, "client_cards") == "enforce"
            names = [name for name in partner._discipline_required_fields() if name in self._fields] if in_scope else []
            partner.discipline_required_fields = f",{','.join(names)}," if names else ""
            partner.discipline_required_labels = partner._discipline_missing_labels(names) if names else ""
