from odoo import SUPERUSER_ID, api, fields, models, tools
from odoo.osv import expression
from odoo.tools import SQL

SEE_ALL_GROUP = "sales_team.group_sale_salesman_all_leads"
PARTNER_USER_INDEX = "res_partner_discipline_user_idx"


class ReadableCards(SQL):
    """A domain value standing for the cards the user ``uid`` may read as a salesperson: res.partner's
    _condition_to_sql renders it on the card row of the search (its alias is known only there).

    It is an SQL object so that the domain machinery passes it through untouched; rendered by any other model it
    is an empty set."""

    def __init__(self, uid):
        super().__init__("SELECT NULL::int WHERE FALSE")
        self.uid = uid


class ResPartner(models.Model):
    """SE-1, SE-2: client cards follow the deal visibility, so that a salesperson cannot read the whole client base
    with one ``search_read``.

    A salesperson of Odoo's "Own Documents Only" reads, through the record rule
    ``res_partner_rule_salesperson`` (``security/sales_discipline_rules.xml``):

    - the clients they are responsible for, and the clients of every deal they can see (crm's rules decide which
      deals, so the unassigned deals follow the company's setting), each with its contact persons and addresses;
    - a team lead, in addition, the clients of the members and of the teams they lead (their deals are visible
      through the team lead's deal rule);
    - what Odoo needs to keep working: the partners of internal users and of the companies (with their
      addresses), the cards the user created that nobody is responsible for, the cards they follow, the followers
      of the deals they see, and the attendees of the meetings they organise or attend, unless the meeting
      belongs to a deal they may not read.

    The head of sales (and anyone who sees all deals) reads every card, as does everybody where the company's
    "Client Cards Visible To" is Odoo's rule. Users outside Odoo's Sales groups are not concerned.
    """

    # one file per capability of res.partner (house style), merged by the registry
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    discipline_readable = fields.Boolean(
        string="Visible to Me as a Salesperson",
        compute="_compute_discipline_readable",
        search="_search_discipline_readable",
        help="Technical: the card is among those a salesperson may read (SE-2); used by the record rule.",
    )

    def init(self):
        """The rule looks cards up by their responsible salesperson on every search of a salesperson, and Odoo
        does not index that column. Not a field's index, so the uninstall hook drops it."""
        result = super().init()
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON res_partner (user_id) WHERE user_id IS NOT NULL",
                SQL.identifier(PARTNER_USER_INDEX),
            )
        )
        return result

    def _compute_discipline_readable(self):
        """For the record rule's check on records already in hand (read, write): one query for the batch."""
        domain = self._discipline_readable_domain()
        real = self.filtered("id")
        if domain is None:
            self.discipline_readable = True
            return
        readable = set(
            self.sudo().with_context(active_test=False)._search([("id", "in", real.ids), *domain]).get_result_ids()
        )
        for partner in self:
            partner.discipline_readable = not partner.id or partner.id in readable

    def _search_discipline_readable(self, operator, value):
        """For the record rule in searches: a condition the database evaluates with the search itself."""
        if operator not in ("=", "!="):
            return NotImplemented
        domain = self._discipline_readable_domain()
        readable_wanted = (operator == "=") == bool(value)
        if domain is None:
            return expression.TRUE_DOMAIN if readable_wanted else expression.FALSE_DOMAIN
        if readable_wanted:
            return domain
        return [("id", "not in", domain[0][2])]

    @api.model
    def _discipline_readable_domain(self):
        """The cards the current user may read as a salesperson, as a domain evaluated without record rules, or
        ``None`` when they may read every card. The current user is ``env.uid``, which the record rules keep when
        they evaluate a rule as the superuser."""
        uid = self.env.uid
        if uid == SUPERUSER_ID or self.env.company._discipline_setting("discipline_client_visibility") == "all":
            return None
        if self.env["res.users"].sudo().browse(uid)._has_group(SEE_ALL_GROUP):
            return None
        # the user's partner is looked up by the query itself: reading the user here would cost a query per request
        return [("id", "in", ReadableCards(uid))]

    def _condition_to_sql(self, alias, fname, operator, value, query):
        """Render the cards a salesperson may read (see _discipline_readable_domain) as a condition on the card row
        itself: each part is an EXISTS correlated to that row, so reading a page of cards probes indexes card by
        card, and PostgreSQL hashes a part only when a search over many cards makes that cheaper."""
        if fname == "id" and isinstance(value, ReadableCards):
            condition = self._discipline_readable_condition_cached(alias, value.uid)
            return condition if operator == "in" else SQL("(NOT %s)", condition)
        return super()._condition_to_sql(alias, fname, operator, value, query)

    @api.model
    @tools.ormcache("alias", "uid", "tuple(self.env.companies.ids)")
    def _discipline_readable_condition_cached(self, alias, uid):
        """The condition of _discipline_readable_condition, built once per user and set of allowed companies.

        Building it renders crm's deal rules three times, about 0.7 ms of Python on every read of a card. Besides
        the key, it depends only on the user's groups, the record rules and the company's visibility settings, whose
        changes clear the registry's caches (as they clear ir.rule's own cache of the rules' domains); everything
        that changes in the course of work (the teams one leads, deals, followers, meetings) is read by the SQL."""
        return self._discipline_readable_condition(
            alias, uid, SQL("(SELECT partner_id FROM res_users WHERE id = %s)", uid)
        )

    @api.model
    def _discipline_readable_condition(self, alias, uid, partner_id):
        """The cards of the row ``alias`` that the user ``uid`` (partner ``partner_id``, an SQL expression) may read,
        one part per reason listed in the class docstring."""
        card = SQL.identifier(alias)
        return SQL(
            "(%s)%s",
            SQL(" OR ").join(
                [
                    self._discipline_client_of_sql(card, uid),
                    # what they have just created (a contact from the chatter), while nobody is responsible for it
                    SQL(
                        """(%(card)s.create_uid = %(uid)s AND NOT EXISTS (
                                SELECT 1 FROM res_partner commercial
                                 WHERE commercial.id = %(card)s.commercial_partner_id
                                   AND commercial.user_id IS NOT NULL))""",
                        card=card,
                        uid=uid,
                    ),
                    self._discipline_colleague_partners_sql(card),
                    self._discipline_followed_partners_sql(card, uid, partner_id),
                    self._discipline_meeting_attendees_sql(card, uid, partner_id),
                ]
            ),
            self._discipline_readable_to_flush(),
        )

    @api.model
    def _discipline_readable_to_flush(self):
        """The condition is written in SQL: an empty SQL carrying the fields it reads, so that Odoo writes their
        pending changes before the query runs (the ORM flushes what a query's SQL names in ``to_flush``)."""
        read = {
            "res.partner": ["user_id", "commercial_partner_id", "create_uid", "team_id"],
            "res.users": ["partner_id", "share"],
            "res.company": ["partner_id"],
            "crm.lead": ["partner_id"],
            "mail.followers": ["res_model", "res_id", "partner_id"],
            "calendar.event": ["user_id", "opportunity_id", "partner_ids"],
        }
        return SQL("").join(
            SQL("", to_flush=self.env[model]._fields[name])
            for model, names in read.items()
            for name in names
            if name in self.env[model]._fields
        )

    @api.model
    def _discipline_visible_deal_sql(self, uid, link):
        """EXISTS a deal that the user ``uid`` may read (crm's record rules, as they stand) and that satisfies
        ``link``, an SQL condition on the deal row ``crm_lead``."""
        deals = self.env["crm.lead"].with_user(uid).with_context(active_test=False)._search([])
        deals.add_where(link)
        return SQL("EXISTS (%s)", deals.select(SQL("1")))

    @api.model
    def _discipline_client_of_sql(self, card, uid):
        """The card belongs to a client (its commercial entity) of the user: a card of that client has the user,
        or a member or a team the user leads, as responsible, is one of the companies, or is the client of a deal
        the user may read."""
        client = SQL.identifier("discipline_client")
        led_teams = self.env["crm.team"].sudo().with_context(active_test=False)._search([("user_id", "=", uid)])
        led_members = self.env["crm.team.member"].sudo()._search([("crm_team_id", "in", led_teams)])
        responsible = [
            SQL("%s.user_id = %s", client, uid),
            SQL("%s.user_id IN %s", client, led_members.subselect('"crm_team_member"."user_id"')),
            SQL("%s.id IN (SELECT partner_id FROM res_company)", client),
            self._discipline_visible_deal_sql(uid, SQL('"crm_lead"."partner_id" = %s.id', client)),
        ]
        if "team_id" in self._fields:  # the sales team of a card, added by sale
            responsible.append(SQL("%s.team_id IN %s", client, led_teams.subselect()))
        return SQL(
            """EXISTS (SELECT 1 FROM res_partner %(client)s
                        WHERE %(client)s.commercial_partner_id = %(card)s.commercial_partner_id
                          AND (%(responsible)s))""",
            client=client,
            card=card,
            responsible=SQL(" OR ").join(responsible),
        )

    @api.model
    def _discipline_colleague_partners_sql(self, card):
        """The partners of internal users, archived ones included: authors, assignees and followers everywhere."""
        return SQL(
            "EXISTS (SELECT 1 FROM res_users colleague WHERE colleague.partner_id = %s.id AND NOT colleague.share)",
            card,
        )

    @api.model
    def _discipline_followed_partners_sql(self, card, uid, partner_id):
        """The cards the user follows, and the followers of the deals they see (the chatter lists them)."""
        return SQL(
            """(EXISTS (SELECT 1 FROM mail_followers mine
                         WHERE mine.res_model = 'res.partner' AND mine.res_id = %(card)s.id
                           AND mine.partner_id = %(partner)s)
                OR EXISTS (SELECT 1 FROM mail_followers follower
                            WHERE follower.res_model = 'crm.lead' AND follower.partner_id = %(card)s.id
                              AND %(deal)s))""",
            card=card,
            partner=partner_id,
            deal=self._discipline_visible_deal_sql(uid, SQL('"crm_lead"."id" = follower.res_id')),
        )

    @api.model
    def _discipline_meeting_attendees_sql(self, card, uid, partner_id):
        """The attendees of the meetings the user organises or attends, except meetings of deals they may not read
        (calendar_event.py hides those meetings from them)."""
        return SQL(
            """EXISTS (SELECT 1 FROM calendar_event_res_partner_rel attendee
                         JOIN calendar_event event ON event.id = attendee.calendar_event_id
                        WHERE attendee.res_partner_id = %(card)s.id
                          AND (event.user_id = %(uid)s
                               OR EXISTS (SELECT 1 FROM calendar_event_res_partner_rel mine
                                           WHERE mine.calendar_event_id = event.id
                                             AND mine.res_partner_id = %(partner)s))
                          AND (event.opportunity_id IS NULL OR %(deal)s))""",
            card=card,
            uid=uid,
            partner=partner_id,
            deal=self._discipline_visible_deal_sql(uid, SQL('"crm_lead"."id" = event.opportunity_id')),
        )
