"""What the benchmarks that compare the addon with stock CRM share.

- the life cycle of the stock twin database (Odoo's ``crm`` installed, the addon not);
- column-aware generating SQL, so that one generator fills both databases and the addon's columns only where
  the addon is installed;
- the field specification the web client sends for a view (a port of ``getFieldsSpec`` and of the widgets'
  ``fieldDependencies``/``relatedFields`` in ``web/static/src/model/relational_model/utils.js``), built from
  the view each database returns from ``get_views``, so that each database requests its own view's fields;
- one timed request (fresh caches, the call, flush, pre-commit hooks, rolled back) and the queries it sends,
  grouped by statement.
"""

import ast
import contextlib
import cProfile
import io
import pstats
import re
import subprocess
import sys
import threading
import time

from bench_common import database_exists, drop_database, psql_value, say

STOCK_MODULE = "crm"

# fieldDependencies of the widgets met in crm's and sales_team's views (mail, web); the many2one ones
# are read with their display name like any many2one of a view.
ACTIVITY_WIDGET_DEPENDENCIES = (
    "activity_exception_decoration",
    "activity_exception_icon",
    "activity_state",
    "activity_summary",
    "activity_type_icon",
    "activity_type_id",
)
WIDGET_DEPENDENCIES = {
    "kanban_activity": ACTIVITY_WIDGET_DEPENDENCIES,
    "list_activity": ACTIVITY_WIDGET_DEPENDENCIES,
    "activity_exception": ("activity_exception_icon",),
    "statusbar_duration": ("duration_tracking",),
    "image": ("write_date",),
    "signature": ("write_date",),
}
TAGS_WIDGETS = {"many2many_tags": (), "many2many_tags_email": ("email",), "many2many_tags_avatar": ()}
X2MANY_SUBVIEW_LIMIT = 40
DEFAULT_LIMIT = 80  # records per list, kanban column or ungrouped kanban (relational_model.js)
COUNT_LIMIT = 10001  # the count the web client asks web_search_read for
ALWAYS = ("1", "True", "true")


# ----------------------------------------------------------------------
# The stock database
# ----------------------------------------------------------------------


def install_stock(db, addons_path):
    """Install stock CRM (without demo data) in its own process, as bench_common installs the addon."""
    command = [
        sys.executable, "-m", "odoo", "-d", db, f"--addons-path={addons_path}", "-i", STOCK_MODULE,
        "--without-demo=all", "--stop-after-init", "--no-http", "--log-level=warn",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    log = result.stdout + result.stderr
    if result.returncode or re.search(r" (ERROR|CRITICAL) ", log):
        say(log[-4000:])
        raise SystemExit(f"odoo -i {STOCK_MODULE} on {db} failed (exit code {result.returncode})")


def prepare_stock_database(db, args, phases, module):
    """Create the stock database with crm only, or check the reused one (crm installed, the addon not)."""
    if database_exists(db):
        if not args.reuse:
            raise SystemExit(f"database {db} exists: pass --reuse to use it, or choose another --stock-db")
        crm = psql_value(db, f"SELECT state FROM ir_module_module WHERE name = '{STOCK_MODULE}'")
        addon = psql_value(db, f"SELECT state FROM ir_module_module WHERE name = '{module}'")
        if crm != "installed" or addon == "installed":
            raise SystemExit(f"database {db} is not a stock CRM database (crm {crm}, {module} {addon})")
        say(f"Reusing database {db} (stock {STOCK_MODULE}, without {module})")
        return False
    say(f"Creating database {db} and installing stock {STOCK_MODULE} without demo data ...")
    mark = time.perf_counter()
    try:
        install_stock(db, args.addons_path)
    except SystemExit:
        if not args.keep:
            drop_database(db)
        raise
    phases["install stock"] = time.perf_counter() - mark
    return True


# ----------------------------------------------------------------------
# Column-aware generating SQL
# ----------------------------------------------------------------------


def insert_select(table, columns, source, *, addon):
    """``INSERT INTO table (...) SELECT ... FROM source`` over ``columns``, a list of ``(column, expression)``
    or ``(column, expression, True)`` for a column the addon adds: those are left out when ``addon`` is false.
    ``source`` may start with a ``WITH`` clause; it then ends with the name of the CTE to select from."""
    kept = [(column[0], column[1]) for column in columns if addon or not (len(column) > 2 and column[2])]
    names = ", ".join(name for name, _expression in kept)
    expressions = ",\n       ".join(expression for _name, expression in kept)
    if source.lstrip().upper().startswith("WITH"):
        head, _sep, relation = source.rpartition("\n")
        return f"{head}\nINSERT INTO {table} ({names})\nSELECT {expressions}\n  FROM {relation.strip()}"
    return f"INSERT INTO {table} ({names})\nSELECT {expressions}\n  FROM {source}"


def check_columns(cr, table, columns, *, addon):
    """Every column the generator writes exists in this database (a misspelt or renamed column fails loudly)."""
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])
    existing = {row[0] for row in cr.fetchall()}
    wanted = {column[0] for column in columns if addon or not (len(column) > 2 and column[2])}
    missing = sorted(wanted - existing)
    if missing:
        raise SystemExit(f"{table} in {cr.dbname} lacks the generated columns {', '.join(missing)}")


# ----------------------------------------------------------------------
# The web client's field specification of a view
# ----------------------------------------------------------------------


def _options(node):
    text = node.get("options")
    if not text:
        return {}
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return {}
    return value if isinstance(value, dict) else {}


def _own_field_nodes(node):
    """The <field> nodes of a view, not those of the subviews nested in its x2many fields."""
    for child in node.iterchildren():
        if not isinstance(child.tag, str):
            continue
        if child.tag == "field":
            yield child
            continue  # its children are a subview
        yield from _own_field_nodes(child)


def _own_nodes(node, tag):
    for child in node.iterchildren():
        if not isinstance(child.tag, str) or child.tag == "field":
            continue
        if child.tag == tag:
            yield child
        yield from _own_nodes(child, tag)


def _static_context(node):
    """The literal entries of a field's context attribute, as the web client sends them (evalPartialContext)."""
    text = node.get("context")
    if not text:
        return {}
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return {}
    if not isinstance(tree, ast.Dict):
        return {}
    context = {}
    for key, value in zip(tree.keys, tree.values, strict=True):
        try:
            name, literal = ast.literal_eval(key), ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError):
            continue
        if not str(name).endswith("_view_ref"):  # the web client keeps view references to itself
            context[name] = literal
    return context


def _add_many2one(spec, name, visible):
    entry = spec.setdefault(name, {})
    entry.setdefault("fields", {})
    if visible:
        entry["fields"]["display_name"] = {}


def fields_spec(arch, model, models_info, env):  # noqa: PLR0912 (one branch per kind of field, as in utils.js)
    """The specification the web client sends for this arch (a view, or a subview of an x2many field).

    A port of getFieldsSpec with the widgets' dependencies of crm's views and the literal part of the fields'
    contexts; checked against the web client itself (Chromium) on both databases of bench_everyday."""
    fields_info = models_info[model]["fields"]
    model_fields = env[model]._fields
    spec = {}
    properties = []
    for node in _own_field_nodes(arch):
        name = node.get("name")
        info = fields_info.get(name)
        if info is None:
            continue
        widget = node.get("widget")
        visible = node.get("invisible") not in ALWAYS and node.get("column_invisible") not in ALWAYS
        kind = info["type"]
        if kind in ("many2one", "reference"):
            _add_many2one(spec, name, visible)
            context = _static_context(node) if visible else {}
            if context:
                spec[name]["context"] = context
        elif kind in ("one2many", "many2many"):
            entry = spec.setdefault(name, {})
            subviews = {child.tag: child for child in node.iterchildren() if child.tag in ("list", "kanban", "form")}
            if visible and "fields" not in entry:
                if widget in TAGS_WIDGETS:
                    related = {"display_name": {}}
                    color = _options(node).get("color_field")
                    if color:
                        related[color] = {}
                    related.update({name: {} for name in TAGS_WIDGETS[widget]})
                    entry["fields"] = related
                elif subviews:
                    mode = node.get("mode", "list").split(",")[0]
                    subview = next(
                        (subviews[tag] for tag in (mode, "list", "kanban") if subviews.get(tag) is not None), None
                    )
                    if subview is not None:
                        entry["fields"] = fields_spec(subview, info["relation"], models_info, env)
                        entry["limit"] = int(subview.get("limit") or X2MANY_SUBVIEW_LIMIT)
                        if subview.get("default_order"):
                            entry["order"] = subview.get("default_order")
        elif kind == "properties":
            spec.setdefault(name, {})
            properties.append(info.get("definition_record"))
        else:
            spec.setdefault(name, {})
        for dependency in WIDGET_DEPENDENCIES.get(widget, ()):
            if dependency in model_fields:
                if model_fields[dependency].type == "many2one":
                    _add_many2one(spec, dependency, True)
                else:
                    spec.setdefault(dependency, {})
    for definition in properties:
        if definition in spec:
            spec[definition].setdefault("fields", {})["display_name"] = {}
    return spec


def aggregates(spec, model, models_info):
    """``field:aggregator`` of the view's fields that have one (what a grouped view asks web_read_group for)."""
    fields_info = models_info[model]["fields"]
    return [
        f"{name}:{fields_info[name]['aggregator']}"
        for name in spec
        if fields_info.get(name, {}).get("aggregator")  # a widget's dependencies are not aggregated
    ]


class View:
    """One view as a database returns it to a user: its arch, the fields it requests and its attributes."""

    def __init__(self, env, model, view_id, view_type, context=None):
        from lxml import etree  # noqa: PLC0415 (lxml comes with Odoo)

        result = env[model].with_context(context or {}).get_views([(view_id, view_type)])
        self.model = model
        self.view_type = view_type
        self.models_info = result["models"]
        self.arch = etree.fromstring(result["views"][view_type]["arch"])
        self.id = result["views"][view_type]["id"]
        self.spec = fields_spec(self.arch, model, self.models_info, env)
        if view_type == "form":
            self.spec.setdefault("display_name", {})  # the breadcrumb (form_controller.js)
        if view_type == "kanban" and self.arch.get("highlight_color"):
            self.spec.setdefault(self.arch.get("highlight_color"), {})
        self.default_order = self.arch.get("default_order") or ""
        self.limit = int(self.arch.get("limit") or 0) or DEFAULT_LIMIT
        self.progressbar = next(_own_nodes(self.arch, "progressbar"), None)

    def field_names(self):
        return sorted(self.spec)

    def aggregates(self):
        return aggregates(self.spec, self.model, self.models_info)

    def progress_bar(self):
        """The <progressbar/> declaration as read_progress_bar receives it."""
        node = self.progressbar
        if node is None:
            return None
        bar = {"field": node.get("field"), "colors": ast.literal_eval(node.get("colors") or "{}")}
        if node.get("help"):
            bar["help"] = node.get("help")
        return bar


def action_views(env, xmlid):
    """{view type: view id or False} of a window action, as the web client opens it."""
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    return action, {view_type: view_id for view_id, view_type in action["views"]}


# ----------------------------------------------------------------------
# Timing and statements
# ----------------------------------------------------------------------


def fresh_request(env, cold):
    """What a new request starts with: an empty record cache and cursor cache; with ``cold``, empty ormcaches."""
    env.invalidate_all()
    env.cr.cache.clear()
    if cold:
        env.registry.clear_all_caches()


def timed_request(env, func, *, cold=False):
    """One request: fresh caches, the call, flush, pre-commit hooks (tracking); then rolled back.

    Returns (seconds, queries, result)."""
    cr = env.cr
    with contextlib.closing(cr.savepoint()):
        fresh_request(env, cold)
        queries = cr.sql_log_count
        start = time.perf_counter()
        result = func()
        env.flush_all()
        cr.precommit.run()
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - queries
    cr.postcommit.clear()
    cr.precommit.clear()
    env.invalidate_all()
    return elapsed, queries, result


def statement_key(query):
    """A query as a statement template: whitespace collapsed, expanded IN lists and literals folded."""
    text = re.sub(r"\s+", " ", str(query)).strip()
    text = re.sub(r"\((?:\s*%s\s*,)+\s*%s\s*\)", "(%s, …)", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b\d+\b", "N", text)
    return text


def statements(env, func, *, cold=False):
    """{statement template: [count, total ms]} of the queries one request sends (savepoints left out)."""
    timings = []

    def hook(_cr, query, _params, _start, delay):
        timings.append((query, delay))

    thread = threading.current_thread()
    previous = getattr(thread, "query_hooks", ())
    thread.query_hooks = (*previous, hook)
    try:
        timed_request(env, func, cold=cold)
    finally:
        thread.query_hooks = previous
    grouped = {}
    for query, delay in timings:
        key = statement_key(query)
        if key.split(" ", 1)[0].upper() in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            continue
        entry = grouped.setdefault(key, [0, 0.0])
        entry[0] += 1
        entry[1] += delay * 1000
    return grouped


def python_profile(env, func, *, cold=False, limit=25, path_filter=None):
    """The cProfile report (cumulative time) of one request, optionally restricted to matching files."""
    profiler = cProfile.Profile()

    def profiled():
        profiler.enable()
        try:
            return func()
        finally:
            profiler.disable()

    timed_request(env, profiled, cold=cold)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    if path_filter:
        stats.print_stats(path_filter, limit)
    else:
        stats.print_stats(limit)
    return out.getvalue()
