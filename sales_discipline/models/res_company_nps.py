from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

NPS_SENDING = [
    ("off", "Off"),
    ("won", "After won deals"),
    ("won_periodic", "After won deals and periodically to active clients"),
]
NPS_INVITATION_BATCH = 200


class ResCompany(models.Model):
    """NP-1, NP-2, NP-3: which NPS survey the company sends, when (a delay after a won deal, at most once per client
    per period, and periodically to active clients), who follows a detractor up where a team has no lead, and the
    bands of the NPS figures. A new install sends nothing until the discipline administrator switches it on: a live
    company's clients do not get surveys by surprise."""

    # one file per capability of res.company (house style), merged by the registry
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    discipline_nps_sending = fields.Selection(
        NPS_SENDING,
        string="NPS Invitations",
        default="off",
        required=True,
        help="Email the NPS survey to the client's contact after a won deal, and also periodically to the active "
        "clients.",
    )
    discipline_nps_survey_id = fields.Many2one(
        "survey.survey",
        string="NPS Survey",
        domain="[('has_nps_question', '=', True)]",
        help="The survey sent; the shipped NPS survey where none is set.",
    )
    discipline_nps_delay_days = fields.Integer(
        string="Send After a Won Deal (days)", default=3, help="Days between the won deal and the invitation."
    )
    discipline_nps_interval_days = fields.Integer(
        string="Ask a Client At Most Every (days)",
        default=90,
        help="A client gets one invitation per period, whatever the number of won deals; the periodic survey of "
        "active clients uses the same period.",
    )
    discipline_nps_follow_up_days = fields.Integer(
        string="Detractor Follow-up Within (days)", default=1, help="Deadline of the follow-up of a detractor."
    )
    discipline_head_of_sales_id = fields.Many2one(
        "res.users",
        string="Head of Sales",
        help="Follows up a detractor whose salesperson's team has no team lead.",
    )
    discipline_nps_average_from = fields.Integer(string="Average NPS From", default=11)
    discipline_nps_good_from = fields.Integer(string="Good NPS From", default=45)
    discipline_nps_leader_from = fields.Integer(
        string="Market Leader NPS From", default=50, help="Below the average threshold, the NPS is low."
    )

    @api.constrains(
        "discipline_nps_delay_days",
        "discipline_nps_interval_days",
        "discipline_nps_follow_up_days",
        "discipline_nps_average_from",
        "discipline_nps_good_from",
        "discipline_nps_leader_from",
    )
    def _check_nps_settings(self):
        for company in self:
            if min(company.discipline_nps_delay_days, company.discipline_nps_follow_up_days) < 0:
                raise ValidationError(self.env._("The NPS delays are a number of days, 0 or more."))
            if company.discipline_nps_interval_days < 1:
                raise ValidationError(self.env._("A client is asked for their NPS at most once in 1 day or more."))
            bands = (
                company.discipline_nps_average_from,
                company.discipline_nps_good_from,
                company.discipline_nps_leader_from,
            )
            if not -100 <= bands[0] < bands[1] < bands[2] <= 100:
                raise ValidationError(
                    self.env._("The NPS bands grow from -100 to 100: average, then good, then market leader.")
                )

    @api.model
    def _discipline_policy_fields(self):
        """The discipline administrator sets the NPS invitations and bands with the other policies."""
        return super()._discipline_policy_fields() | {
            "discipline_nps_sending",
            "discipline_nps_survey_id",
            "discipline_nps_delay_days",
            "discipline_nps_interval_days",
            "discipline_nps_follow_up_days",
            "discipline_head_of_sales_id",
            "discipline_nps_average_from",
            "discipline_nps_good_from",
            "discipline_nps_leader_from",
        }

    def _discipline_nps_survey(self):
        self.ensure_one()
        return self.discipline_nps_survey_id or self.env.ref("sales_discipline.survey_nps", raise_if_not_found=False)

    @api.model
    def _cron_discipline_nps_invitations(self, batch_size=NPS_INVITATION_BATCH):
        """NP-1: invite, per company, the clients due for their NPS survey, a batch at a time (the cron is
        retriggered while clients are left)."""
        done = 0
        for company in self.search([("discipline_nps_sending", "!=", "off")]):
            survey = company._discipline_nps_survey()
            if not survey or not survey.active:
                continue
            rows = company._discipline_nps_due(batch_size - done)
            company._discipline_send_nps_invitations(survey, rows)
            done += len(rows)
            if done >= batch_size:
                self.env["ir.cron"]._notify_progress(done=done, remaining=1)
                self.env.ref("sales_discipline.ir_cron_nps_invitations")._trigger()
                return
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)

    def _discipline_nps_due(self, limit):
        """[(client id, contact id, deal id)]: one row per client due, with the contact and the deal of their
        latest won deal of this company (after the delay): within the last period, or at any time for an active
        client when the periodic survey is on. Skipped: contacts without email, blacklisted or opted out, clients
        opted out, and clients invited within the period."""
        self.ensure_one()
        now = fields.Datetime.now()
        ripe = now - timedelta(days=self.discipline_nps_delay_days)
        since = now - timedelta(days=self.discipline_nps_interval_days)
        self.env["crm.lead"].flush_model(["stage_id", "date_closed", "partner_id", "active", "type", "company_id"])
        self.env["res.partner"].flush_model(["email", "email_normalized", "discipline_nps_opt_out", "client_status"])
        self.env["survey.user_input"].flush_model(["nps_invitation", "nps_invitation_date", "client_partner_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (client.id) client.id, contact.id, lead.id
                  FROM crm_lead lead
                  JOIN crm_stage stage ON stage.id = lead.stage_id AND stage.is_won
                  JOIN res_partner contact ON contact.id = lead.partner_id
                  JOIN res_partner client ON client.id = contact.commercial_partner_id
                 WHERE lead.company_id = %(company)s AND lead.active AND lead.type = 'opportunity'
                   AND lead.date_closed <= %(ripe)s
                   AND (lead.date_closed > %(since_ripe)s OR (%(periodic)s AND client.client_status = 'active'))
                   AND COALESCE(contact.email_normalized, '') != ''
                   AND contact.discipline_nps_opt_out IS NOT TRUE AND client.discipline_nps_opt_out IS NOT TRUE
                   AND NOT EXISTS (SELECT 1 FROM mail_blacklist bl
                                    WHERE bl.active AND bl.email = contact.email_normalized)
                   AND NOT EXISTS (SELECT 1 FROM survey_user_input invitation
                                    WHERE invitation.nps_invitation AND invitation.client_partner_id = client.id
                                      AND invitation.nps_invitation_date > %(since)s)
                 ORDER BY client.id, lead.date_closed DESC, lead.id DESC
                 LIMIT %(limit)s
                """,
                company=self.id,
                ripe=ripe,
                since_ripe=ripe - timedelta(days=self.discipline_nps_interval_days),
                periodic=self.discipline_nps_sending == "won_periodic",
                since=since,
                limit=limit,
            )
        )
        return self.env.cr.fetchall()

    def _discipline_send_nps_invitations(self, survey, rows):
        """Create the survey answers (tokens) of the invitations and queue their emails."""
        if not rows:
            return
        Partner = self.env["res.partner"].sudo()
        now = fields.Datetime.now()
        invitations = self.env["survey.user_input"].sudo()
        for client_id, contact_id, lead_id in rows:
            invitations |= survey.sudo()._create_answer(
                partner=Partner.browse(contact_id),
                check_attempts=False,
                nps_invitation=True,
                nps_invitation_date=now,
                client_partner_id=client_id,
                crm_lead_id=lead_id,
            )
        template = self.env.ref("sales_discipline.mail_template_nps_invitation")
        template.sudo().send_mail_batch(invitations.ids, email_layout_xmlid="mail.mail_notification_light")
