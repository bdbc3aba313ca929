from odoo import api, fields, models, tools

from .rollout import ROLLOUT_FAMILIES, mode_field, mode_selection


class ResCompany(models.Model):
    """Rollout modes of the rule families, per company: off (Odoo's own behaviour), warn (saved, listed as a rule
    warning), enforce (refused). Every change of mode is logged (sales.discipline.rollout.log)."""

    # one file per capability of res.company (house style), merged by the registry
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    discipline_mode_client_cards = mode_selection(
        "Client Cards",
        "Required data on client companies and contact persons, and their responsible salesperson (CL-1 … CL-4).",
    )
    discipline_mode_duplicates = mode_selection(
        "Duplicate Clients",
        "A new client company that matches an existing one by tax ID, phone or email domain and name (CL-5).",
    )
    discipline_mode_deal_data = mode_selection(
        "Deal Data per Stage",
        "The deal type, the data each stage requires and a start date that cannot be moved (DL-1, DL-2, DL-4).",
    )
    discipline_mode_refusal_reasons = mode_selection(
        "Refusal Reasons",
        "A lost deal carries a refusal reason from the catalogue, with its detail where the reason needs one (DL-3).",
    )
    discipline_mode_next_step = mode_selection(
        "Next Step",
        "Every open deal has a planned next step with a goal, dated as precisely as its type requires "
        "(NS-1 … NS-3). In enforce mode, the pipelines whose next-step policy is “Refuse” refuse a deal without one.",
    )
    discipline_mode_tasks = mode_selection(
        "Tasks to Colleagues",
        "A task given to a colleague says what to do and the result expected, and is closed with its result "
        "(TK-1, TK-2).",
    )

    discipline_unassigned_visibility = fields.Selection(
        [
            ("all", "Every salesperson (Odoo's rule)"),
            ("team", "Members of the teams that show them"),
        ],
        string="Unassigned Deals Visible To",
        default="team",
        required=True,
        help="Who among the salespeople (Sales: Own Documents Only) sees the deals nobody is assigned to (SE-2). "
        "A team shows them to its members when its “Members See Unassigned Deals” is set.",
    )
    discipline_client_visibility = fields.Selection(
        [
            ("deals", "Those who may see their deals"),
            ("all", "Every salesperson (Odoo's rule)"),
        ],
        string="Client Cards Visible To",
        default="deals",
        required=True,
        help="Which client cards a salesperson (Sales: Own Documents Only) reads (SE-2). “Those who may see their "
        "deals”: the clients they are responsible for and the clients of the deals they see, with their contact "
        "persons; a team lead also those of the teams they lead. The head of sales reads every card.",
    )

    @api.model
    def _discipline_mode_fields(self):
        return [mode_field(family) for family, _label in ROLLOUT_FAMILIES]

    @api.model
    def _discipline_policy_fields(self):
        """The discipline administrator moves the families from one mode to the next."""
        return super()._discipline_policy_fields() | {
            *self._discipline_mode_fields(),
            "discipline_unassigned_visibility",
            "discipline_client_visibility",
        }

    def _discipline_mode(self, family):
        """This company's mode of ``family``; any user may read it (the rules apply to everyone)."""
        return self._discipline_setting(mode_field(family))

    def _discipline_setting(self, name):
        """This company's rollout mode or visibility setting ``name`` (see _discipline_cached_settings)."""
        self.ensure_one()
        return self._discipline_settings_cached(self.id)[name]

    @api.model
    def _discipline_cached_settings(self):
        return [*self._discipline_mode_fields(), "discipline_unassigned_visibility", "discipline_client_visibility"]

    @api.model
    @tools.ormcache("company_id")
    def _discipline_settings_cached(self, company_id):
        # every save of a deal, a card or a step asks for its company's modes, and every read of a client card
        # for its visibility: cached until one changes (write)
        company = self.sudo().browse(company_id)
        return {name: company[name] for name in self._discipline_cached_settings()}

    @api.model_create_multi
    def create(self, vals_list):
        """A new company starts in the modes and visibility settings of the company it is created from, so that a
        group that already enforces a family does not open a branch where nothing is checked."""
        current = self.env.company.sudo()
        visibility = ["discipline_unassigned_visibility", "discipline_client_visibility"]
        inherited = [*self._discipline_mode_fields(), *visibility]
        for vals in vals_list:
            for name in inherited:
                if name not in vals and current[name]:
                    vals[name] = current[name]
        return super().create(vals_list)

    def write(self, vals):
        """Log every change of mode, with who made it, in the same transaction as the change."""
        changed = [name for name in self._discipline_mode_fields() if name in vals]
        before = {(company.id, name): company[name] for company in self for name in changed}
        result = super().write(vals)
        if set(self._discipline_cached_settings()) & set(vals):
            # the deal rules read the visibility when the rule cache computes them; the settings are cached
            self.env.registry.clear_cache()
        if changed:
            self.env["sales.discipline.rollout.log"]._discipline_log_changes(
                [
                    (company, name.removeprefix("discipline_mode_"), before[(company.id, name)], company[name])
                    for company in self
                    for name in changed
                    if before[(company.id, name)] != company[name]
                ]
            )
        return result
