from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class SalesDisciplineHandover(models.TransientModel):
    """SE-4, DL-8: hand everything a leaving salesperson owns to colleagues in one step, nothing left behind."""

    _name = "sales.discipline.handover"
    _description = "Hand Over a Salesperson's Deals and Clients"

    from_user_id = fields.Many2one(
        "res.users",
        string="Leaving Salesperson",
        required=True,
        domain="[('share', '=', False)]",
    )
    to_user_ids = fields.Many2many(
        "res.users",
        string="Colleagues",
        required=True,
        domain="[('id', 'in', valid_recipient_ids), ('id', '!=', from_user_id)]",
        help="Clients are shared out between them in turn; each client's deals and steps follow the client. Only "
        "active internal users who belong to a sales team can receive clients.",
    )
    valid_recipient_ids = fields.Many2many(
        "res.users",
        compute="_compute_valid_recipient_ids",
        help="Technical: the users who may be responsible for a client (CL-3), offered as colleagues.",
    )
    note = fields.Text(help="Written on every record handed over.")
    deal_count = fields.Integer(compute="_compute_counts")
    client_count = fields.Integer(compute="_compute_counts")
    activity_count = fields.Integer(compute="_compute_counts")

    @api.depends("from_user_id")
    def _compute_valid_recipient_ids(self):
        """The same definition as the CL-3 check that refuses a handover: members and leaders of active sales teams
        who are active internal users, so the wizard never offers someone it would then refuse."""
        teams = self.env["crm.team"].sudo().search([])
        candidates = teams.crm_team_member_ids.user_id | teams.user_id
        valid = self.env["res.partner"]._discipline_valid_salespeople(candidates)
        for wizard in self:
            wizard.valid_recipient_ids = valid

    @api.depends("from_user_id")
    def _compute_counts(self):
        for wizard in self:
            deals, clients, activities = wizard._handover_scope()
            wizard.deal_count = len(deals)
            wizard.client_count = len(clients)
            wizard.activity_count = len(activities)

    def _handover_scope(self):
        """Open deals, client cards and planned activities (on deals and clients) of the leaving salesperson."""
        self.ensure_one()
        if not self.from_user_id:
            return self.env["crm.lead"], self.env["res.partner"], self.env["mail.activity"]
        user_id = self.from_user_id.id
        deals = self.env["crm.lead"].search([("user_id", "=", user_id), ("stage_id.is_won", "=", False)])
        clients = self.env["res.partner"].search([("user_id", "=", user_id)])
        activities = self.env["mail.activity"].search(
            [("user_id", "=", user_id), ("res_model", "in", ("crm.lead", "res.partner"))]
        )
        return deals, clients, activities

    def _assign_owners(self, deals, clients):
        """Share the clients out in turn; a client's deals go with it; deals without a client are shared too."""
        colleagues = self.to_user_ids.sorted("id")
        owner_of_client = {}
        turn = 0
        for commercial in (clients.commercial_partner_id | deals.partner_id.commercial_partner_id).sorted("id"):
            owner_of_client[commercial.id] = colleagues[turn % len(colleagues)]
            turn += 1
        deal_owner = {}
        for deal in deals.sorted("id"):
            owner = owner_of_client.get(deal.partner_id.commercial_partner_id.id)
            if not owner:
                owner = colleagues[turn % len(colleagues)]
                turn += 1
            deal_owner[deal] = owner
        client_owner = {client: owner_of_client[client.commercial_partner_id.id] for client in clients}
        return deal_owner, client_owner

    def action_hand_over(self):
        """Move deals, clients and planned activities in one transaction and note it on each record."""
        self.ensure_one()
        if self.from_user_id in self.to_user_ids:
            raise UserError(self.env._("The leaving salesperson cannot receive their own deals."))
        deals, clients, activities = self._handover_scope()
        if not (deals or clients or activities):
            raise UserError(
                self.env._("%(user)s owns no open deal, client or planned step.", user=self.from_user_id.name)
            )
        self._check_colleagues_take_clients(clients)
        deal_owner, client_owner = self._assign_owners(deals, clients)
        for owner, owned in self._group_by_owner(deal_owner).items():
            owned.write({"user_id": owner.id})
        for owner, owned in self._group_by_owner(client_owner).items():
            owned.write({"user_id": owner.id})
        self._move_activities(activities, deal_owner, client_owner)
        self._unsubscribe_leaving(deals, clients)
        self._post_notes(deal_owner)
        self._post_notes(client_owner)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(deals)s deals, %(clients)s clients and %(steps)s planned steps handed over.",
                    deals=len(deals),
                    clients=len(clients),
                    steps=len(activities),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _unsubscribe_leaving(self, deals, clients):
        """SE-2: following a card lets a salesperson read it; the leaving one stops following the cards handed
        over (with their contacts) and the deals, so that they keep neither the client base nor its notifications."""
        partner_ids = self.from_user_id.partner_id.ids
        cards = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("commercial_partner_id", "in", clients.commercial_partner_id.ids)])
        )
        for records in (cards, deals):
            records.message_unsubscribe(partner_ids=partner_ids)

    def _check_colleagues_take_clients(self, clients):
        """CL-3 before anything moves: every colleague who may receive a client must be able to be responsible for
        one. Incomplete cards do not stop a handover: changing the salesperson is not editing the card."""
        if not clients.filtered("is_company"):
            return
        Partner = self.env["res.partner"]
        refused = self.to_user_ids - Partner._discipline_valid_salespeople(self.to_user_ids)
        if refused:
            raise UserError(
                self.env._(
                    "%(users)s cannot receive clients: a client's salesperson must be an active internal user "
                    "who belongs to a sales team.",
                    users=", ".join(refused.sudo().mapped("name")),
                )
            )

    @api.model
    def _group_by_owner(self, owner_by_record):
        grouped = {}
        for record, owner in owner_by_record.items():
            grouped[owner] = grouped.get(owner, record.browse()) | record
        return grouped

    def _move_activities(self, activities, deal_owner, client_owner):
        """A planned step follows its record's new owner; a step on a record not handed over is shared in turn."""
        owner_by_key = {("crm.lead", deal.id): owner for deal, owner in deal_owner.items()}
        owner_by_key.update({("res.partner", client.id): owner for client, owner in client_owner.items()})
        colleagues = self.to_user_ids.sorted("id")
        moves = {}
        for index, activity in enumerate(activities.sorted("id")):
            owner = owner_by_key.get((activity.res_model, activity.res_id)) or colleagues[index % len(colleagues)]
            moves[owner] = moves.get(owner, activity.browse()) | activity
        for owner, owned in moves.items():
            owned.write({"user_id": owner.id})

    def _post_notes(self, owner_by_record):
        for record, owner in owner_by_record.items():
            body = self.env._(
                "Handed over from %(old)s to %(new)s by %(user)s.",
                old=self.from_user_id.name,
                new=owner.name,
                user=self.env.user.name,
            )
            if self.note:
                body = Markup("%s<br/>%s") % (body, self.note)
            record.message_post(body=body, subtype_xmlid="mail.mt_note")
