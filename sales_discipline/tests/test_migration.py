import ast
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid

from odoo.tests import tagged
from odoo.tools import config

from .test_install import SubprocessDatabaseCase

MODULE = "sales_discipline"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFEST = f"{MODULE}/__manifest__.py"
MAGIC_FIELDS = ("id", "create_uid", "create_date", "write_uid", "write_date")
# (model, field) whose stored values a migration of this version changes on purpose; anything else must be kept.
# 18.0.1.3.0 changes none: it fills two new columns (the stays' days from the deal's start, the stages' milestones);
# 18.0.1.4.0 none: it adds the ABC-XYZ and share-of-wallet columns, empty.
EXPECTED_CHANGES = set()

# Data of every kind the addon stores, made with the previous version's own code (as the superuser, so that its
# rules do not get in the way); fields it does not have are left out, so the script outlives later versions.
DATA_SCRIPT = """
from datetime import timedelta
from odoo import Command, fields

def keep(model, values):
    known = env[model]._fields
    return {name: value for name, value in values.items() if name in known}

ref = env.ref
company = env.company
company.write(keep("res.company", {
    "discipline_backdate_hours": 48, "discipline_client_active_days": 200, "discipline_max_decision_makers": 3,
}))
if "discipline_company_field_ids" in company._fields:
    company.discipline_company_field_ids = [Command.set(
        env["ir.model.fields"].search([("model", "=", "res.partner"), ("name", "in", ["name", "phone", "vat"])]).ids)]
env["ir.config_parameter"].set_param("sales_discipline.export_salesperson", "True")
env["ir.config_parameter"].set_param("sales_discipline.export_team_lead", "True")

Users = env["res.users"].with_context(no_reset_password=True)
hunter = Users.create({"name": "Mig Hunter", "login": "mig_hunter",
                       "groups_id": [Command.set([ref("sales_discipline.group_salesperson").id])]})
farmer = Users.create({"name": "Mig Farmer", "login": "mig_farmer",
                       "groups_id": [Command.set([ref("sales_discipline.group_salesperson").id])]})
team = ref("sales_discipline.crm_team_new_clients")
team.write(keep("crm.team", {"next_step_policy": "off", "routing_method": "manual", "members_see_unassigned": True}))
env["crm.team.member"].create([keep("crm.team.member", {"crm_team_id": team.id, "user_id": hunter.id,
                                                        "sales_role": "hunter"}),
                               keep("crm.team.member", {"crm_team_id": team.id, "user_id": farmer.id,
                                                        "sales_role": "farmer"})])
stages = env["crm.stage"].search([("team_id", "=", team.id)], order="sequence")
stages[0].write(keep("crm.stage", {"max_days": 9}))
if "required_field_ids" in stages[1]._fields:
    stages[1].required_field_ids = [Command.link(ref("crm.field_crm_lead__phone").id)]
reason = env["crm.lost.reason"].search([], limit=1)
reason.write(keep("crm.lost.reason", {"requires_comment": not reason.requires_comment}))
ref("mail.mail_activity_data_call").write(keep("mail.activity.type", {"default_goal": "Agree on a visit"}))
if "sales.discipline.norm" in env:
    env["sales.discipline.norm"].search([], limit=1).write({"weekly_target": 77})

Partner = env["res.partner"]
clients = Partner.create([
    keep("res.partner", {"name": f"Client {i} LLC", "is_company": True, "vat": f"RU 7700-00{i}",
                         "phone": f"+7 495 000-00-0{i}", "email": f"info@client{i}.example",
                         "client_type": "reseller", "company_size": "small",
                         "payment_deferral_days": 10 * i, "user_id": hunter.id})
    for i in range(1, 6)
])
people = Partner.create([
    keep("res.partner", {"name": f"Person {i}", "parent_id": clients[i % 5].id, "function": "Buyer",
                         "is_decision_maker": i % 2 == 0})
    for i in range(6)
])
clients[4].write(keep("res.partner", {"winback_listed": True, "winback_lost_by_id": farmer.id}))

Lead = env["crm.lead"]
deals = Lead.create([
    keep("crm.lead", {"name": f"Deal {i}", "type": "opportunity", "team_id": team.id, "stage_id": stages[0].id,
                      "user_id": hunter.id if i % 2 else farmer.id, "partner_id": clients[i % 5].id,
                      "expected_revenue": 1000 * i, "description": "Pumps",
                      "deal_type": "expansion" if i % 3 else False})
    for i in range(1, 13)
])
deals[:8].write({"stage_id": stages[1].id})
deals[:5].write({"stage_id": stages[2].id})
won = stages.filtered("is_won")[:1]
deals[:2].write({"stage_id": won.id})
deals[10].with_context(discipline_lost_comment="Chose a competitor").action_set_lost(lost_reason_id=reason.id)
deals[11].write(keep("crm.lead", {"last_touch_date": fields.Datetime.now() - timedelta(days=3), "stale_notified": True,
                                  "winback_excluded_user_id": hunter.id}))
Lead.flush_model()
env.cr.execute("UPDATE crm_lead SET date_started = create_date - interval '40 days' WHERE id = ANY(%s)",
               [deals[:4].ids])
Lead.invalidate_model()
env.add_to_compute(Lead._fields["cycle_days"], deals[:4])
env.add_to_compute(Lead._fields["recorded_after_fact"], deals[:4])
clients._discipline_refresh_client_status()

Activity = env["mail.activity"]
model_id = env["ir.model"]._get_id("crm.lead")
Activity.create([
    keep("mail.activity", {"res_model_id": model_id, "res_id": deal.id, "summary": f"Call about {deal.name}",
                           "activity_type_id": ref("mail.mail_activity_data_meeting").id, "user_id": deal.user_id.id,
                           "goal": "Sell the meeting", "date_deadline": fields.Date.today() + timedelta(days=2),
                           "scheduled_at": fields.Datetime.now() + timedelta(days=2), "contact_id": people[0].id,
                           "client_interest": "some", "progress_note": "Price agreed", "joint_action": "proposal"})
    for deal in deals[2:9]
])
if "sales.discipline.export.log" in env:
    env["sales.discipline.export.log"].create(keep("sales.discipline.export.log", {
        "user_id": hunter.id, "user_name": hunter.name, "company_id": company.id, "model_name": "crm.lead",
        "record_count": 12, "route": "rpc", "allowed": False}))
env.flush_all()
env.cr.commit()
print("DATA READY")
"""


def _manifest_version(text):
    return ast.literal_eval(text)["version"]


def _git(*args):
    result = subprocess.run(["git", "-C", REPO_ROOT, *args], capture_output=True, check=False)
    if result.returncode:
        raise AssertionError(
            f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace')}; the migration test needs the "
            "repository's history (a clone, not an export)"
        )
    return result.stdout


def previous_release():
    """The git revision of the previous released version: the parent of the commit that set the current version,
    or HEAD while the version change is not committed. Returns (revision, its version, the current version)."""
    with open(os.path.join(REPO_ROOT, MANIFEST), encoding="utf-8") as manifest:
        current = _manifest_version(manifest.read())
    bump = None
    for commit in _git("log", "--format=%H", "--", MANIFEST).decode().split():
        if _manifest_version(_git("show", f"{commit}:{MANIFEST}").decode()) != current:
            break
        bump = commit
    revision = f"{bump}^" if bump else "HEAD"
    return revision, _manifest_version(_git("show", f"{revision}:{MANIFEST}").decode()), current


@tagged("post_install", "-at_install", "sd_install")
class TestUpgradeFromPreviousRelease(SubprocessDatabaseCase):
    """An upgrade from the previous released version (from git) to this one keeps all the addon's data."""

    def _snapshot(self, db):
        """Every stored value of the addon's fields (all records of its models, its columns on Odoo's models, its
        many2many links) and its system parameters, as they are in the database."""
        rows = self._sql(
            db,
            f"""SELECT json_agg(json_build_array(f.model, f.name, f.ttype, f.relation_table, f.column1, f.column2))
                  FROM ir_model_fields f
                  JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id AND d.module = '{MODULE}'
                  JOIN ir_model m ON m.model = f.model
                 WHERE f.store AND f.ttype <> 'one2many' AND NOT m.transient
                   AND f.name NOT IN {MAGIC_FIELDS}""",
        )
        columns, links = {}, {}
        for model, name, ttype, relation_table, column1, column2 in json.loads(rows):
            if ttype == "many2many":
                links[(model, name)] = (relation_table, column1, column2)
            else:
                columns.setdefault(model, []).append(name)
        snapshot = {}
        for model, names in columns.items():
            table = model.replace(".", "_")
            if self._sql(db, f"SELECT relkind FROM pg_class WHERE relname = '{table}'") != "r":
                continue  # an SQL view (report): nothing stored
            select = ", ".join(f'"{name}"' for name in names)
            data = self._sql(
                db, f"SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM (SELECT id, {select} FROM {table}) t"
            )
            for row in json.loads(data):
                record_id = row.pop("id")
                for name, value in row.items():
                    snapshot[(model, name, record_id)] = value
        for (model, name), (table, column1, column2) in links.items():
            data = self._sql(
                db, f'SELECT coalesce(json_agg(json_build_array("{column1}", "{column2}")), \'[]\') FROM {table}'
            )
            for left, right in json.loads(data):
                snapshot[(model, name, left, right)] = True
        params = self._sql(
            db,
            "SELECT coalesce(json_object_agg(key, value), '{}') FROM ir_config_parameter "
            f"WHERE key LIKE '{MODULE}.%'",
        )
        for key, value in json.loads(params).items():
            snapshot[("ir.config_parameter", key)] = value
        return snapshot

    def test_upgrade_keeps_the_data(self):
        revision, previous, current = previous_release()
        self.assertNotEqual(previous, current, f"{revision} has the version of the working tree ({current})")
        db = f"sd_migration_{uuid.uuid4().hex[:8]}"
        workdir = tempfile.mkdtemp(prefix="sd_migration_")
        try:
            archive = _git("archive", "--format=tar", revision, MODULE)
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(workdir, filter="data")
            old_path = ",".join(
                workdir if os.path.realpath(path) == os.path.realpath(REPO_ROOT) else path
                for path in config["addons_path"].split(",")
            )
            self.assertIn(workdir, old_path, "the repository is not on the addons path")
            flags = ("--without-demo=all", "--stop-after-init", "--no-http", "--log-level=warn")
            installed = self._odoo(db, "-i", MODULE, *flags, addons_path=old_path)
            self.assertEqual(installed.returncode, 0, installed.stderr[-3000:])
            self.assertNotIn(" ERROR ", installed.stdout + installed.stderr)
            version = f"SELECT latest_version FROM ir_module_module WHERE name = '{MODULE}'"
            self.assertEqual(self._sql(db, version), previous)
            made = self._odoo(
                db, "--no-http", "--log-level=warn", command="shell", stdin=DATA_SCRIPT, addons_path=old_path
            )
            self.assertIn("DATA READY", made.stdout, made.stdout[-2000:] + made.stderr[-3000:])
            before = self._snapshot(db)
            counts = {
                model: len({key[2] for key in before if key[0] == model and len(key) == 3})
                for model in ("crm.lead", "crm.lead.stage.history", "res.partner", "mail.activity")
            }
            self.assertGreaterEqual(counts["crm.lead.stage.history"], 20, counts)
            self.assertGreaterEqual(counts["crm.lead"], 12, counts)
            self.assertIn(("res.company", "discipline_backdate_hours", 1), before)

            upgraded = self._odoo(db, "-u", MODULE, *flags)
            self.assertEqual(upgraded.returncode, 0, upgraded.stderr[-3000:])
            self.assertNotIn(" ERROR ", upgraded.stdout + upgraded.stderr)
            self.assertEqual(self._sql(db, version), current)
            after = self._snapshot(db)
            lost = {key: value for key, value in before.items() if key not in after and key[:2] not in EXPECTED_CHANGES}
            changed = {
                key: (value, after[key])
                for key, value in before.items()
                if key in after and after[key] != value and key[:2] not in EXPECTED_CHANGES
            }
            if lost or changed:
                self.fail(
                    f"the upgrade from {previous} ({revision}) lost {len(lost)} values and changed {len(changed)}: "
                    f"lost e.g. {list(lost.items())[:5]}; changed (before, after) e.g. {list(changed.items())[:5]}"
                )
            self.assertEqual(after[("res.company", "discipline_backdate_hours", 1)], 48)
            # 18.0.1.3.0: every stay recorded before knows the days from its deal's start; the shipped stages their
            # milestone (PL-2)
            missing_days = "SELECT count(*) FROM crm_lead_stage_history WHERE days_from_start IS NULL"
            self.assertEqual(self._sql(db, missing_days), "0")
            self.assertEqual(
                self._sql(
                    db,
                    "SELECT stage.milestone FROM crm_stage stage JOIN ir_model_data data ON data.res_id = stage.id "
                    "AND data.model = 'crm.stage' AND data.name = 'crm_stage_new_proposal_sent'",
                ),
                "proposal",
            )
            # the company's rollout modes are kept as they were (the comparison above checks every value)
            modes = {
                name: value for (model, name, *_rest), value in after.items() if name.startswith("discipline_mode_")
            }
            self.assertEqual(len(modes), 6, modes)
            # 18.0.1.4.0: the share-of-wallet columns exist before the models load, so no card is computed (AN-4)
            self.assertEqual(
                self._sql(
                    db,
                    "SELECT count(*) FROM res_partner WHERE discipline_wallet_share IS NOT NULL"
                    " OR discipline_wallet_potential IS NOT NULL",
                ),
                "0",
            )
        finally:
            self._drop(db)
            shutil.rmtree(workdir, ignore_errors=True)
