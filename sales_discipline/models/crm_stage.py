import re

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError

# DL-6: words that name the client's waiting or thinking rather than a step the salesperson takes, per language.
# A stage name is passive when it contains one of them as whole words (case ignored, ё read as е), so that
# "Изучение потребностей" (a needs discovery the salesperson leads) stays allowed while "Клиент изучает КП" does not.
PASSIVE_STAGE_WORDS = {
    "en": (
        "thinking",
        "thinks",
        "considering",
        "considers",
        "studying",
        "reviewing",
        "pondering",
        "deciding",
        "hesitating",
        "waiting",
        "awaiting",
        "pending",
        "on hold",
    ),
    "ru": (
        "думает",
        "думают",
        "подумает",
        "подумать",
        "раздумывает",
        "раздумье",
        "размышляет",
        "размышляют",
        "изучает",
        "изучают",
        "рассматривает",
        "рассматривают",
        "на рассмотрении",
        "сомневается",
        "ждем",
        "ждет",
        "ждут",
        "ожидаем",
        "ожидание",
        "в ожидании",
        "пауза",
    ),
}
_WORD_RE = re.compile(r"\w+")


def _words(text):
    return tuple(_WORD_RE.findall(text.casefold().replace("ё", "е")))


_PASSIVE_PHRASES = frozenset(_words(phrase) for phrases in PASSIVE_STAGE_WORDS.values() for phrase in phrases)
_PASSIVE_LENGTHS = frozenset(len(phrase) for phrase in _PASSIVE_PHRASES)


def is_passive_stage_name(name):
    """Whether a stage name describes the client's waiting or thinking (DL-6), in any shipped language."""
    words = _words(name or "")
    return any(
        words[start : start + length] in _PASSIVE_PHRASES
        for length in _PASSIVE_LENGTHS
        for start in range(len(words) - length + 1)
    )


# What entering a stage means for the plans' KPIs (seed 002: technical proposals and contracts prepared).
STAGE_MILESTONES = [("proposal", "Proposal prepared"), ("contract", "Contract prepared")]
DEFAULT_MILESTONES = {
    "crm.stage_lead3": "proposal",  # crm's "Proposition"
    "sales_discipline.crm_stage_new_proposal_sent": "proposal",
    "sales_discipline.crm_stage_new_terms_agreed": "contract",
    "sales_discipline.crm_stage_current_offer_sent": "proposal",
    "sales_discipline.crm_stage_current_order_agreed": "contract",
}

# Numeric fields are "missing" when not positive: a deal value of 0 is no value.
NUMERIC_FIELD_TYPES = ("integer", "float", "monetary")


class CrmStage(models.Model):
    """Stages carry the discipline of the deals in them: required data (DL-2), a maximum stay (DL-5), a name
    that is a sales step (DL-6), guidance for the salesperson: the stage's goal and call script (001 #17), and the
    milestone a deal reaches by entering it, which the plans count (PL-2)."""

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
    goal = fields.Text(
        string="Stage Goal",
        translate=True,
        help="What the salesperson achieves at this stage before moving the deal on; shown on the deal.",
    )
    call_script = fields.Html(
        translate=True,
        sanitize=True,
        help="How to talk to the client at this stage: the questions, the arguments, the next step to sell.",
    )
    milestone = fields.Selection(
        STAGE_MILESTONES,
        help="What a deal has achieved when it enters this stage: the plans count the entries of each salesperson "
        "(proposals and contracts prepared, PL-2) and the days from the deal's start to them.",
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
            stage.looks_passive = is_passive_stage_name(stage.name)

    @api.onchange("name")
    def _onchange_name_warn_passive(self):
        """Early feedback only: the server refuses the name on save."""
        if is_passive_stage_name(self.name):
            return {
                "warning": {
                    "title": self.env._("This is not a sales step"),
                    "message": self.env._(
                        "A stage like “%(name)s” describes the client, not what the salesperson does next, and "
                        "cannot be saved. Name stages after sales steps (meeting held, proposal sent, terms agreed).",
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

    @api.model
    @tools.ormcache()
    def _discipline_teams_with_stages(self):
        """Ids of the sales teams that keep their deals to their own stages (opt-in, DL-7) and have some. Asked on
        every new deal and pipeline view, so cached until a stage is created, moved or deleted, or a team changes."""
        groups = (
            self.sudo()
            .with_context(active_test=False)
            ._read_group([("team_id", "!=", False), ("team_id.discipline_own_stages_only", "=", True)], ["team_id"])
        )
        return frozenset(team.id for (team,) in groups)

    @api.model
    @tools.ormcache("team_id")
    def _discipline_stage_ladder(self, team_id):
        """((stage id, sequence, is won), ...) of the stages a deal of the team ``team_id`` (0 for none) is offered,
        ordered as crm's _stage_find orders them (sequence, id): its pipeline's own stages where it keeps to them
        (DL-7), else crm's (the stages without a team and the team's). Every deal form asks for it (the status bar, the
        next stage's requirements), so cached until a stage is created, moved or deleted, or a team changes."""
        if team_id and team_id in self._discipline_teams_with_stages():
            domain = [("team_id", "=", team_id)]
        elif team_id:
            domain = ["|", ("team_id", "=", False), ("team_id", "=", team_id)]
        else:
            domain = [("team_id", "=", False)]
        stages = self.sudo().search_fetch(domain, ["sequence", "is_won"], order="sequence, id")
        return tuple((stage.id, stage.sequence, stage.is_won) for stage in stages)

    @api.model
    def _discipline_guidance_fields(self):
        return {"goal", "call_script", "milestone"}

    @api.model
    def _discipline_set_default_milestones(self):
        """At install, crm's own stages that mean a milestone get it, where the company still has them and has not
        given them one: a plan counts proposals from the first day."""
        for xmlid, milestone in DEFAULT_MILESTONES.items():
            stage = self.env.ref(xmlid, raise_if_not_found=False)
            if stage and not stage.milestone:
                stage.sudo().milestone = milestone

    def _discipline_check_guidance_rights(self, field_names):
        """The stage guidance and milestones are the department's method (the plans count the milestones): only a
        discipline administrator changes them, even where Odoo lets a sales manager edit stages."""
        if (
            self._discipline_guidance_fields() & set(field_names)
            and not self.env.su
            and not self.env.user.has_group("sales_discipline.group_discipline_admin")
        ):
            raise AccessError(
                self.env._("Only a discipline administrator can change the guidance or the milestone of a stage.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Refuse a new stage whose name is not a sales step, checked on the result so that a default name is
        checked too (DL-6); a new stage may be a won one or a team's own: forget the cached requirements."""
        for vals in vals_list:
            # a form sends its empty fields too: only guidance actually given is checked
            self._discipline_check_guidance_rights([name for name, value in vals.items() if value])
        stages = super().create(vals_list)
        if not self.env.su:  # module data (install, upgrade) keeps its stages: only people are refused
            self._discipline_refuse_passive_names(stages.mapped("name"))
        self.env.registry.clear_cache()
        return stages

    def write(self, vals):
        """Refuse renaming a stage to a name that is not a sales step, checked on the change before it is written:
        a stage that already has such a name (e.g. on a live database at install) keeps it and stays editable
        (DL-6). Forget the cached requirements and stage ladders when a stage's requirements, won flag, pipeline or
        place in the sequence change."""
        self._discipline_check_guidance_rights(vals)
        if "name" in vals and not self.env.su and self.filtered(lambda stage: stage.name != vals["name"]):
            self._discipline_refuse_passive_names([vals["name"]])
        result = super().write(vals)
        if {"required_field_ids", "is_won", "team_id", "sequence"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        """A deleted stage may have been a team's last own stage: forget which teams have stages of their own."""
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    def update_field_translations(self, field_name, translations, source_lang=None):
        """The translation dialog renames a stage in other languages: the same refusal applies there (DL-6)."""
        self._discipline_check_guidance_rights([field_name])
        if field_name == "name" and not self.env.su:
            self._discipline_refuse_passive_names(
                [
                    value
                    for lang, value in translations.items()
                    if isinstance(value, str) and value != self.with_context(lang=lang).name
                ]
            )
        return super().update_field_translations(field_name, translations, source_lang=source_lang)

    @api.model
    def _discipline_refuse_passive_names(self, names):
        """One message naming every stage name that describes the client instead of a sales step (DL-6)."""
        passive = [name for name in dict.fromkeys(names) if is_passive_stage_name(name)]
        if passive:
            raise ValidationError(
                self.env._(
                    "These stage names describe the client waiting or thinking, not a sales step: %(names)s. "
                    "Name stages after what the salesperson achieves (meeting held, proposal sent, terms agreed).",
                    names=", ".join(f"“{name}”" for name in passive),
                )
            )
