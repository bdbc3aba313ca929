from odoo import SUPERUSER_ID, api, fields, models
from odoo.osv import expression
from odoo.tools import SQL

SEE_ALL_GROUP = "sales_team.group_sale_salesman_all_leads"
PARTNER_USER_INDEX = "res_partner_discipline_user_idx"


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
        readable = self.sudo().with_context(active_test=False)._search(domain)
        return [("id", "in" if readable_wanted else "not in", readable)]

    @api.model
    def _discipline_readable_domain(self):
        """The cards the current user may read as a salesperson, as a domain evaluated without record rules, or
        ``None`` when they may read every card. The current user is ``env.uid``, which the record rules keep when
        they evaluate a rule as the superuser."""
        uid = self.env.uid
        if uid == SUPERUSER_ID or self.env.company.sudo().discipline_client_visibility == "all":
            return None
        user = self.env["res.users"].sudo().browse(uid)
        if user._has_group(SEE_ALL_GROUP):
            return None
        Partner = self.sudo().with_context(active_test=False)
        visible_deals = self.env["crm.lead"].with_user(uid).with_context(active_test=False)._search([])
        own = [("user_id", "=", uid)]
        led_teams = self.env["crm.team"].sudo().with_context(active_test=False)._search([("user_id", "=", uid)])
        led_members = self.env["crm.team.member"].sudo()._search([("crm_team_id", "in", led_teams)])
        own = expression.OR([own, [("user_id", "in", led_members.subselect('"crm_team_member"."user_id"'))]])
        if "team_id" in self._fields:  # the sales team of a card, added by sale
            own = expression.OR([own, [("team_id", "in", led_teams)]])
        clients = Partner._search(
            expression.OR(
                [
                    own,
                    [("id", "in", visible_deals.subselect('"crm_lead"."partner_id"'))],
                    [("id", "in", self.env["res.company"].sudo()._search([]).subselect('"res_company"."partner_id"'))],
                ]
            )
        )
        return expression.OR(
            [
                [("commercial_partner_id", "in", clients.subselect('"res_partner"."commercial_partner_id"'))],
                # what they have just created (a contact from the chatter), while nobody is responsible for it
                [("create_uid", "=", uid), ("commercial_partner_id.user_id", "=", False)],
                [("id", "in", self._discipline_colleague_partners_sql())],
                [("id", "in", self._discipline_followed_partners_sql(user.partner_id.id, visible_deals))],
                [("id", "in", self._discipline_meeting_attendees_sql(uid, user.partner_id.id, visible_deals))],
            ]
        )

    @api.model
    def _discipline_colleague_partners_sql(self):
        """The partners of internal users, archived ones included: authors, assignees and followers everywhere."""
        return SQL("(SELECT partner_id FROM res_users WHERE NOT share)")

    @api.model
    def _discipline_followed_partners_sql(self, partner_id, visible_deals):
        """The cards the user follows, and the followers of the deals they see (the chatter lists them)."""
        return SQL(
            """(SELECT res_id FROM mail_followers WHERE res_model = 'res.partner' AND partner_id = %(partner)s
                UNION ALL
                SELECT partner_id FROM mail_followers WHERE res_model = 'crm.lead' AND res_id IN %(deals)s)""",
            partner=partner_id,
            deals=visible_deals.subselect(),
        )

    @api.model
    def _discipline_meeting_attendees_sql(self, uid, partner_id, visible_deals):
        """The attendees of the meetings the user organises or attends, except meetings of deals they may not read
        (calendar_event.py hides those meetings from them)."""
        return SQL(
            """(SELECT attendee.res_partner_id
                  FROM calendar_event_res_partner_rel attendee
                  JOIN calendar_event event ON event.id = attendee.calendar_event_id
                 WHERE (event.user_id = %(uid)s
                        OR event.id IN (SELECT calendar_event_id FROM calendar_event_res_partner_rel
                                         WHERE res_partner_id = %(partner)s))
                   AND (event.opportunity_id IS NULL OR event.opportunity_id IN %(deals)s))""",
            uid=uid,
            partner=partner_id,
            deals=visible_deals.subselect(),
        )
