import json

from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.safe_eval import safe_eval

from ..report.sales_discipline_xlsx import MAX_ROWS

# Field types a workbook column can hold.
WRITABLE_TYPES = frozenset(
    {
        "char",
        "text",
        "integer",
        "float",
        "monetary",
        "boolean",
        "date",
        "datetime",
        "selection",
        "many2one",
        "many2many",
    }
)
# Models whose lists offer the streamed workbook (the server actions in sales_discipline_xlsx_export_views.xml).
EXPORTED_MODELS = ("crm.lead", "res.partner", "mail.activity", "sales.discipline.client.turnover")


class SalesDisciplineXlsxExport(models.TransientModel):
    """AN-6 and SE-1: one request for a formatted workbook of the records a list shows (its filter, or the rows
    picked in it), under the export policy. The list's *Actions* menu creates it and sends the browser to
    ``/sales_discipline/xlsx/<id>``, which streams the file (report/sales_discipline_xlsx.py). A transient record
    is the user's own: nobody else can download it."""

    _name = "sales.discipline.xlsx.export"
    _description = "Streamed XLSX Export"

    res_model = fields.Char(string="Model", required=True, readonly=True)
    domain = fields.Text(required=True, readonly=True, default="[]")
    active_test = fields.Boolean(default=True, readonly=True)
    title = fields.Char(readonly=True)
    record_count = fields.Integer(readonly=True)

    @api.model
    def _discipline_start(self, model_name, context):
        """The server action's entry: the records picked in the list (``active_ids``), or all those its filter
        matches when "select all" was used; refused and logged for a role the export policy refuses; too many rows
        for one worksheet refused before any work.

        The web client sends the list's filter (``active_domain``) with every action, and for "select all" only the
        first ``web.active_ids_limit`` ids of it: a full batch of ids means the filter is the selection."""
        if model_name not in EXPORTED_MODELS:
            raise UserError(self.env._("This list has no streamed workbook."))
        Model = self.env[model_name].with_context(active_test=context.get("active_test", True))
        active_ids = context.get("active_ids") or []
        limit = int(self.env["ir.config_parameter"].sudo().get_param("web.active_ids_limit", default="20000"))
        if context.get("active_domain") is not None and (not active_ids or len(active_ids) >= limit):
            domain = context["active_domain"]
        else:
            domain = [("id", "in", active_ids)]
        count = Model.search_count(domain)
        self._discipline_check_allowed(model_name, count)
        if count > MAX_ROWS:
            raise UserError(
                self.env._(
                    "%(count)s rows are more than one worksheet holds (%(limit)s): narrow the filter.",
                    count=count,
                    limit=MAX_ROWS,
                )
            )
        export = self.create(
            {
                "res_model": model_name,
                "domain": json.dumps(domain),
                "active_test": context.get("active_test", True),
                "title": self.env["ir.model"]._get(model_name).name,
                "record_count": count,
            }
        )
        return {"type": "ir.actions.act_url", "url": f"/sales_discipline/xlsx/{export.id}", "target": "download"}

    def _discipline_check_allowed(self, model_name, count):
        """SE-1: the head of sales exports; the other roles as the settings say. A refusal is logged."""
        user = self.env.user
        if not user._discipline_export_allowed():
            self.env["sales.discipline.export.log"]._discipline_log(model_name, count, "report", allowed=False)
            raise AccessError(user._discipline_export_refusal())

    def _discipline_records_model(self):
        """The model to read, as the user (record rules on), with the list's ``active_test``."""
        self.ensure_one()
        return self.env[self.res_model].with_context(active_test=self.active_test)

    def _discipline_domain(self):
        self.ensure_one()
        return json.loads(self.domain)

    def _discipline_columns(self):
        """The columns of the model's list view as the user gets it (fields of groups they lack already left out):
        the fields it shows by default, of a type a cell can hold."""
        self.ensure_one()
        Model = self._discipline_records_model()
        arch = etree.fromstring(Model.get_views([(False, "list")])["views"]["list"]["arch"])
        names = []
        for node in arch.iter("field"):
            name = node.get("name")
            field = Model._fields.get(name)
            hidden = (
                node.get("optional") == "hide"
                or _is_true(node.get("column_invisible"))
                or _is_true(node.get("invisible"))
            )
            if field and not hidden and field.type in WRITABLE_TYPES and name not in names:
                names.append(name)
        return names or ["display_name"]


def _is_true(expression):
    """A static ``invisible`` / ``column_invisible`` of a list's column ("1", "True"); an expression on the record
    does not hide the column."""
    if not expression:
        return False
    try:
        return bool(safe_eval(expression, {}))
    except (NameError, ValueError, SyntaxError, TypeError):
        return False
