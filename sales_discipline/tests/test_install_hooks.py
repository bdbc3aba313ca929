from datetime import datetime, timedelta

from odoo.addons.sales_discipline import hooks
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

TABLE_MODELS = {"res_partner": "res.partner", "crm_lead": "crm.lead", "mail_activity": "mail.activity"}


@tagged("post_install", "-at_install")
class TestInstallHooks(TransactionCase):
    """The install hooks fill in SQL what the ORM would compute for the rows that exist at install time."""

    def _stored(self, model, names, ids):
        self.env.flush_all()
        columns = SQL(", ").join(SQL.identifier(name) for name in names)
        self.env.cr.execute(
            SQL("SELECT id, %s FROM %s WHERE id = ANY(%s)", columns, SQL.identifier(self.env[model]._table), ids)
        )
        return {
            row[0]: tuple(float(v) if hasattr(v, "is_finite") else v for v in row[1:]) for row in self.env.cr.fetchall()
        }

    def _recomputed(self, model, names, ids):
        """What the fields' compute methods give, from blank columns (some computes keep a value they find)."""
        blank = SQL(", ").join(SQL("%s = NULL", SQL.identifier(name)) for name in names)
        self.env.cr.execute(
            SQL("UPDATE %s SET %s WHERE id = ANY(%s)", SQL.identifier(self.env[model]._table), blank, ids)
        )
        self.env.invalidate_all()
        records = self.env[model].with_context(active_test=False).browse(ids)
        for name in names:
            self.env.add_to_compute(records._fields[name], records)
        return self._stored(model, names, ids)

    def test_precreated_columns_match_the_fields(self):
        """Each column the pre-init hook creates has the type Odoo would give it, and the field's default."""
        for table, column, column_type, value in hooks.PRECREATED_COLUMNS:
            field = self.env[TABLE_MODELS[table]]._fields[column]
            self.assertTrue(field.store, column)
            self.assertEqual(field.column_type[0], column_type, column)
            if value is not None:
                self.assertEqual(field.default(self.env[TABLE_MODELS[table]]), value, column)
            elif field.default and not field.compute and column != "date_started":
                self.fail(f"{column} has a default: give it to PRECREATED_COLUMNS")

    def test_precreate_leaves_existing_columns_alone(self):
        self.assertEqual(hooks._precreate_columns(self.env.cr), set())

    def test_deal_columns_equal_the_computes(self):
        """Start date, type, length and the "recorded after the fact" flag, on deals of every kind."""
        company = self.env.company
        company.discipline_backdate_hours = 24
        other = self.env["res.company"].create({"name": "Other Co", "discipline_backdate_hours": 0})
        client = self.env["res.partner"].create({"name": "Client LLC", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": client.id})
        Lead = self.env["crm.lead"].with_context(mail_create_nolog=True, tracking_disable=True)
        leads = Lead.create(
            [
                {"name": "open", "type": "opportunity", "partner_id": contact.id},
                {"name": "quick", "type": "opportunity"},
                {"name": "slow", "type": "opportunity", "partner_id": client.id},
                {"name": "before", "type": "opportunity"},
                {"name": "lead", "type": "lead"},
                {"name": "other company", "type": "opportunity", "company_id": other.id},
                {"name": "no company", "type": "opportunity", "company_id": False},
            ]
        )
        created = datetime(2025, 3, 1, 9, 0, 0, 123456)
        closed = {
            "quick": created + timedelta(hours=5),
            "slow": created + timedelta(days=40, seconds=4320),
            "before": created - timedelta(hours=3),
            "other company": created + timedelta(hours=2),
            "no company": created + timedelta(hours=23, minutes=59),
        }
        for lead in leads:
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead SET create_date = %s, date_closed = %s, deal_type = NULL, cycle_days = NULL, "
                    "recorded_after_fact = NULL WHERE id = %s",
                    created,
                    closed.get(lead.name),
                    lead.id,
                )
            )
        self.env.invalidate_all()
        hooks._fill_deals(self.env)
        hooks._flag_recorded_after_fact(self.env)
        names = ["date_started", "deal_type", "cycle_days", "recorded_after_fact"]
        filled = self._stored("crm.lead", names, leads.ids)
        by_name = {lead.name: filled[lead.id] for lead in leads}
        self.assertEqual(by_name["slow"][:3], (created, "new_sale", 40.1))
        self.assertFalse(by_name["slow"][3])
        self.assertEqual(by_name["quick"][2:], (0.2, True))
        self.assertEqual(by_name["before"][2:], (0.0, True))
        self.assertIsNone(by_name["lead"][1])
        self.assertTrue(by_name["other company"][3])  # 0 hours there: the current company's setting applies
        self.assertTrue(by_name["no company"][3])
        # the same values when the hook rewrites the table because every partner has the status it just created
        hooks._fill_deals(self.env, "inquiry")
        self.env.invalidate_all()
        self.assertEqual(self._stored("crm.lead", names[:3], leads.ids), {i: v[:3] for i, v in filled.items()})
        computed = self._recomputed("crm.lead", names[1:], leads.ids)
        for lead in leads:
            self.assertEqual(filled[lead.id][1:3], computed[lead.id][:2], lead.name)
            self.assertEqual(bool(filled[lead.id][3]), bool(computed[lead.id][2]), lead.name)

    def test_partner_keys_equal_the_computes(self):
        partners = self.env["res.partner"].create(
            [
                {
                    "name": "ООО «Ромашка»",
                    "vat": "ru 7701-234567",
                    "phone": "+7 (495) 123-45-67",
                    "email": "a@Romashka.RU",
                },
                {"name": "Ёлка Ltd.", "mobile": "8 916 000 11 22", "email": "Sales <s@gmail.com>"},
                {"name": "x", "phone": "12-34"},
            ]
        )
        names = list(hooks.PARTNER_KEY_COLUMNS)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET vat_normalized = NULL, phone_normalized = NULL, mobile_normalized = NULL, "
                "email_domain = NULL, name_normalized = NULL"
            )
        )
        hooks._fill_partner_keys(self.env)
        filled = self._stored("res.partner", names, partners.ids)
        self.assertEqual(filled[partners[0].id], ("RU7701234567", "4951234567", None, "romashka.ru", "ромашка"))
        self.assertEqual(filled, self._recomputed("res.partner", names, partners.ids))

    def test_activity_time_equals_the_compute(self):
        lead = self.env["crm.lead"].create({"name": "Deal", "type": "opportunity"})
        start = datetime(2025, 5, 6, 10, 30)
        event = self.env["calendar.event"].create(
            {"name": "Meeting", "start": start, "stop": start + timedelta(hours=1)}
        )
        model_id = self.env["ir.model"]._get_id("crm.lead")
        activities = self.env["mail.activity"]
        for activity_type, values in (("meeting", {"calendar_event_id": event.id}), ("call", {})):
            activities |= activities.create(
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": self.env.ref(f"mail.mail_activity_data_{activity_type}").id,
                    "summary": activity_type,
                    **values,
                }
            )
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE mail_activity SET scheduled_at = NULL WHERE id = ANY(%s)", activities.ids))
        hooks._fill_activity_times(self.env)
        filled = self._stored("mail.activity", ["scheduled_at"], activities.ids)
        self.assertEqual(filled[activities[0].id], (start,))
        self.assertEqual(filled, self._recomputed("mail.activity", ["scheduled_at"], activities.ids))

    def test_stage_stays_are_loaded_with_their_indexes_and_keys_back(self):
        """Each deal that has a stage gets one open stay; the indexes and foreign keys set aside are made again."""
        catalog = SQL(
            """SELECT (SELECT array_agg(pg_get_constraintdef(oid) ORDER BY conname) FROM pg_constraint
                        WHERE conrelid = 'crm_lead_stage_history'::regclass),
                      (SELECT array_agg(pg_get_indexdef(indexrelid) ORDER BY indexrelid::regclass::text) FROM pg_index
                        WHERE indrelid = 'crm_lead_stage_history'::regclass)"""
        )
        self.env.cr.execute(catalog)
        before = self.env.cr.fetchone()
        leads = self.env["crm.lead"].create([{"name": f"Deal {i}", "type": "opportunity"} for i in range(3)])
        self.env.flush_all()
        # a deal older than the addon, in its stage for 3 days of its 10: its stay says 7 days from its start
        self.env.cr.execute(
            SQL(
                """UPDATE crm_lead SET create_date = now() at time zone 'UTC' - interval '10 days', date_started = NULL,
                          date_last_stage_update = now() at time zone 'UTC' - interval '3 days' WHERE id = %s""",
                leads[0].id,
            )
        )
        self.env.cr.execute(SQL("DELETE FROM crm_lead_stage_history"))
        self.env.cr.execute(SQL("SELECT count(*) FROM crm_lead WHERE stage_id IS NOT NULL"))
        with_stage = self.env.cr.fetchone()[0]
        self.assertEqual(hooks._open_stage_stays(self.env), with_stage)
        self.env.cr.execute(catalog)
        self.assertEqual(self.env.cr.fetchone(), before)
        self.env.invalidate_all()
        for lead in leads:
            self.assertEqual(len(lead.stage_history_ids), 1)
            self.assertEqual(lead.stage_history_ids.stage_id, lead.stage_id)
            self.assertFalse(lead.stage_history_ids.date_out)
        self.assertAlmostEqual(leads[0].stage_history_ids.days_from_start, 7.0, places=3)
