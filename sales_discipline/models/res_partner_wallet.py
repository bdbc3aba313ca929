from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang

WALLET_INPUTS = ("discipline_wallet_total", "discipline_crosssell_potential")


class ResPartner(models.Model):
    """AN-4: the share of wallet of a client. The salesperson enters, dated, what the client buys in our category
    from everyone over the ABC-XYZ window (seed 001 #10: "how much they buy from us, how much from competitors")
    and the cross-sell potential (products the client buys elsewhere that we also sell); our revenue is the
    window's (AN-2), so our share, the up-sell potential (the rest of the client's purchases) and the whole
    potential follow, stored to rank the clients by potential."""

    # one file per capability of res.partner (house style), merged by the registry
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    discipline_wallet_total = fields.Float(
        string="Client's Total Purchases (Estimated)",
        digits=(16, 2),
        copy=False,
        tracking=True,
        help="What the client buys in our category from all suppliers over the ABC-XYZ window (12 full months by"
        " default), as the salesperson learnt it from the client.",
    )
    discipline_crosssell_potential = fields.Float(
        string="Cross-sell Potential",
        digits=(16, 2),
        copy=False,
        tracking=True,
        help="What the client could buy from us over the same window in products they do not buy from us yet.",
    )
    discipline_wallet_date = fields.Date(
        string="Estimated On", readonly=True, copy=False, help="When the estimate was last entered."
    )
    discipline_wallet_share = fields.Float(
        string="Our Share (%)",
        compute="_compute_discipline_wallet",
        store=True,
        digits=(16, 1),
        aggregator="avg",
        help="Our revenue in the window over the client's estimated total purchases.",
    )
    discipline_upsell_potential = fields.Float(
        string="Up-sell Potential",
        compute="_compute_discipline_wallet",
        store=True,
        digits=(16, 2),
        help="The client's purchases that go to other suppliers: the estimated total less our revenue.",
    )
    discipline_wallet_potential = fields.Float(
        string="Potential",
        compute="_compute_discipline_wallet",
        store=True,
        digits=(16, 2),
        help="Up-sell and cross-sell potential together.",
    )

    @api.depends("discipline_wallet_total", "discipline_crosssell_potential", "discipline_abc_revenue")
    def _compute_discipline_wallet(self):
        for partner in self:
            total, ours = partner.discipline_wallet_total, partner.discipline_abc_revenue
            if not total:
                partner.discipline_wallet_share = 0.0
                partner.discipline_upsell_potential = 0.0
                partner.discipline_wallet_potential = partner.discipline_crosssell_potential or 0.0
                continue
            # our revenue may outgrow an old estimate: the share stops at 100 % until the estimate is renewed
            partner.discipline_wallet_share = min(100.0, 100.0 * ours / total)
            partner.discipline_upsell_potential = max(0.0, total - ours)
            partner.discipline_wallet_potential = partner.discipline_upsell_potential + (
                partner.discipline_crosssell_potential or 0.0
            )

    @api.constrains(*WALLET_INPUTS)
    def _check_discipline_wallet(self):
        for partner in self:
            if partner.discipline_wallet_total < 0 or partner.discipline_crosssell_potential < 0:
                raise ValidationError(
                    self.env._("The purchases and the potential of %(client)s cannot be negative.", client=partner.name)
                )
            ours = partner.discipline_abc_revenue
            if partner.discipline_wallet_total and partner.discipline_wallet_total < ours:
                raise ValidationError(
                    self.env._(
                        "%(client)s bought %(ours)s from us in the window: their total purchases cannot be less.",
                        client=partner.name,
                        ours=formatLang(self.env, ours),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        """An estimate entered with the card is dated too."""
        today = fields.Date.context_today(self)
        vals_list = [
            {**vals, "discipline_wallet_date": today} if any(vals.get(name) for name in WALLET_INPUTS) else vals
            for vals in vals_list
        ]
        return super().create(vals_list)

    def write(self, vals):
        """Each new estimate is dated (the old values stay in the chatter, tracked)."""
        if any(name in vals for name in WALLET_INPUTS):
            vals = {**vals, "discipline_wallet_date": fields.Date.context_today(self)}
        return super().write(vals)

    @api.model
    def _discipline_recompute_abc_xyz(self):
        """Our revenue of the window changes with the recompute, in SQL: the cards with an estimate (entered by
        hand, so few) recompute their share and potential from it."""
        changed = super()._discipline_recompute_abc_xyz()
        estimated = (
            self.sudo()
            .with_context(active_test=False)
            .search(["|", ("discipline_wallet_total", ">", 0), ("discipline_crosssell_potential", ">", 0)])
        )
        estimated.modified(["discipline_abc_revenue"])
        estimated.flush_recordset(
            ["discipline_wallet_share", "discipline_upsell_potential", "discipline_wallet_potential"]
        )
        return changed
