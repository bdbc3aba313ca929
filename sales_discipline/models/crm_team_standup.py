from odoo import api, fields, models


class CrmTeam(models.Model):
    """SC-3: the stand-up report each sales team receives by email, daily or weekly as its company chose."""

    # one file per capability of crm.team (house style), merged by the registry
    _inherit = "crm.team"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _cron_discipline_send_standups(self):
        """Daily: the teams of the companies whose report is due today receive it, in one batch per language."""
        due_teams = self.search([("member_ids", "!=", False)]).filtered(
            lambda team: (team.company_id or self.env.company)._discipline_standup_due(fields.Date.context_today(self))
        )
        template = self.env.ref("sales_discipline.mail_template_standup", raise_if_not_found=False)
        if template and due_teams:
            template.send_mail_batch(due_teams.ids)
        return due_teams

    def _discipline_standup_rows(self):
        """The stand-up rows of this team, in the days of its leader's time zone (the company's without a leader)."""
        self.ensure_one()
        tz = self.user_id.tz or (self.company_id or self.env.company).partner_id.tz or "UTC"
        return (
            self.env["sales.discipline.standup"]
            .sudo()
            .with_context(tz=tz)
            .search([("team_id", "=", self.id)], order="steps_done desc, user_id")
        )

    def _discipline_standup_recipients(self):
        """The partners of the team's members and leader who have an email address, as the template's ``partner_to``."""
        self.ensure_one()
        partners = (self.member_ids | self.user_id).partner_id.filtered("email")
        return ",".join(str(partner_id) for partner_id in partners.ids)
