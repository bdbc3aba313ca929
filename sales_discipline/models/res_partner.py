from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .partner_keys import check_raw_values
from .rollout import warned_flag

CLIENT_STATUSES = [
    ("active", "Active"),
    ("lost", "Lost"),
    ("inquiry", "Inquiry"),
]
CLIENT_TYPES = [
    ("end_customer", "End customer"),
    ("reseller", "Reseller"),
    ("distributor", "Distributor"),
    ("partner", "Partner"),
]
COMPANY_SIZES = [
    ("micro", "1-10 employees"),
    ("small", "11-50 employees"),
    ("medium", "51-250 employees"),
    ("large", "251-1000 employees"),
    ("enterprise", "Over 1000 employees"),
]
STATUS_REFRESH_BATCH = 1000
COMPLETENESS_REFRESH_BATCH = 1000
# Set on the cursor (not in the context, which an RPC caller controls) while Odoo builds cards that cannot be
# completed where they are made: contacts from email addresses in the chatter, customers from a lead's data.
UNATTENDED_CARDS_KEY = "sales_discipline_unattended_cards"
FROM_EMAILS = "emails"
FROM_LEAD = "lead"
# A write that changes only these fields hands the card to someone else; it does not edit the client's data.
REASSIGNMENT_FIELDS = frozenset({"user_id", "team_id"})
# set while crm copies a deal's email or phone onto its client card (crm.lead._inverse_email_from/_inverse_phone)
DEAL_SYNC_KEY = "sales_discipline_deal_sync"


class ResPartner(models.Model):
    """Client cards under discipline: required data, no duplicates, a computed client status."""

    _inherit = "res.partner"

    client_type = fields.Selection(CLIENT_TYPES, tracking=True)
    discipline_warned = warned_flag()
    acquisition_source_id = fields.Many2one(
        "utm.source",
        string="Acquisition Channel",
        ondelete="restrict",
        tracking=True,
        help="How this client came to us.",
    )
    payment_deferral_days = fields.Integer(
        string="Payment Deferral (days)",
        help="Days of credit granted to the client; 0 means prepayment.",
    )
    company_size = fields.Selection(COMPANY_SIZES)
    client_status = fields.Selection(
        CLIENT_STATUSES,
        default="inquiry",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Active: a won deal within the company's active window. Lost: won deals, none within the "
        "window. Inquiry: never a won deal.",
    )
    client_status_date = fields.Date(
        string="Status Refreshed On",
        readonly=True,
        copy=False,
        index=True,
    )
    last_purchase_date = fields.Date(readonly=True, copy=False)
    data_completeness = fields.Integer(
        string="Data Completeness (%)",
        readonly=True,
        copy=False,
        default=100,
        aggregator="avg",
    )
    is_data_complete = fields.Boolean(
        string="Complete Card",
        readonly=True,
        copy=False,
        default=True,
        index=True,
    )
    missing_field_names = fields.Char(
        readonly=True,
        copy=False,
        help="Technical names of the required fields this card lacks.",
    )
    missing_field_labels = fields.Char(
        string="Missing Data",
        compute="_compute_missing_field_labels",
    )
    discipline_completeness_outdated = fields.Boolean(
        string="Completeness To Recompute",
        readonly=True,
        copy=False,
        help="Set when the client-data policy changed; the completeness cron recomputes the card and clears it.",
    )
    is_decision_maker = fields.Boolean(
        tracking=True,
        help="This contact person decides on purchases at the client; result calls are made to decision makers.",
    )
    winback_listed = fields.Boolean(
        string="On Win-back List",
        tracking=True,
        copy=False,
        help="A lost client we decided to win back (RO-6).",
    )
    winback_lost_by_id = fields.Many2one(
        "res.users",
        string="Lost By",
        copy=False,
        readonly=True,
        help="The salesperson who lost the client: the win-back goes to someone else.",
    )
    won_deal_count = fields.Integer(
        compute="_compute_won_deals",
        groups="sales_team.group_sale_salesman",
    )
    won_amount = fields.Monetary(
        string="Won Revenue",
        compute="_compute_won_deals",
        currency_field="won_currency_id",
        groups="sales_team.group_sale_salesman",
    )
    won_currency_id = fields.Many2one("res.currency", compute="_compute_won_deals")
    last_communication_date = fields.Datetime(
        compute="_compute_communications",
        groups="sales_team.group_sale_salesman",
        help="Last message or logged activity on one of the client's deals.",
    )
    communication_user_ids = fields.Many2many(
        "res.users",
        string="Talked To Us Through",
        compute="_compute_communications",
        groups="sales_team.group_sale_salesman",
        help="Our people who wrote or logged something on the client's deals.",
    )

    def init(self):
        """Partial index serving the completeness cron's search for the cards a policy change marked."""
        result = super().init()
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS res_partner_discipline_completeness_outdated_idx ON res_partner (id) "
                "WHERE discipline_completeness_outdated"
            )
        )
        return result

    @api.depends("missing_field_names")
    def _compute_missing_field_labels(self):
        partner_fields = self._fields
        for partner in self:
            names = (partner.missing_field_names or "").split(",")
            labels = [partner_fields[name]._description_string(self.env) for name in names if name in partner_fields]
            partner.missing_field_labels = ", ".join(sorted(labels))

    def _discipline_client_partners(self):
        """All partners of these commercial entities, archived ones included, in one query."""
        return self.with_context(active_test=False).search([("commercial_partner_id", "in", self.ids)])

    def _compute_won_deals(self):
        commercial = self.commercial_partner_id
        data = self.env["crm.lead"]._read_group(
            [
                ("partner_id", "in", commercial._discipline_client_partners().ids),
                ("stage_id.is_won", "=", True),
            ],
            groupby=["partner_id"],
            aggregates=["__count", "expected_revenue:sum"],
        )
        counts, amounts = {}, {}
        for partner, count, amount in data:
            key = partner.commercial_partner_id.id
            counts[key] = counts.get(key, 0) + count
            amounts[key] = amounts.get(key, 0.0) + amount
        currency = self.env.company.currency_id
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.won_deal_count = counts.get(key, 0)
            partner.won_amount = amounts.get(key, 0.0)
            partner.won_currency_id = currency

    def _compute_communications(self):
        commercial = self.commercial_partner_id
        leads = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("partner_id", "in", commercial._discipline_client_partners().ids)])
        )
        last_dates, authors = {}, {}
        if leads:
            data = (
                self.env["mail.message"]
                .sudo()
                ._read_group(
                    [
                        ("model", "=", "crm.lead"),
                        ("res_id", "in", leads.ids),
                        ("message_type", "in", ("comment", "email", "email_outgoing")),
                        ("author_id.user_ids.share", "=", False),
                    ],
                    groupby=["res_id"],
                    aggregates=["date:max", "author_id:array_agg"],
                )
            )
            lead_partner = {lead.id: lead.partner_id.commercial_partner_id.id for lead in leads}
            for res_id, last_date, author_ids in data:
                key = lead_partner.get(res_id)
                if last_dates.get(key) is None or last_date > last_dates[key]:
                    last_dates[key] = last_date
                authors.setdefault(key, set()).update(author_ids)
        all_authors = self.env["res.partner"].browse({a for ids in authors.values() for a in ids})
        users_by_partner = {}
        for user in all_authors.sudo().user_ids.filtered(lambda u: not u.share):
            users_by_partner.setdefault(user.partner_id.id, self.env["res.users"])
            users_by_partner[user.partner_id.id] |= user
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.last_communication_date = last_dates.get(key, False)
            users = self.env["res.users"]
            for author_id in authors.get(key, ()):
                users |= users_by_partner.get(author_id, self.env["res.users"])
            partner.communication_user_ids = users

    @api.constrains("is_decision_maker", "parent_id", "active")
    def _check_decision_maker_count(self):
        """RO-3: at most a few decision makers per organisation (5 by default, a company setting)."""
        organisations = self.filtered("is_decision_maker").commercial_partner_id
        if not organisations:
            return
        counts = dict(
            self.with_context(active_test=True)._read_group(
                [("commercial_partner_id", "in", organisations.ids), ("is_decision_maker", "=", True)],
                groupby=["commercial_partner_id"],
                aggregates=["__count"],
            )
        )
        for organisation in organisations:
            limit = (organisation.company_id or self.env.company).discipline_max_decision_makers
            if limit and counts.get(organisation, 0) > limit:
                raise ValidationError(
                    self.env._(
                        "%(client)s already has %(limit)s decision makers: an organisation has at most %(limit)s.",
                        client=organisation.display_name,
                        limit=limit,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Refuse incomplete and duplicate client cards, whatever the path (form, RPC, import, quick-create)."""
        check_raw_values(self, vals_list)
        partners = super().create(vals_list)
        scoped = partners._discipline_in_scope(new=True)
        unattended = self.env.cr.cache.get(UNATTENDED_CARDS_KEY)
        if not self._discipline_skips_policy():
            if not unattended:
                scoped._discipline_enforce(scoped._discipline_card_fields(), new=True)
            elif unattended[0] == FROM_EMAILS:
                # people met in emails are recorded as they come; a company is still a client card
                companies = scoped.filtered("is_company")
                companies._discipline_enforce(companies._discipline_card_fields(), new=True)
            else:
                # crm knows a name and an email, not the client's data: only what it does say is checked
                scoped._discipline_enforce(scoped._discipline_card_fields(), only_fields=frozenset(), new=True)
        scoped._discipline_store_completeness()
        if unattended:
            unattended[1].extend(scoped.ids)
        return partners

    @api.model
    def _find_or_create_from_emails(self, emails, additional_values=None):
        """Writing to a new address from a deal's chatter must keep working: the contact is created from the
        email alone (it cannot be completed there) and is listed with the incomplete cards."""
        with self._discipline_unattended_cards(FROM_EMAILS):
            return super()._find_or_create_from_emails(emails, additional_values=additional_values)

    def write(self, vals):
        """Enforce the policy when a card's policy data is edited, so that legacy cards only bite when touched.

        Checked on the result, after ``super()``. A write that only changes the responsible salesperson (a handover,
        a reassignment) does not edit the client's data: only the salesperson rules (CL-3) apply to it, and an
        incomplete card stays listed as incomplete."""
        check_raw_values(self, [vals])
        result = super().write(vals)
        touched = set(vals)
        if touched & self._discipline_watched_fields():
            scoped = self._discipline_in_scope()
            if not self._discipline_skips_policy():
                scoped._discipline_enforce(touched, only_fields=self._discipline_checked_fields(touched))
            scoped._discipline_store_completeness()
        return result

    @api.model
    def _discipline_checked_fields(self, touched):
        """The fields whose absence a write is refused for: all (None) for an edit of the card; the salesperson
        for a reassignment; what crm copies from a deal (email, phone) for that copy, so that editing a deal of
        an old incomplete card keeps working and the card stays listed as incomplete."""
        if touched <= REASSIGNMENT_FIELDS:
            return REASSIGNMENT_FIELDS
        if self.env.cr.cache.get(DEAL_SYNC_KEY):
            return frozenset(touched)
        return None

    @contextmanager
    def _discipline_synced_from_deal(self):
        """Within this block, crm copies a deal's contact data onto its client card (see _discipline_checked_fields).
        The marker is on the cursor, so that no RPC caller can send it."""
        cache = self.env.cr.cache
        previous = cache.get(DEAL_SYNC_KEY)
        cache[DEAL_SYNC_KEY] = True
        try:
            yield
        finally:
            cache[DEAL_SYNC_KEY] = previous

    @contextmanager
    def _discipline_unattended_cards(self, origin):
        """Within this block, cards are created by Odoo from what it knows (``FROM_EMAILS``, ``FROM_LEAD``) and
        saved incomplete; yields the list that collects the ids of the client cards created."""
        cache = self.env.cr.cache
        previous = cache.get(UNATTENDED_CARDS_KEY)
        created = []
        cache[UNATTENDED_CARDS_KEY] = (origin, created)
        try:
            yield created
        finally:
            cache[UNATTENDED_CARDS_KEY] = previous

    # ------------------------------------------------------------------
    # Policy
    # ------------------------------------------------------------------

    def _discipline_skips_policy(self):
        """Automated server flows (module data, crons, mail gateway) run as superuser and are not refused."""
        return self.env.su

    def _discipline_user_is_admin(self):
        return self.env.user.has_group("sales_discipline.group_discipline_admin")

    def _discipline_bypass_requested(self, key):
        """A documented context flag lets a discipline administrator bypass a rule, never anyone else."""
        return bool(self.env.context.get(key)) and self._discipline_user_is_admin()

    @api.model
    def _discipline_watched_fields(self):
        company = self.env.company
        fields_ = set(company._discipline_required_field_names(is_company=True))
        fields_ |= set(company._discipline_required_field_names(is_company=False))
        fields_ |= {"is_company", "company_type", "parent_id", "type", "user_id", "vat", "phone", "mobile", "email"}
        fields_.add("name")
        return fields_

    def _discipline_card_fields(self):
        """Every field name a new card could be refused on."""
        return self._discipline_watched_fields()

    def _discipline_in_scope(self, new=False):
        """Client companies, contact persons and addresses without a client; not the partners of users, of companies,
        nor the addresses of a client.

        New partners cannot belong to a user or a company yet: Odoo creates those through res.users and
        res.company, which mark them exempt, so the look-ups are only needed for existing partners.
        """
        exempt_context = self.env.context.get("discipline_policy_exempt") and self.env.user.has_group(
            "base.group_erp_manager"
        )
        if exempt_context:
            return self.browse()
        # an address (invoice, delivery, other) belongs to its client; one without a client is a card in disguise
        candidates = self.filtered(lambda p: p.is_company or p.type == "contact" or not p.parent_id)
        if not candidates or new:
            return candidates
        exempt_ids = set(
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", candidates.ids)])
            .partner_id.ids
        )
        exempt_ids |= set(self.env["res.company"].sudo().search([("partner_id", "in", candidates.ids)]).partner_id.ids)
        return candidates.filtered(lambda p: p.id not in exempt_ids)

    def _discipline_required_fields(self):
        """The required field names that apply to this card, by its kind and its company's policy."""
        self.ensure_one()
        company = self.company_id or self.env.company
        names = company._discipline_required_field_names(self.is_company)
        return [*names, "user_id"] if self.is_company else names

    def _discipline_missing_fields(self):
        self.ensure_one()
        return [name for name in self._discipline_required_fields() if name in self._fields and not self[name]]

    def _discipline_missing_labels(self, names=None):
        """The labels of the missing fields (or of ``names``), sorted, in the user's language."""
        self.ensure_one()
        names = self._discipline_missing_fields() if names is None else names
        return ", ".join(sorted(self._fields[name]._description_string(self.env) for name in names))

    def _discipline_enforce(self, touched, only_fields=None, new=False):
        """Check these cards in the modes of their companies' rollout: refuse, in one message that names for each
        card every missing field and every broken rule, what "enforce" refuses; record as a rule warning what
        "warn" lets through; skip what is "off".

        ``only_fields`` limits the missing-data check to these fields: a reassignment checks the salesperson only,
        a card crm builds from a lead nothing it cannot know. The salesperson and duplicate rules always apply."""
        if not self:
            return
        if self._discipline_bypass_requested("sales_discipline_bypass"):
            for partner in self:
                partner.message_post(
                    body=self.env._("Client data policy bypassed by %(user)s.", user=self.env.user.name)
                )
            return
        Warning = self.env["sales.discipline.warning"]
        cards = Warning._discipline_in_force("client_cards", self)
        Warning._discipline_settle(
            cards,
            {"client_cards": cards._discipline_card_problems(only_fields)},
            self.env._("The client card cannot be saved:"),
            new=new,
        )
        if touched & {"vat", "phone", "mobile", "email", "name", "is_company", "company_type"}:
            companies = Warning._discipline_in_force("duplicates", self.filtered("is_company"))
            problems = companies._discipline_check_duplicates()
            Warning._discipline_settle(companies, {"duplicates": problems}, "", new=new)

    def _discipline_card_problems(self, only_fields=None):
        """CL-1 … CL-4: {card id: [problems]}, the missing fields (those of ``only_fields`` when given) and the
        salesperson rule (CL-3)."""
        problems = {}
        for partner in self:
            missing = partner._discipline_missing_fields()
            if only_fields is not None:
                missing = [name for name in missing if name in only_fields]
            if missing:
                problems[partner.id] = [
                    self.env._(
                        "%(card)s: fill in %(fields)s.",
                        card=partner.display_name or self.env._("New card"),
                        fields=partner._discipline_missing_labels(missing),
                    )
                ]
        for partner_id, text in self.filtered("is_company")._discipline_salesperson_problems().items():
            problems.setdefault(partner_id, []).append(text)
        return problems

    def _discipline_family_problems(self, family):
        """Every problem of ``family`` these cards have now, whatever was edited: rechecks an open rule warning."""
        if family == "client_cards":
            return self._discipline_card_problems()
        if family == "duplicates":
            return self.filtered("is_company")._discipline_check_duplicates()
        return {}

    def _discipline_warning_owner(self):
        """The salesperson who must fix a rule warning of this card, and their team."""
        self.ensure_one()
        user = self.sudo().user_id
        return user, user.sale_team_id

    def unlink(self):
        """A deleted card takes its rule warnings along."""
        self.env["sales.discipline.warning"]._discipline_forget(self)
        return super().unlink()

    def _discipline_salesperson_problems(self):
        """CL-3: the responsible salesperson is an active internal user who belongs to a sales team; {card id:
        problem} for the cards whose salesperson is not."""
        users = self.user_id
        if not users:
            return {}
        valid = self._discipline_valid_salespeople(users)
        problems = {}
        for partner in self.filtered("user_id"):
            user = partner.user_id.sudo()
            if user not in valid:
                problems[partner.id] = self.env._(
                    "%(card)s: the responsible salesperson %(user)s must be an active internal user "
                    "who belongs to a sales team.",
                    card=partner.display_name,
                    user=user.name,
                )
        return problems

    @api.model
    def _discipline_valid_salespeople(self, users):
        """CL-3: those of ``users`` who may be responsible for a client (active, internal, in an active sales team as
        a member or its leader), in one query."""
        self.env["crm.team.member"].flush_model(["user_id", "active", "crm_team_id"])
        self.env["crm.team"].flush_model(["user_id", "active"])
        self.env.cr.execute(
            SQL(
                """SELECT member.user_id FROM crm_team_member member
                     JOIN crm_team team ON team.id = member.crm_team_id
                    WHERE member.user_id = ANY(%(users)s) AND member.active AND team.active
                    UNION
                   SELECT team.user_id FROM crm_team team WHERE team.user_id = ANY(%(users)s) AND team.active""",
                users=users.ids,
            )
        )
        in_team = {row[0] for row in self.env.cr.fetchall()}
        return users.sudo().filtered(lambda user: user.active and not user.share and user.id in in_team)
