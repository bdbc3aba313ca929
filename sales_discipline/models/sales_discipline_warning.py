from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .rollout import FAMILY_RULES, ROLLOUT_FAMILIES


class SalesDisciplineWarning(models.Model):
    """A rule broken by a save that was let through: the family is in "warn" mode, or Odoo itself made the record
    in one of its own flows (a lead converted with a new customer, a contact met in an email, an activity another
    app scheduled). One open warning per record and family, listed on the Discipline menu and counted per
    salesperson; it is resolved (archived) as soon as the record meets the rules again."""

    _name = "sales.discipline.warning"
    _description = "Rule Warning"
    _order = "write_date desc, id desc"
    _rec_name = "record_name"

    family = fields.Selection(ROLLOUT_FAMILIES, string="Rules", required=True, readonly=True, index=True)
    rule_ids_text = fields.Char(string="Rule IDs", compute="_compute_rule_ids_text")
    message = fields.Text(string="What Is Missing", required=True, readonly=True)
    res_model = fields.Char(string="Document Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", required=True, readonly=True)
    record_name = fields.Char(string="Document", readonly=True)
    owner_id = fields.Many2one(
        "res.users", string="Responsible", readonly=True, index=True, ondelete="set null", help="Who must fix it."
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, index=True, ondelete="set null")
    user_id = fields.Many2one("res.users", string="Saved By", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="cascade")
    active = fields.Boolean(default=True, readonly=True, help="Archived once the record meets the rules again.")
    resolved_date = fields.Datetime(string="Resolved On", readonly=True)
    checked_date = fields.Datetime(string="Last Rechecked", readonly=True, help="Set by the recheck cron.")

    _sql_constraints = [
        (
            "res_id_positive",
            "CHECK (res_id > 0)",
            "A rule warning belongs to a saved record.",
        ),
    ]

    def init(self):
        """The inline look-up of a save is on (model, record, open): one index serves it."""
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS sales_discipline_warning_open_idx "
                "ON sales_discipline_warning (res_model, res_id) WHERE active"
            )
        )

    @api.depends("family")
    def _compute_rule_ids_text(self):
        for warning in self:
            warning.rule_ids_text = FAMILY_RULES.get(warning.family, "")

    # ------------------------------------------------------------------
    # Settling a save
    # ------------------------------------------------------------------

    @api.model
    def _discipline_mode_of(self, record, family):
        company = record.company_id if "company_id" in record._fields and record.company_id else self.env.company
        return company._discipline_mode(family)

    @api.model
    def _discipline_in_force(self, family, records):
        """The records whose company does not have ``family`` off: only those are checked at all."""
        if not records:
            return records
        modes = {}
        kept = []
        for record in records:
            company = record.company_id if "company_id" in record._fields and record.company_id else self.env.company
            if company.id not in modes:
                modes[company.id] = company._discipline_mode(family)
            if modes[company.id] != "off":
                kept.append(record.id)
        return records.browse(kept)

    @api.model
    def _discipline_settle(self, records, problems, title, *, exception=ValidationError, lenient=False, new=False):
        """Decide what a save that was checked becomes.

        ``records``: the records checked, of one model; ``problems``: {family: {record id: [problem, ...]}}, a family
        whose rules this save did not check being None. ``title``: the refusal's first line, or {family: title}.
        The problems of families in "enforce" mode are refused in one message (those of the first family refused,
        with its title), before anything is written; the others (warn mode, or ``lenient``: Odoo's own flows, which
        are never refused mid-flow) are recorded as open warnings. A checked record whose open warning of a family
        it now meets is rechecked in full, and its warning resolved if nothing is left. ``new``: the records were
        created by this save, so they have no warning yet (no look-up)."""
        problems = {family: by_record for family, by_record in problems.items() if by_record is not None}
        if not problems or not records:
            return
        refused = {}
        kept = {}
        for family, by_record in problems.items():
            for record in records.filtered(lambda r, by_record=by_record: r.id in by_record):
                if not lenient and self._discipline_mode_of(record, family) == "enforce":
                    heading = title.get(family, "") if isinstance(title, dict) else title
                    refused.setdefault(heading, []).extend(by_record[record.id])
                else:
                    kept.setdefault(family, {})[record.id] = by_record[record.id]
        if refused:
            heading, lines = next(iter(refused.items()))
            raise exception("\n".join([heading, *lines]) if heading else "\n".join(lines))
        if new and not kept:
            return
        self._discipline_record(records, kept, families=set(problems), new=new)

    @api.model
    def _discipline_record(self, records, kept, families, new=False):
        """Upsert the open warnings of ``kept`` ({family: {id: problems}}) and resolve those of ``families`` that
        the other checked records no longer break."""
        Warning = self.sudo().with_context(active_test=True)
        existing = {}
        # only the records flagged as warned have an open warning to update or resolve: no look-up for the others
        warned = records.browse() if new else records.filtered("discipline_warned")
        if warned:
            for warning in Warning.search(
                [("res_model", "=", records._name), ("res_id", "in", warned.ids), ("family", "in", list(families))]
            ):
                existing[(warning.family, warning.res_id)] = warning
        to_create = []
        to_recheck = {}
        for family in families:
            found = kept.get(family, {})
            for record in records:
                warning = existing.get((family, record.id))
                if record.id in found:
                    message = "\n".join(found[record.id])
                    if warning:
                        if warning.message != message:
                            warning.write({"message": message, "user_id": self.env.uid})
                    else:
                        to_create.append(self._discipline_warning_values(record, family, message))
                elif warning:
                    to_recheck.setdefault(family, []).append(record.id)
        if to_create:
            Warning.create(to_create)
            self._discipline_flag_warned(records.browse({values["res_id"] for values in to_create}), True)
        for family, ids in to_recheck.items():
            self._discipline_recheck(records.browse(ids), family, existing)

    @api.model
    def _discipline_recheck(self, records, family, existing):
        """Recheck ``records`` against every rule of ``family``: resolve the warnings they meet, refresh the others."""
        left = records._discipline_family_problems(family) or {}
        now = fields.Datetime.now()
        for record in records:
            warning = existing[(family, record.id)]
            if record.id in left:
                message = "\n".join(left[record.id])
                if warning.message != message:
                    warning.write({"message": message})
            else:
                warning.write({"active": False, "resolved_date": now})
        self._discipline_unflag_resolved(records)

    @api.model
    def _discipline_flag_warned(self, records, value):
        """Keep the documents' ``discipline_warned`` flag in SQL: it is the addon's bookkeeping, not an edit of the
        document (no write date, no tracking, no rule check)."""
        if records.ids:
            records.flush_recordset(["discipline_warned"])
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET discipline_warned = %s WHERE id = ANY(%s)",
                    SQL.identifier(records._table),
                    value,
                    records.ids,
                )
            )
            records.invalidate_recordset(["discipline_warned"])

    @api.model
    def _discipline_unflag_resolved(self, records):
        """Clear the flag of the documents among ``records`` left without an open warning."""
        still = {
            res_id
            for (res_id,) in self.sudo()._read_group(
                [("res_model", "=", records._name), ("res_id", "in", records.ids)], ["res_id"]
            )
        }
        self._discipline_flag_warned(records.filtered(lambda r: r.id not in still), False)

    @api.model
    def _discipline_recheck_documents(self, records, family):
        """A change made elsewhere (a step planned on a deal) may fix a record's warning: recheck those with one."""
        records = records.filtered("discipline_warned")
        if not records:
            return
        warnings = self.sudo().search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids), ("family", "=", family)]
        )
        if warnings:
            self._discipline_recheck(
                records.browse(warnings.mapped("res_id")), family, {(family, w.res_id): w for w in warnings}
            )

    @api.model
    def _discipline_warning_values(self, record, family, message):
        owner, team = record._discipline_warning_owner()
        company = record.company_id if "company_id" in record._fields and record.company_id else self.env.company
        return {
            "family": family,
            "message": message,
            "res_model": record._name,
            "res_id": record.id,
            "record_name": record.display_name,
            "owner_id": owner.id,
            "team_id": team.id,
            "user_id": self.env.uid,
            "company_id": company.id,
        }

    # ------------------------------------------------------------------
    # Cron and actions
    # ------------------------------------------------------------------

    @api.model
    def _cron_discipline_recheck(self, batch_size=2000):
        """Recheck the open warnings in batches: a record fixed by a path that does not check it (a family moved
        off, a policy changed, data imported by the superuser) leaves the list; a deleted record's warning goes."""
        warnings = self.sudo().search([], order="checked_date ASC NULLS FIRST, id", limit=batch_size)
        for (model_name, family), group in warnings.grouped(lambda w: (w.res_model, w.family)).items():
            if model_name not in self.env:
                group.unlink()
                continue
            records = self.env[model_name].sudo().browse(group.mapped("res_id")).exists()
            gone = group.filtered(lambda w, ids=set(records.ids): w.res_id not in ids)
            gone.unlink()
            if records:
                self._discipline_recheck(records, family, {(family, w.res_id): w for w in group - gone})
        warnings.exists().filtered("active").write({"checked_date": fields.Datetime.now()})
        return len(warnings)

    @api.model
    def _discipline_forget(self, records):
        """Records deleted: their warnings go with them (a done activity is deleted by Odoo)."""
        if records.ids:
            self.sudo().with_context(active_test=False).search(
                [("res_model", "=", records._name), ("res_id", "in", records.ids)]
            ).unlink()

    def action_open_document(self):
        """Open the record the warning is about, in the form its model uses."""
        self.ensure_one()
        model_name, res_id = self.res_model, self.res_id
        if model_name == "mail.activity":
            # an activity is worked on from its deal or client card
            activity = self.env["mail.activity"].browse(res_id).exists()
            if activity:
                model_name, res_id = activity.res_model, activity.res_id
        return {
            "type": "ir.actions.act_window",
            "res_model": model_name,
            "res_id": res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
