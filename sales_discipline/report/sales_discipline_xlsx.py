"""A formatted workbook of records, written row by row (AN-6, issue 14 item 7): xlsxwriter in ``constant_memory``
mode keeps one row in memory, the records are read in chunks of ids with the user's record rules and the cache
dropped after each chunk, so exporting half a million deals costs the process tens of MiB, not the gigabytes of an
export built in memory. The models compute; this only renders."""

import datetime

import pytz
import xlsxwriter

CHUNK = 2000
# a worksheet holds 1,048,576 rows: the header and the totals take two
MAX_ROWS = 1_048_574
NUMERIC_TYPES = ("integer", "float", "monetary")
COLUMN_WIDTHS = {"char": 30, "text": 40, "many2one": 25, "many2many": 30, "selection": 18, "date": 12, "datetime": 18}


class WorkbookColumn:
    """How one field is written: its header, its cell format, and how a record's value becomes a cell value."""

    def __init__(self, model, name, formats, tz):
        self.field = model._fields[name]
        self.name = name
        self.header = self.field._description_string(model.env)
        self.type = self.field.type
        self.format = formats.get(self.type) or formats["text"]
        self.total = 0 if self.type in NUMERIC_TYPES else None
        self.tz = tz
        if self.type == "selection":
            self.labels = dict(self.field._description_selection(model.env))

    def value(self, record):
        value = record[self.name]
        if self.type in NUMERIC_TYPES:
            self.total += value or 0
            return value or 0
        if self.type == "boolean":
            return bool(value)
        if not value:
            return None
        convert = CONVERTERS.get(self.type)
        return convert(self, value) if convert else value

    def _datetime(self, value):
        """Excel has no time zones: the user's wall clock."""
        return pytz.utc.localize(value).astimezone(self.tz).replace(tzinfo=None)


CONVERTERS = {
    "many2one": lambda _column, value: value.display_name,
    "many2many": lambda _column, value: ", ".join(value.mapped("display_name")),
    "selection": lambda column, value: column.labels.get(value, value),
    "datetime": WorkbookColumn._datetime,
}


def _formats(workbook):
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "text_wrap": True}),
        "text": workbook.add_format({}),
        "integer": workbook.add_format({"num_format": "#,##0"}),
        "float": workbook.add_format({"num_format": "#,##0.00"}),
        "monetary": workbook.add_format({"num_format": "#,##0.00"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "total_label": workbook.add_format({"bold": True, "top": 1}),
        "total": workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
        "total_integer": workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0"}),
    }


def _chunks(records_model, domain, names):
    """The records of ``domain`` readable by the model's user, ``CHUNK`` at a time, by increasing id, each chunk's
    cache dropped before the next is read."""
    last_id = 0
    while True:
        records = records_model.search_fetch([*domain, ("id", ">", last_id)], names, order="id", limit=CHUNK)
        if not records:
            return
        yield records
        last_id = records[-1].id
        records_model.env.invalidate_all()


def write_workbook(records_model, domain, names, fileobj, *, sheet_title, total_label):
    """Write the records of ``domain`` (read as ``records_model``'s user) with the columns ``names`` to
    ``fileobj``: a header row, frozen and filtered, number and date formats, a totals row. Returns the row count."""
    tz = pytz.timezone(records_model.env.user.tz or "UTC")
    workbook = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "in_memory": False, "remove_timezone": True})
    formats = _formats(workbook)
    sheet = workbook.add_worksheet(_sheet_name(sheet_title))
    columns = [WorkbookColumn(records_model, name, formats, tz) for name in names]
    for index, column in enumerate(columns):
        sheet.set_column(index, index, COLUMN_WIDTHS.get(column.type, 14))
        sheet.write_string(0, index, column.header, formats["header"])
    sheet.freeze_panes(1, 0)
    row = 0
    for records in _chunks(records_model, domain, names):
        for record in records:
            row += 1
            for index, column in enumerate(columns):
                _write_cell(sheet, row, index, column.value(record), column.format)
    _write_totals(sheet, row, columns, formats, total_label)
    sheet.autofilter(0, 0, max(row, 1), max(len(columns) - 1, 0))
    workbook.close()
    return row


def _write_cell(sheet, row, col, value, cell_format):
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, cell_format)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, col, value, cell_format)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, datetime.datetime.combine(value, datetime.time()), cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def _write_totals(sheet, last_row, columns, formats, total_label):
    """One bold row under the data: the label, and each numeric column's sum (a formula, with its value cached so
    that viewers which do not calculate show it too)."""
    total_row = last_row + 1
    sheet.write_string(total_row, 0, total_label, formats["total_label"])
    for index, column in enumerate(columns):
        if column.total is None or (index == 0):
            continue
        letter = xlsxwriter.utility.xl_col_to_name(index)
        total_format = formats["total_integer"] if column.type == "integer" else formats["total"]
        formula = f"=SUBTOTAL(9,{letter}2:{letter}{max(last_row, 1) + 1})"
        sheet.write_formula(total_row, index, formula, total_format, column.total)


def _sheet_name(title):
    """Excel refuses sheet names over 31 characters and with []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title or "Export").strip()
    return cleaned[:31] or "Export"
