import re

from odoo import api, fields, models, tools

# Stages that describe the client's state rather than a sales step (DL-6).
PASSIVE_STAGE_RE = re.compile(
    r"(думает|размышля|изуча|рассматрива|раздумь|ждём|ждем|thinking|considering|studying|reviewing|pondering|waiting)",
    re.IGNORECASE,
)
# Numeric fields are "missing" when not positive: a deal value of 0 is no value.
NUMERIC_FIELD_TYPES = ("integer", "float", "monetary")


class CrmStage(models.Model):
    """Stages carry the discipline of the deals in them: required data and a maximum stay."""

    _inherit = "crm.stage"

    required_field_ids = fields.Many2many(
        "ir.model.fields",
        "crm_stage_discipline_required_field_rel",
        "stage_id",
        "field_id",
        string="Required Deal Fields",
        domain=[("model", "=", "crm.lead"), ("store", "=", True), ("ttype", "not in", ("boolean", "binary"))],
        help="A deal cannot enter or stay in this stage without these fields; numeric fields must be above zero.",
    )
    max_days = fields.Integer(
        string="Max Days in Stage",
        help="A deal that stays longer in this stage without a recent touch and a near next step is stale. "
        "0 means no limit.",
    )
    looks_passive = fields.Boolean(
        string="Not a Sales Step",
        compute="_compute_looks_passive",
        help="The name describes the client waiting or thinking, which is not a step the salesperson takes.",
    )

    _sql_constraints = [
        ("max_days_not_negative", "CHECK(max_days >= 0)", "The maximum number of days in a stage cannot be negative."),
    ]

    @api.depends("name")
    def _compute_looks_passive(self):
        for stage in self:
            stage.looks_passive = bool(stage.name and PASSIVE_STAGE_RE.search(stage.name))

    @api.onchange("name")
    def _onchange_name_warn_passive(self):
        if self.name and PASSIVE_STAGE_RE.search(self.name):
            return {
                "warning": {
                    "title": self.env._("This is not a sales step"),
                    "message": self.env._(
                        "A stage like “%(name)s” describes the client, not what the salesperson does next. "
                        "Name stages after sales steps (meeting held, proposal sent, terms agreed).",
                        name=self.name,
                    ),
                }
            }
        return None

    def _discipline_required_field_names(self):
        """Required fields of this stage, the deal value included on won stages (a won deal worth 0 is refused)."""
        self.ensure_one()
        return list(self._discipline_required_names_cached(self.id))

    @api.model
    @tools.ormcache("stage_id")
    def _discipline_required_names_cached(self, stage_id):
        # every deal write asks for its stage's requirements: cached until a stage changes
        stage = self.sudo().browse(stage_id)
        names = stage.required_field_ids.mapped("name")
        if stage.is_won and "expected_revenue" not in names:
            names.append("expected_revenue")
        return tuple(names)

    @api.model_create_multi
    def create(self, vals_list):
        """A new stage may be a won one: forget the cached requirements."""
        stages = super().create(vals_list)
        self.env.registry.clear_cache()
        return stages

    def write(self, vals):
        """Forget the cached requirements when a stage's requirements or its won flag change."""
        result = super().write(vals)
        if {"required_field_ids", "is_won"} & set(vals):
            self.env.registry.clear_cache()
        return result
