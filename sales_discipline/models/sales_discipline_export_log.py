import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.modules.registry import Registry

_logger = logging.getLogger(__name__)
# Refused attempts of one user on one model through one route within this window add up on one row, so that a
# script retrying an export cannot flood the log.
REFUSED_WINDOW = timedelta(minutes=1)

EXPORT_ROUTES = [
    ("rpc", "export_data call"),
    ("list", "List export"),
    ("grouped", "Grouped list export"),
    ("pivot", "Pivot XLSX export"),
    ("report", "Sales discipline report"),
    ("vcard", "Contact cards (vCard)"),
]


class SalesDisciplineExportLog(models.Model):
    """Audit trail of every bulk export and every refused attempt, so the head of sales sees who took what."""

    _name = "sales.discipline.export.log"
    _description = "Export Audit Log"
    _order = "id desc"
    _rec_name = "model_name"

    user_id = fields.Many2one("res.users", readonly=True, index=True, ondelete="set null")
    user_name = fields.Char(readonly=True, help="Kept even if the user is deleted later.")
    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="set null")
    model_name = fields.Char(string="Model", readonly=True, index=True)
    record_count = fields.Integer(string="Records", readonly=True)
    route = fields.Selection(EXPORT_ROUTES, readonly=True, index=True)
    allowed = fields.Boolean(readonly=True, index=True)
    attempts = fields.Integer(
        default=1, readonly=True, help="Refused attempts within a minute of the first one are counted on one row."
    )
    create_date = fields.Datetime(string="When", readonly=True)

    @api.model
    def _discipline_log(self, model_name, record_count, route, allowed):
        """Log an export in the current transaction; a refused one is logged after the rollback its refusal causes."""
        values = {
            "user_id": self.env.uid,
            "user_name": self.env.user.name,
            "company_id": self.env.company.id,
            "model_name": model_name,
            "record_count": record_count,
            "route": route,
            "allowed": allowed,
        }
        if allowed:
            self.sudo().create(values)
            return
        dbname = self.env.cr.dbname
        self.env.cr.postrollback.add(lambda: self._discipline_log_after_rollback(dbname, values))

    @api.model
    def _discipline_log_after_rollback(self, dbname, values):
        try:
            with Registry(dbname).cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                if not env["res.users"].browse(values["user_id"]).exists():
                    values = dict(values, user_id=False)
                if not env["res.company"].browse(values["company_id"]).exists():
                    values = dict(values, company_id=False)
                env["sales.discipline.export.log"]._discipline_add_refusal(values)
        except Exception:
            _logger.exception("Could not log the refused export of %s by %s", values["model_name"], values["user_name"])

    @api.model
    def _discipline_add_refusal(self, values):
        """Count a refused attempt on the row of the same user, model and route opened within the last minute, or
        open one."""
        recent = self.search(
            [
                ("user_id", "=", values["user_id"] or False),
                ("model_name", "=", values["model_name"]),
                ("route", "=", values["route"]),
                ("allowed", "=", False),
                ("create_date", ">=", fields.Datetime.now() - REFUSED_WINDOW),
            ],
            order="id desc",
            limit=1,
        )
        if recent:
            recent.write(
                {"attempts": recent.attempts + 1, "record_count": max(recent.record_count, values["record_count"])}
            )
        else:
            self.create(values)
