from datetime import timedelta

from lxml import etree

from odoo import api, fields, models, tools

from .crm_stage import NUMERIC_FIELD_TYPES

DEAL_TYPES = [
    ("new_sale", "New sale"),
    ("returning", "Returning client"),
    ("expansion", "Assortment expansion"),
    ("promo", "Promotional sale"),
]
# The deal type a new deal gets from its client's status (DL-1).
DEAL_TYPE_BY_CLIENT_STATUS = {"active": "expansion", "lost": "returning", "inquiry": "new_sale"}
# The start date is stamped when the deal is created, within the creating transaction: further apart from its
# creation than a long import lasts, it was moved (DL-4; used to recheck a warning only).
START_DATE_TOLERANCE_SECONDS = 3600


class CrmLead(models.Model):
    """What a deal must carry: its type (DL-1), the data its stage requires (DL-2), a refusal reason from the
    catalogue when lost (DL-3), and a start date that cannot be moved, with its length and the "recorded after
    the fact" flag (DL-4). The problems are collected here; crm_lead.py raises them in one message."""

    # one file per capability of crm.lead (house style), merged by the registry
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    deal_type = fields.Selection(
        DEAL_TYPES,
        compute="_compute_deal_type",
        store=True,
        readonly=False,
        tracking=True,
        index=True,
        help="Why this deal exists: a new client, a client coming back, more products for a current client, "
        "or a promotion.",
    )
    lost_comment = fields.Text(string="Refusal Details", tracking=True)
    lost_stage_id = fields.Many2one("crm.stage", string="Stage at Loss", readonly=True, copy=False, index=True)
    date_started = fields.Datetime(
        string="Start Date",
        readonly=True,
        copy=False,
        index=True,
        default=fields.Datetime.now,
        help="When the deal was recorded; it cannot be changed afterwards.",
    )
    cycle_days = fields.Float(
        string="Deal Length (days)",
        compute="_compute_cycle_days",
        store=True,
        aggregator="avg",
        digits=(16, 1),
    )
    recorded_after_fact = fields.Boolean(
        string="Recorded After the Fact",
        compute="_compute_recorded_after_fact",
        store=True,
        index=True,
        groups="sales_discipline.group_team_lead",
        help="Won or lost so soon after being recorded that the deal was probably entered after it happened.",
    )
    next_stage_requirements = fields.Char(compute="_compute_next_stage_requirements")

    @api.depends("partner_id", "type")
    def _compute_deal_type(self):
        for lead in self:
            if lead.deal_type or lead.type != "opportunity":
                lead.deal_type = lead.deal_type
                continue
            status = lead.partner_id.commercial_partner_id.client_status
            lead.deal_type = DEAL_TYPE_BY_CLIENT_STATUS.get(status, "new_sale")

    @api.depends("date_started", "date_closed")
    def _compute_cycle_days(self):
        for lead in self:
            if lead.date_started and lead.date_closed:
                lead.cycle_days = max((lead.date_closed - lead.date_started).total_seconds() / 86400, 0.0)
            else:
                lead.cycle_days = 0.0

    @api.depends("date_started", "date_closed")
    def _compute_recorded_after_fact(self):
        for lead in self:
            hours = lead.company_id.discipline_backdate_hours or self.env.company.discipline_backdate_hours
            lead.recorded_after_fact = bool(
                hours
                and lead.date_started
                and lead.date_closed
                and lead.date_closed - lead.date_started < timedelta(hours=hours)
            )

    @api.depends("stage_id", "team_id", "expected_revenue", "description", "source_id", "partner_id")
    def _compute_next_stage_requirements(self):
        """The banner of the deal form: what the next stage still needs of this deal, and where each field sits, so
        that the salesperson sees what is missing, not the stage's whole list."""
        next_stages = {}  # one stage look-up per (stage, team), not per deal
        places = None
        for lead in self:
            key = (lead.stage_id, lead.team_id)
            if key not in next_stages:
                next_stages[key] = lead._discipline_next_stage()
            next_stage = next_stages[key]
            names = next_stage._discipline_required_field_names() if next_stage else []
            missing = [name for name in names if name in self._fields and self._discipline_field_missing(lead, name)]
            if not missing:
                lead.next_stage_requirements = False
                continue
            if places is None:
                places = self._discipline_field_places()
            lead.next_stage_requirements = self.env._(
                "To move to %(stage)s, fill in: %(fields)s",
                stage=next_stage.name,
                fields=", ".join(sorted(self._discipline_field_hint(name, places.get(name)) for name in missing)),
            )

    @api.model
    def _discipline_field_places(self):
        """{field name: the tab of the deal form it sits in}, from the form as this user sees it."""
        return self._discipline_field_places_cached()

    @api.model
    @tools.ormcache("self.env.uid", "self.env.lang", cache="templates")
    def _discipline_field_places_cached(self):
        # parsing the form costs ~2 ms at every opening of a deal whose banner shows: cached with the views
        # (cleared when a view or the user's groups change)
        arch = etree.fromstring(self.get_view(view_type="form")["arch"])
        places = {}
        for page in arch.iter("page"):
            for node in page.iter("field"):
                places.setdefault(node.get("name"), page.get("string"))
        return places

    @api.model
    def _discipline_field_hint(self, name, tab):
        label = self._fields[name]._description_string(self.env)
        return self.env._("%(field)s (tab “%(tab)s”)", field=label, tab=tab) if tab else label

    def action_set_lost(self, **additional_values):
        """Archive with the refusal reason in one write, so that the loss is checked together with its reason."""
        values = dict(additional_values)
        if self.env.context.get("discipline_lost_comment"):
            values.setdefault("lost_comment", self.env.context["discipline_lost_comment"])
        self.filtered("active").write({**values, "active": False, "probability": 0, "automated_probability": 0})
        return super().action_set_lost(**values)

    def _discipline_deal_data_problems(self, touched, is_create, moving, moved_start=None):
        """DL-1, DL-2, DL-4: {deal id: [problems]} of the deal type, the stage's required data and the start date;
        None when this save touched none of what they check."""
        checks = [
            self._discipline_deal_type_problems(touched, is_create),
            self._discipline_stage_problems(touched, is_create, moving),
            self._discipline_start_date_problems(moved_start) if moved_start else None,
        ]
        if all(check is None for check in checks):
            return None
        problems = {}
        for check in filter(None, checks):
            for lead_id, texts in check.items():
                problems.setdefault(lead_id, []).extend(texts)
        return problems

    def _discipline_start_date_problems(self, moved):
        """DL-4: the deals among these whose start date was moved (``moved``)."""
        return {
            lead.id: [self.env._("%(deal)s: the start date of a deal cannot be changed.", deal=lead.name)]
            for lead in self & moved
        }

    def _discipline_start_date_moved(self):
        """A start date far from the deal's creation was moved (it is stamped when the deal is created)."""
        self.ensure_one()
        if not (self.date_started and self.create_date):
            return False
        return abs((self.date_started - self.create_date).total_seconds()) > START_DATE_TOLERANCE_SECONDS

    def _discipline_deal_type_problems(self, touched, is_create):
        if not (is_create or {"deal_type", "type"} & touched):
            return None
        return {
            lead.id: [self.env._("%(deal)s: choose the deal type.", deal=lead.name)]
            for lead in self
            if lead.type == "opportunity" and not lead.deal_type
        }

    @api.model
    def _discipline_field_missing(self, lead, name):
        field = self._fields[name]
        value = lead[name]
        if field.type in NUMERIC_FIELD_TYPES:
            return not value or value <= 0
        if field.type == "html":
            return not (value and str(value).strip() and str(value) != "<p><br></p>")
        return not value

    def _discipline_stage_problems(self, touched, is_create, moving):
        """DL-2: the stage's required fields, checked on entry and whenever one of them is edited; None when no deal
        was checked."""
        problems = {}
        checked = False
        for lead in self.filtered(lambda lead: lead.active and lead.type == "opportunity" and lead.stage_id):
            names = lead.stage_id._discipline_required_field_names()
            # a lead turned (back) into an opportunity enters its stage as an opportunity
            if not (is_create or lead in moving or (set(names) | {"type"}) & touched):
                continue
            checked = True
            missing = [name for name in names if name in self._fields and self._discipline_field_missing(lead, name)]
            if missing:
                labels = ", ".join(sorted(self._fields[name]._description_string(self.env) for name in missing))
                problems[lead.id] = [
                    self.env._(
                        "%(deal)s: the stage %(stage)s requires %(fields)s.",
                        deal=lead.name,
                        stage=lead.stage_id.name,
                        fields=labels,
                    )
                ]
        return problems if checked else None

    def _discipline_loss_problems(self, touched):
        """DL-3: a lost deal carries a reason from the catalogue, and its detail where the reason needs one."""
        if not {"active", "lost_reason_id", "lost_comment", "type"} & touched:
            return None
        problems = {}
        for lead in self.filtered(lambda lead: not lead.active and lead.type == "opportunity"):
            if not lead.lost_reason_id:
                problems[lead.id] = [self.env._("%(deal)s: choose the refusal reason.", deal=lead.name)]
            elif lead.lost_reason_id.requires_comment and not (lead.lost_comment or "").strip():
                problems[lead.id] = [
                    self.env._(
                        "%(deal)s: the reason “%(reason)s” needs a detail in the comment.",
                        deal=lead.name,
                        reason=lead.lost_reason_id.name,
                    )
                ]
        return problems

    def _discipline_next_stage(self):
        """The stage after the deal's, as crm's _stage_find finds it (the first of its pipeline by sequence, then
        id, with a higher sequence), from the cached stage ladder: no query on a form's opening."""
        self.ensure_one()
        Stage = self.env["crm.stage"]
        if not self.stage_id:
            return Stage
        ladder = Stage._discipline_stage_ladder(self.team_id.id or 0)
        # the deal's stage is normally on its pipeline's ladder: its sequence and won flag need no read
        current = next((step[1:] for step in ladder if step[0] == self.stage_id.id), None)
        sequence, is_won = current or (self.stage_id.sequence, self.stage_id.is_won)
        if is_won:
            return Stage
        return Stage.browse(next((stage_id for stage_id, rank, _won in ladder if rank > sequence), ()))
