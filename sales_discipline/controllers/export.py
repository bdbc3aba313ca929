import json
import tempfile

from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wsgi import wrap_file

from odoo import fields, http
from odoo.addons.web.controllers.export import CSVExport, ExcelExport
from odoo.addons.web.controllers.pivot import TableExporter
from odoo.addons.web.controllers.vcard import Partner as VcardController
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

from ..report.sales_discipline_xlsx import write_workbook

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_record_count(params):
    """How many records a list export takes: the selected ones, or all those its domain matches."""
    if params.get("ids"):
        return len(params["ids"])
    model = request.env[params["model"]].with_context(**params.get("context", {}))
    return model.search_count(params.get("domain") or [])


def _refusal(user):
    """A 403 whose body is the refusal as a serialized AccessError: the body Odoo's ``download()`` reads, so the web
    client shows the reason in its warning dialog instead of "Oops! Something went wrong"."""
    error = AccessError(user._discipline_export_refusal())
    return Forbidden(json.dumps({"code": 403, "message": error.args[0], "data": http.serialize_exception(error)}))


def _guard_list_export(data):
    """Refuse or log a list export before Odoo builds the file (grouped exports never call export_data)."""
    params = json.loads(data)
    user = request.env.user
    route = "grouped" if params.get("groupby") and not params.get("import_compat") else "list"
    Log = request.env["sales.discipline.export.log"]
    if not user._discipline_export_allowed():
        Log._discipline_log(params["model"], _export_record_count(params), route, allowed=False)
        raise _refusal(user)
    if route == "grouped":
        # the ungrouped path is logged by export_data itself
        Log._discipline_log(params["model"], _export_record_count(params), route, allowed=True)


class DisciplineCSVExport(CSVExport):
    @http.route()
    def web_export_csv(self, data):
        _guard_list_export(data)
        return super().web_export_csv(data)


class DisciplineExcelExport(ExcelExport):
    @http.route()
    def web_export_xlsx(self, data):
        _guard_list_export(data)
        return super().web_export_xlsx(data)


def _read_write(_controller):
    """Odoo's pivot route is read-only; the export audit log needs a read/write cursor (a callable, unlike a
    plain False, is how Odoo lets an override change that without a warning)."""
    return False


class DisciplineTableExporter(TableExporter):
    @http.route(readonly=_read_write)
    def export_xlsx(self, data, **kw):
        """Odoo's pivot export checks no right at all: apply the export policy and log it."""
        table = json.loads(data)
        user = request.env.user
        rows = len(table.get("rows", []))
        model_name = table.get("model") or table.get("title") or "pivot"
        Log = request.env["sales.discipline.export.log"]
        if not user._discipline_export_allowed():
            Log._discipline_log(model_name, rows, "pivot", allowed=False)
            raise _refusal(user)
        Log._discipline_log(model_name, rows, "pivot", allowed=True)
        return super().export_xlsx(data, **kw)


class DisciplineVcardController(VcardController):
    @http.route()
    def download_vcard(self, partner_ids=None, partner=None, **kwargs):
        """Odoo's contact-card download returns many client cards as one zip, with no right checked and no trace:
        several cards at once are an export of the client base (SE-1), one card is saving a contact. Both are
        logged; the count is the cards the server reads, not what the client sends."""
        count = 1
        if partner_ids:
            ids = {int(pid) for pid in partner_ids.split(",") if pid.strip().isdigit()}
            count = len(request.env["res.partner"].browse(ids).exists())
        user = request.env.user
        Log = request.env["sales.discipline.export.log"]
        if count > 1 and not user._discipline_export_allowed():
            Log._discipline_log("res.partner", count, "vcard", allowed=False)
            raise _refusal(user)
        Log._discipline_log("res.partner", count, "vcard", allowed=True)
        return super().download_vcard(partner_ids=partner_ids, partner=partner, **kwargs)


class DisciplineXlsxController(http.Controller):
    @http.route("/sales_discipline/xlsx/<int:export_id>", type="http", auth="user", readonly=False)
    def download_xlsx(self, export_id):
        """AN-6: stream the workbook a list's *Download Workbook (XLSX)* action requested: the export policy checked
        again (the link may be opened by hand), the export logged with its row count, the file written row by row
        to a temporary file and sent in blocks, so that neither the rows nor the file sit in memory."""
        # the record rule leaves only the user's own requests
        export = request.env["sales.discipline.xlsx.export"].search([("id", "=", export_id)])
        if not export:
            raise NotFound()
        user = request.env.user
        Log = request.env["sales.discipline.export.log"]
        if not user._discipline_export_allowed():
            Log._discipline_log(export.res_model, export.record_count, "report", allowed=False)
            raise _refusal(user)
        records_model = export._discipline_records_model()
        names = export._discipline_columns()
        # closed (and so deleted) by the response once sent, not here
        spool = tempfile.TemporaryFile(prefix="sd_xlsx_")  # noqa: SIM115
        rows = write_workbook(
            records_model,
            export._discipline_domain(),
            names,
            spool,
            sheet_title=export.title,
            total_label=request.env._("Total"),
        )
        Log._discipline_log(export.res_model, rows, "report", allowed=True)
        size = spool.tell()
        spool.seek(0)
        filename = f"{export.title or export.res_model} {fields.Date.context_today(user)}.xlsx"
        response = request.make_response(
            wrap_file(request.httprequest.environ, spool),
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Length", str(size)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
        response.direct_passthrough = True
        return response
