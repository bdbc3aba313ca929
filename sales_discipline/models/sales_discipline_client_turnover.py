from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_date

from .partner_keys import normalize_vat

# The keys of the file matched by name (case and surrounding spaces aside) to the active commercial cards: one hash
# join, one pass over the cards, whatever the number of keys. VATs go through the indexed key of CL-5.
CLIENT_NAME_LOOKUP_SQL = """
SELECT keys.key, partner.id
  FROM unnest(%(keys)s::text[]) AS keys(key)
  JOIN res_partner partner ON lower(btrim(partner.name)) = lower(keys.key)
 WHERE partner.parent_id IS NULL AND partner.active
"""


class ImportBatchRefused(Exception):
    """A row of an import batch is refused (unknown client, month already entered): Odoo's ``load`` then retries
    the batch row by row, so that each refused row is reported with its own number (a ``UserError`` would also be
    reported once for the whole batch, on its first row)."""


class SalesDisciplineClientTurnover(models.Model):
    """AN-2: a client's purchases of one month as the accounting system knows them (the seed's "export from 1C"):
    imported from a CSV or XLSX file with the columns client (VAT or name), month and amount, and counted by the
    ABC-XYZ classification beside the won deals. Odoo's import saves a file whole or not at all and reports each
    refused row; a client that is not found, or found twice, refuses its row by name."""

    _name = "sales.discipline.client.turnover"
    _description = "Client Turnover per Month"
    _order = "month desc, partner_id"
    _rec_name = "partner_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    client = fields.Char(
        string="Client (VAT or Name)",
        store=False,
        help="For imports: the client's VAT (tax ID) or exact name, looked up among the client cards.",
    )
    month = fields.Date(required=True, index=True, help="Any day of the month: it is saved as the month's first day.")
    amount = fields.Monetary(required=True, currency_field="currency_id", aggregator="sum")

    _sql_constraints = [
        (
            "month_unique",
            "UNIQUE(company_id, partner_id, month)",
            "A client's turnover is entered once per month: correct the month's row instead.",
        ),
    ]

    @api.model
    def _check_months_free(self, rows, exclude=None):
        """Refuse a second row for a client and month, naming it, before PostgreSQL's unique constraint (the last word
        under concurrency) would refuse it anonymously. ``rows`` are (company id, partner id, month) triples."""
        duplicate, seen = None, set()
        for row in rows:
            if row in seen:
                duplicate = row
                break
            seen.add(row)
        if not duplicate:
            existing = self.sudo().search_fetch(
                [
                    ("partner_id", "in", list({row[1] for row in rows})),
                    ("month", "in", list({row[2] for row in rows})),
                    ("id", "not in", (exclude or self.browse()).ids),
                ],
                ["company_id", "partner_id", "month"],
            )
            taken = {(row.company_id.id, row.partner_id.id, row.month) for row in existing}
            duplicate = next((row for row in rows if row in taken), None)
        if duplicate:
            raise ValidationError(
                self.env._(
                    "The turnover of %(client)s for %(month)s is already entered: correct that row instead.",
                    client=self.env["res.partner"].browse(duplicate[1]).display_name,
                    month=format_date(self.env, duplicate[2], date_format="LLLL y"),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Resolve the clients named in the ``client`` column in one lookup and save months as their first day. The
        caller's values are left as they came: Odoo's import retries a refused batch row by row with them."""
        vals_list = self._prepare_rows(vals_list)
        return super().create(vals_list)

    @api.model
    def _prepare_rows(self, vals_list):
        """Copies of the rows with their client resolved and their month on its first day, checked free."""
        vals_list = [dict(vals) for vals in vals_list]
        self._resolve_clients(vals_list)
        for vals in vals_list:
            self._normalize_month(vals)
        default_company = self.env.company.id
        self._check_months_free(
            [
                (vals.get("company_id", default_company), vals.get("partner_id"), vals.get("month"))
                for vals in vals_list
                if vals.get("partner_id") and vals.get("month")
            ]
        )
        return vals_list

    @api.model
    def _load_records_create(self, vals_list):
        """Imports: resolve a batch's clients before creating it, and have a batch with a bad row retried row by
        row (see :class:`ImportBatchRefused`)."""
        if len(vals_list) > 1:
            try:
                vals_list = self._prepare_rows(vals_list)
            except ValidationError as error:
                raise ImportBatchRefused(str(error)) from error
        return super()._load_records_create(vals_list)

    def write(self, vals):
        """A corrected row keeps the rules of a new one: its month saved as the first day, its client looked up,
        one row per client and month."""
        vals = dict(vals)
        self._normalize_month(vals)
        if vals.get("client"):
            self._resolve_clients([vals])
        if {"company_id", "partner_id", "month"} & set(vals):
            self._check_months_free(
                [
                    (
                        vals.get("company_id", row.company_id.id),
                        vals.get("partner_id", row.partner_id.id),
                        fields.Date.to_date(vals.get("month", row.month)),
                    )
                    for row in self
                ],
                exclude=self,
            )
        return super().write(vals)

    @api.model
    def _normalize_month(self, vals):
        """Any day of a month stands for the month: its first day is saved."""
        if vals.get("month"):
            vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)

    @api.model
    def _resolve_clients(self, vals_list):
        """Find the card of each row's ``client`` among the commercial cards the user may read: by VAT (spaces and
        punctuation aside) first, else by exact name (case aside); a row whose client is unknown or ambiguous is
        refused by name. The same few statements for the whole file, whatever its number of rows."""
        named = [vals for vals in vals_list if vals.get("client") and not vals.get("partner_id")]
        for vals in vals_list:
            if vals.get("partner_id") or not vals.get("client"):
                vals.pop("client", None)
        if not named:
            return
        keys = sorted({vals["client"].strip() for vals in named})
        Partner = self.env["res.partner"]
        vats = {key: normalize_vat(key) for key in keys}
        by_vat = {}
        # the VAT key the duplicate check keeps (res_partner_duplicates.py), indexed; the user's rules apply
        for partner in Partner.search_fetch(
            [("parent_id", "=", False), ("vat_normalized", "in", [vat for vat in vats.values() if vat])],
            ["vat_normalized"],
        ):
            by_vat.setdefault(partner.vat_normalized, set()).add(partner.id)
        Partner.flush_model(["name", "parent_id", "active"])
        self.env.cr.execute(SQL(CLIENT_NAME_LOOKUP_SQL, keys=keys))
        found = self.env.cr.fetchall()
        readable = set(Partner.search([("id", "in", [partner_id for _key, partner_id in found])]).ids)
        by_name = {}
        for key, partner_id in found:
            if partner_id in readable:
                by_name.setdefault(key, set()).add(partner_id)
        matches = {key: by_vat.get(vats[key]) or by_name.get(key) or set() for key in keys}
        for vals in named:
            key = vals.pop("client").strip()
            partner_ids = set(matches[key])
            if not partner_ids:
                raise ValidationError(self.env._('No client card has the VAT or name "%(client)s".', client=key))
            if len(partner_ids) > 1:
                raise ValidationError(
                    self.env._(
                        'Several client cards have the VAT or name "%(client)s": enter the VAT of the right one.',
                        client=key,
                    )
                )
            vals["partner_id"] = partner_ids.pop()
