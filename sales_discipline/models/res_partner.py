import re
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

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
# Free mailbox providers: sharing one of these domains says nothing about being the same company.
PUBLIC_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "yandex.ru",
        "ya.ru",
        "rambler.ru",
        "proton.me",
        "protonmail.com",
    }
)
LEGAL_FORM_RE = re.compile(
    r"\b(ооо|оао|зао|пао|ао|ип|нко|llc|ltd|limited|inc|corp|gmbh|sa|sas|srl|bv|plc|co)\b",
    re.IGNORECASE,
)
NON_WORD_RE = re.compile(r"[\W_]+", re.UNICODE)
NON_DIGIT_RE = re.compile(r"\D+")
# Phone numbers are compared on their last digits, so that +7 495 …, 8 (495) … and 495 … match.
PHONE_SIGNIFICANT_DIGITS = 10
PHONE_MIN_DIGITS = 6
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


def normalize_company_name(name):
    """Lower-case the name and drop legal forms, quotes and punctuation."""
    if not name:
        return False
    cleaned = LEGAL_FORM_RE.sub(" ", name.lower().replace("ё", "е"))
    cleaned = NON_WORD_RE.sub("", cleaned)
    return cleaned or False


def normalize_phone(phone):
    digits = NON_DIGIT_RE.sub("", phone or "")
    if len(digits) < PHONE_MIN_DIGITS:
        return False
    return digits[-PHONE_SIGNIFICANT_DIGITS:]


def normalize_vat(vat):
    cleaned = NON_WORD_RE.sub("", (vat or "").upper())
    return cleaned or False


def email_domain(email):
    if not email or "@" not in email:
        return False
    domain = email.strip().rsplit("@", 1)[1].strip(" >").lower()
    if not domain or domain in PUBLIC_EMAIL_DOMAINS:
        return False
    return domain


class ResPartner(models.Model):
    """Client cards under discipline: required data, no duplicates, a computed client status."""

    _inherit = "res.partner"

    client_type = fields.Selection(CLIENT_TYPES, tracking=True)
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
    vat_normalized = fields.Char(compute="_compute_normalized_keys", store=True, index=True)
    phone_normalized = fields.Char(compute="_compute_normalized_keys", store=True, index=True)
    email_domain = fields.Char(compute="_compute_normalized_keys", store=True, index=True)
    name_normalized = fields.Char(compute="_compute_normalized_keys", store=True)
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

    @api.depends("vat", "phone", "mobile", "email", "name", "is_company")
    def _compute_normalized_keys(self):
        for partner in self:
            partner.vat_normalized = normalize_vat(partner.vat)
            partner.phone_normalized = normalize_phone(partner.phone) or normalize_phone(partner.mobile)
            partner.email_domain = email_domain(partner.email)
            partner.name_normalized = normalize_company_name(partner.name)

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
        partners = super().create(vals_list)
        scoped = partners._discipline_in_scope(new=True)
        unattended = self.env.cr.cache.get(UNATTENDED_CARDS_KEY)
        if not self._discipline_skips_policy():
            if not unattended:
                scoped._discipline_enforce(scoped._discipline_card_fields())
            elif unattended[0] == FROM_EMAILS:
                # people met in emails are recorded as they come; a company is still a client card
                companies = scoped.filtered("is_company")
                companies._discipline_enforce(companies._discipline_card_fields())
            else:
                # crm knows a name and an email, not the client's data: only what it does say is checked
                scoped._discipline_enforce(scoped._discipline_card_fields(), only_fields=frozenset())
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
        fields_ |= {"is_company", "parent_id", "type", "user_id", "vat", "phone", "mobile", "email", "name"}
        return fields_

    def _discipline_card_fields(self):
        """Every field name a new card could be refused on."""
        return self._discipline_watched_fields()

    def _discipline_in_scope(self, new=False):
        """Client companies and contact persons; not the partners of users, of companies, nor addresses.

        New partners cannot belong to a user or a company yet: Odoo creates those through res.users and
        res.company, which mark them exempt, so the look-ups are only needed for existing partners.
        """
        exempt_context = self.env.context.get("discipline_policy_exempt") and self.env.user.has_group(
            "base.group_erp_manager"
        )
        if exempt_context:
            return self.browse()
        candidates = self.filtered(lambda p: p.is_company or p.type == "contact")
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

    def _discipline_enforce(self, touched, only_fields=None):
        """Raise one message that names, for each refused card, every missing field and every broken rule.

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
        problems = []
        for partner in self:
            missing = partner._discipline_missing_fields()
            if only_fields is not None:
                missing = [name for name in missing if name in only_fields]
            if missing:
                problems.append(
                    self.env._(
                        "%(card)s: fill in %(fields)s.",
                        card=partner.display_name or self.env._("New card"),
                        fields=partner._discipline_missing_labels(missing),
                    )
                )
        problems += self.filtered("is_company")._discipline_salesperson_problems()
        if problems:
            raise ValidationError(
                self.env._("The client card cannot be saved:\n%(problems)s", problems="\n".join(problems))
            )
        if touched & {"vat", "phone", "mobile", "email", "name", "is_company"}:
            self.filtered("is_company")._discipline_check_duplicates()

    def _discipline_salesperson_problems(self):
        """CL-3: the responsible salesperson is an active internal user who belongs to a sales team."""
        users = self.user_id
        if not users:
            return []
        valid = self._discipline_valid_salespeople(users)
        problems = []
        for partner in self.filtered("user_id"):
            user = partner.user_id.sudo()
            if user not in valid:
                problems.append(
                    self.env._(
                        "%(card)s: the responsible salesperson %(user)s must be an active internal user "
                        "who belongs to a sales team.",
                        card=partner.display_name,
                        user=user.name,
                    )
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

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def _discipline_duplicate_keys(self):
        """The normalised keys of these companies, computed in Python: no flush is needed before matching."""
        return {
            partner.id: {
                "vat": normalize_vat(partner.vat),
                "phone": normalize_phone(partner.phone) or normalize_phone(partner.mobile),
                "email": email_domain(partner.email),
                "name": normalize_company_name(partner.name),
                "company": partner.company_id.id,
            }
            for partner in self
        }

    @api.model
    def _discipline_same_client(self, keys, other, criterion):
        if keys["company"] and other["company"] and keys["company"] != other["company"]:
            return False
        if criterion != "email":
            return keys[criterion] == other[criterion]
        names = (keys["name"] or "", other["name"] or "")
        return keys["email"] == other["email"] and all(names) and (names[0] in names[1] or names[1] in names[0])

    def _discipline_find_duplicates(self):
        """Return {partner id: (existing id, criterion)}: one query on the indexed normalised columns, only for the
        keys these companies have, plus a comparison within the batch (an import of two rows for one client)."""
        if not self:
            return {}
        keys = self._discipline_duplicate_keys()
        branches = []
        for criterion, column in (("vat", "vat_normalized"), ("phone", "phone_normalized"), ("email", "email_domain")):
            values = sorted({k[criterion] for k in keys.values() if k[criterion]})
            if values:
                branches.append(
                    SQL(
                        "SELECT id, %s, vat_normalized, phone_normalized, email_domain, name_normalized, company_id "
                        "FROM res_partner WHERE %s = ANY(%s) AND is_company AND active AND id <> ALL(%s)",
                        criterion,
                        SQL.identifier(column),
                        values,
                        self.ids,
                    )
                )
        candidates = []
        if branches:
            # other cards may have pending changes (archived, edited) in this transaction
            self.env["res.partner"].flush_model(
                ["active", "is_company", "company_id", "vat_normalized", "phone_normalized", "email_domain"]
            )
            self.env.cr.execute(SQL(" UNION ALL ").join(branches))
            candidates = [
                (row[0], row[1], {"vat": row[2], "phone": row[3], "email": row[4], "name": row[5], "company": row[6]})
                for row in self.env.cr.fetchall()
            ]
        # earlier rows of the same batch count as existing clients for the later ones
        ordered = self.sorted("id")
        duplicates = {}
        for index, partner in enumerate(ordered):
            own = keys[partner.id]
            pool = candidates + [
                (earlier.id, criterion, keys[earlier.id])
                for earlier in ordered[:index]
                for criterion in ("vat", "phone", "email")
            ]
            matches = sorted(
                (existing_id, criterion)
                for existing_id, criterion, other in pool
                if own[criterion] and self._discipline_same_client(own, other, criterion)
            )
            if matches:
                order = ("vat", "phone", "email")
                best = min(matches, key=lambda match: (order.index(match[1]), match[0]))
                duplicates[partner.id] = best
        return duplicates

    def _discipline_check_duplicates(self):
        duplicates = self._discipline_find_duplicates()
        if not duplicates:
            return
        criteria = {
            "vat": self.env._("tax ID"),
            "phone": self.env._("phone"),
            "email": self.env._("email domain and name"),
        }
        existing = self.browse([existing_id for existing_id, _criterion in duplicates.values()]).sudo()
        names = {partner.id: partner.display_name for partner in existing}
        if self._discipline_bypass_requested("sales_discipline_allow_duplicate"):
            for partner in self.filtered(lambda p: p.id in duplicates):
                existing_id, criterion = duplicates[partner.id]
                partner.message_post(
                    body=self.env._(
                        "Saved as a deliberate duplicate of %(existing)s (#%(id)s, same %(criterion)s) by %(user)s.",
                        existing=names[existing_id],
                        id=existing_id,
                        criterion=criteria[criterion],
                        user=self.env.user.name,
                    )
                )
            return
        lines = []
        for partner in self.filtered(lambda p: p.id in duplicates):
            existing_id, criterion = duplicates[partner.id]
            lines.append(
                self.env._(
                    "%(card)s duplicates the existing client %(existing)s (#%(id)s): same %(criterion)s. "
                    "Open the existing card instead.",
                    card=partner.display_name,
                    existing=names[existing_id],
                    id=existing_id,
                    criterion=criteria[criterion],
                )
            )
        raise ValidationError("\n".join(lines))

    # ------------------------------------------------------------------
    # Completeness and status
    # ------------------------------------------------------------------

    def _discipline_refresh_completeness(self):
        """Store, per card, what the policy finds missing, so that incomplete cards can be listed and filtered."""
        self._discipline_in_scope()._discipline_store_completeness()

    @api.model
    def _discipline_mark_completeness_outdated(self, companies):
        """Mark the cards the policies of ``companies`` apply to (theirs and the shared ones) in one statement, and
        wake the completeness cron: a policy change never recomputes the client base inside the request."""
        self.flush_model(["company_id", "is_company", "type", "discipline_completeness_outdated"])
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner SET discipline_completeness_outdated = TRUE
                    WHERE (company_id IS NULL OR company_id = ANY(%(companies)s))
                      AND (is_company OR type = 'contact')
                      AND discipline_completeness_outdated IS NOT TRUE""",
                companies=companies.ids,
            )
        )
        self.invalidate_model(["discipline_completeness_outdated"])
        cron = self.env.ref("sales_discipline.ir_cron_refresh_completeness", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _discipline_store_completeness(self):
        updates = {}
        for partner in self:
            required = partner._discipline_required_fields()
            missing = partner._discipline_missing_fields()
            percent = round(100 * (len(required) - len(missing)) / len(required)) if required else 100
            key = (",".join(missing) or False, percent)
            if (partner.missing_field_names, partner.data_completeness) != key:
                updates.setdefault(key, []).append(partner.id)
        for (missing, percent), ids in updates.items():
            self.browse(ids).sudo().write(
                {"missing_field_names": missing, "data_completeness": percent, "is_data_complete": not missing}
            )

    def _discipline_refresh_client_status(self):
        """Compute Active / Lost / Inquiry from won deals (and confirmed sale orders) for these commercial partners."""
        commercial = self.commercial_partner_id
        if not commercial:
            return
        last_dates = commercial._discipline_last_purchase_dates()
        today = fields.Date.context_today(self)
        groups = {}
        for company in commercial.company_id | self.env.company:
            threshold = today - timedelta(days=company.discipline_client_active_days)
            for partner in commercial.filtered(lambda p, c=company: (p.company_id or self.env.company) == c):
                last = last_dates.get(partner.id)
                if not last:
                    status = "inquiry"
                elif last >= threshold:
                    status = "active"
                else:
                    status = "lost"
                groups.setdefault((status, last or False), []).append(partner.id)
        for (status, last), ids in groups.items():
            self.browse(ids).sudo().write(
                {"client_status": status, "last_purchase_date": last, "client_status_date": today}
            )

    def _discipline_last_purchase_dates(self):
        """Last won deal (or confirmed sale order, when Sales is installed) per commercial partner."""
        partners = self._discipline_client_partners()
        commercial_of = {p.id: p.commercial_partner_id.id for p in partners}
        last_dates = {}

        def merge(partner_id, moment):
            key = commercial_of.get(partner_id)
            if key and moment:
                day = fields.Date.to_date(moment)
                if last_dates.get(key) is None or day > last_dates[key]:
                    last_dates[key] = day

        won = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [("partner_id", "in", partners.ids), ("stage_id.is_won", "=", True)],
                groupby=["partner_id"],
                aggregates=["date_closed:max"],
            )
        )
        for partner, moment in won:
            merge(partner.id, moment)
        if "sale.order" in self.env:
            orders = (
                self.env["sale.order"]
                .sudo()
                ._read_group(
                    [("partner_id", "in", partners.ids), ("state", "=", "sale")],
                    groupby=["partner_id"],
                    aggregates=["date_order:max"],
                )
            )
            for partner, moment in orders:
                merge(partner.id, moment)
        return last_dates

    @api.model
    def _cron_discipline_refresh_clients(self, batch_size=STATUS_REFRESH_BATCH):
        """Daily: refresh the client status in batches, reporting progress to the scheduler."""
        today = fields.Date.context_today(self)
        domain = [
            ("parent_id", "=", False),
            "|",
            ("client_status_date", "=", False),
            ("client_status_date", "<", today),
        ]
        todo = self.search(domain, limit=batch_size, order="id")
        todo._discipline_refresh_client_status()
        remaining = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(todo), remaining=remaining)
        return remaining

    @api.model
    def _cron_discipline_refresh_completeness(self, batch_size=COMPLETENESS_REFRESH_BATCH):
        """Recompute, batch by batch, the completeness of the cards marked by a policy change or at install."""
        Partner = self.with_context(active_test=False)
        domain = [("discipline_completeness_outdated", "=", True)]
        todo = Partner.search(domain, limit=batch_size, order="id")
        todo._discipline_refresh_completeness()
        if todo:
            # a technical flag: cleared without touching the cards' write date
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET discipline_completeness_outdated = FALSE WHERE id = ANY(%s)",
                    todo.ids,
                )
            )
            todo.invalidate_recordset(["discipline_completeness_outdated"])
        remaining = Partner.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(todo), remaining=remaining)
        return remaining

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_won_deals(self):
        """Open the won deals of the client and of its contacts."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action["domain"] = [
            ("partner_id", "in", self.commercial_partner_id._discipline_client_partners().ids),
            ("stage_id.is_won", "=", True),
        ]
        action["context"] = {"create": False}
        return action

    def action_add_to_winback(self):
        """RO-6: put lost clients on the win-back list, remembering who lost them."""
        not_lost = self.filtered(lambda p: p.commercial_partner_id.client_status != "lost")
        if not_lost:
            raise UserError(
                self.env._(
                    "Only lost clients go on the win-back list: %(clients)s.",
                    clients=", ".join(not_lost.mapped("display_name")),
                )
            )
        for lost_by, partners in self.grouped("user_id").items():
            partners.write({"winback_listed": True, "winback_lost_by_id": lost_by.id})
        return True

    def action_start_winback(self):
        """Open a win-back deal for the client, owned by a hunter other than the salesperson who lost it."""
        self.ensure_one()
        if not self.winback_listed:
            raise UserError(self.env._("Put %(client)s on the win-back list first.", client=self.display_name))
        team, owner = self._discipline_winback_owner()
        if not owner:
            raise UserError(
                self.env._(
                    "No sales team has a hunter other than %(user)s to win %(client)s back.",
                    user=self.winback_lost_by_id.name,
                    client=self.display_name,
                )
            )
        deal = self.env["crm.lead"].create(
            {
                "name": self.env._("Win-back: %(client)s", client=self.name),
                "type": "opportunity",
                "partner_id": self.id,
                "team_id": team.id,
                "deal_type": "returning",
                "winback_excluded_user_id": self.winback_lost_by_id.id,
                "user_id": owner.id,
                "next_step_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "next_step_goal": self.env._("Find out why the client left and agree a meeting"),
                "next_step_deadline": fields.Date.context_today(self) + timedelta(days=1),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": deal.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _discipline_winback_owner(self):
        """The team of the client's last deal if it has a hunter other than who lost the client, else the first
        pipeline that has one (a client lost by a farmer is won back by the hunters); and that hunter."""
        self.ensure_one()
        last_deal = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(
                [("partner_id", "child_of", self.commercial_partner_id.id), ("team_id", "!=", False)],
                order="id desc",
                limit=1,
            )
        )
        teams = last_deal.team_id | self.env["crm.team"].search(
            [("use_opportunities", "=", True), ("company_id", "in", [False, self.env.company.id])], order="sequence"
        )
        Lead = self.env["crm.lead"]
        for team in teams:
            owner = Lead._discipline_pick_owner(team, "hunter", excluded_user=self.winback_lost_by_id)
            if owner:
                return team, owner
        return self.env["crm.team"], self.env["res.users"]
