from odoo import api, fields, models
from odoo.tools import SQL

from .partner_keys import email_domain, normalize_company_name, normalize_phone, normalize_vat


class ResPartner(models.Model):
    """CL-5: duplicate client companies. The normalised keys (tax ID, phone and mobile without extension, email domain,
    name) are stored and indexed, so that matching a new card is one query on the indexes, not a scan."""

    # one file per capability of res.partner (house style), merged by the registry
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    vat_normalized = fields.Char(compute="_compute_normalized_keys", store=True, index=True)
    phone_normalized = fields.Char(compute="_compute_normalized_keys", store=True, index=True)
    mobile_normalized = fields.Char(compute="_compute_normalized_keys", store=True, index=True)
    email_domain = fields.Char(compute="_compute_normalized_keys", store=True, index=True)
    name_normalized = fields.Char(compute="_compute_normalized_keys", store=True)

    @api.depends("vat", "phone", "mobile", "email", "name", "is_company")
    def _compute_normalized_keys(self):
        for partner in self:
            partner.vat_normalized = normalize_vat(partner.vat)
            partner.phone_normalized = normalize_phone(partner.phone) or normalize_phone(partner.mobile)
            partner.mobile_normalized = normalize_phone(partner.mobile)
            partner.email_domain = email_domain(partner.email)
            partner.name_normalized = normalize_company_name(partner.name)

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def _discipline_duplicate_keys(self):
        """The normalised keys of these companies, computed in Python: no flush is needed before matching."""
        return {
            partner.id: {
                "vat": normalize_vat(partner.vat),
                "phone": frozenset(filter(None, (normalize_phone(partner.phone), normalize_phone(partner.mobile)))),
                "email": email_domain(partner.email),
                "name": normalize_company_name(partner.name),
                "company": partner.company_id.id,
            }
            for partner in self
        }

    @api.model
    def _discipline_same_client(self, keys, other, criterion):
        if keys["company"] and other["company"] and keys["company"] != other["company"]:
            return False
        if criterion == "phone":
            # any number of one (phone or mobile) is a number of the other
            return bool(keys["phone"] & other["phone"])
        if criterion != "email":
            return keys[criterion] == other[criterion]
        names = (keys["name"] or "", other["name"] or "")
        return keys["email"] == other["email"] and all(names) and (names[0] in names[1] or names[1] in names[0])

    def _discipline_find_duplicates(self):
        """Return {partner id: (existing id, criterion)}: one query on the indexed normalised columns, only for the
        keys these companies have, plus a comparison within the batch (an import of two rows for one client)."""
        if not self:
            return {}
        keys = self._discipline_duplicate_keys()
        branches = []
        columns = (
            "id, %s, vat_normalized, phone_normalized, mobile_normalized, email_domain, name_normalized, company_id"
        )
        scope = "is_company AND active AND id <> ALL(%s)"
        for criterion, column in (("vat", "vat_normalized"), ("email", "email_domain")):
            values = sorted({k[criterion] for k in keys.values() if k[criterion]})
            if values:
                branches.append(
                    SQL(
                        f"SELECT {columns} FROM res_partner WHERE %s = ANY(%s) AND {scope}",
                        criterion,
                        SQL.identifier(column),
                        values,
                        self.ids,
                    )
                )
        phones = sorted(set().union(*(k["phone"] for k in keys.values())))
        if phones:
            # one branch per indexed column, so that each uses its index
            for column in ("phone_normalized", "mobile_normalized"):
                branches.append(
                    SQL(
                        f"SELECT {columns} FROM res_partner WHERE %s = ANY(%s) AND {scope}",
                        "phone",
                        SQL.identifier(column),
                        phones,
                        self.ids,
                    )
                )
        candidates = []
        if branches:
            # other cards may have pending changes (archived, edited) in this transaction
            self.env["res.partner"].flush_model(
                [
                    "active",
                    "is_company",
                    "company_id",
                    "vat_normalized",
                    "phone_normalized",
                    "mobile_normalized",
                    "email_domain",
                ]
            )
            self.env.cr.execute(SQL(" UNION ALL ").join(branches))
            candidates = [
                (
                    row[0],
                    row[1],
                    {
                        "vat": row[2],
                        "phone": frozenset(filter(None, (row[3], row[4]))),
                        "email": row[5],
                        "name": row[6],
                        "company": row[7],
                    },
                )
                for row in self.env.cr.fetchall()
            ]
        # earlier rows of the same batch count as existing clients for the later ones
        ordered = self.sorted("id")
        duplicates = {}
        for index, partner in enumerate(ordered):
            own = keys[partner.id]
            pool = candidates + [
                (earlier.id, criterion, keys[earlier.id])
                for earlier in ordered[:index]
                for criterion in ("vat", "phone", "email")
            ]
            matches = sorted(
                (existing_id, criterion)
                for existing_id, criterion, other in pool
                if own[criterion] and self._discipline_same_client(own, other, criterion)
            )
            if matches:
                order = ("vat", "phone", "email")
                best = min(matches, key=lambda match: (order.index(match[1]), match[0]))
                duplicates[partner.id] = best
        return duplicates

    def _discipline_check_duplicates(self):
        """CL-5: {card id: [problem]} for the companies that duplicate an existing client; a discipline
        administrator's deliberate duplicate is noted on the card instead."""
        duplicates = self._discipline_find_duplicates()
        if not duplicates:
            return {}
        criteria = {
            "vat": self.env._("tax ID"),
            "phone": self.env._("phone"),
            "email": self.env._("email domain and name"),
        }
        existing = self.browse([existing_id for existing_id, _criterion in duplicates.values()]).sudo()
        names = {partner.id: partner.display_name for partner in existing}
        if self._discipline_bypass_requested("sales_discipline_allow_duplicate"):
            for partner in self.filtered(lambda p: p.id in duplicates):
                existing_id, criterion = duplicates[partner.id]
                partner.message_post(
                    body=self.env._(
                        "Saved as a deliberate duplicate of %(existing)s (#%(id)s, same %(criterion)s) by %(user)s.",
                        existing=names[existing_id],
                        id=existing_id,
                        criterion=criteria[criterion],
                        user=self.env.user.name,
                    )
                )
            return {}
        problems = {}
        for partner in self.filtered(lambda p: p.id in duplicates):
            existing_id, criterion = duplicates[partner.id]
            problems[partner.id] = [
                self.env._(
                    "%(card)s duplicates the existing client %(existing)s (#%(id)s): same %(criterion)s. "
                    "Open the existing card instead.",
                    card=partner.display_name,
                    existing=names[existing_id],
                    id=existing_id,
                    criterion=criteria[criterion],
                )
            ]
        return problems
