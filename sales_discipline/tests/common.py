from odoo.tests import TransactionCase, new_test_user

# Columns of a client import, as the import dialog sends them (relations by database id).
IMPORT_FIELDS = [
    "name",
    "is_company",
    "client_type",
    "street",
    "phone",
    "email",
    "acquisition_source_id/.id",
    "industry_id/.id",
    "user_id/.id",
]


class SalesDisciplineCase(TransactionCase):
    """Own data, no demo: one user per role, one sales team, the shipped policies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.sudo()._discipline_install_default_policies()
        # the rules are tested as a company that has rolled them all out (test_rollout.py tests the other modes)
        cls.company.sudo().write(dict.fromkeys(cls.company._discipline_mode_fields(), "enforce"))
        cls.salesperson = new_test_user(
            cls.env, login="sd_salesperson", name="Sasha Salesperson", groups="sales_discipline.group_salesperson"
        )
        cls.colleague = new_test_user(
            cls.env, login="sd_colleague", name="Kolya Colleague", groups="sales_discipline.group_salesperson"
        )
        cls.team_lead = new_test_user(
            cls.env, login="sd_team_lead", name="Tanya Team Lead", groups="sales_discipline.group_team_lead"
        )
        cls.head = new_test_user(
            cls.env, login="sd_head", name="Hermann Head", groups="sales_discipline.group_head_of_sales"
        )
        cls.discipline_admin = new_test_user(
            cls.env,
            login="sd_admin",
            name="Ada Discipline Admin",
            groups="sales_discipline.group_discipline_admin",
        )
        cls.outsider = new_test_user(cls.env, login="sd_outsider", name="Otto Outsider", groups="base.group_user")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Discipline Test Team",
                "user_id": cls.team_lead.id,
                "crm_team_member_ids": [
                    (0, 0, {"user_id": cls.salesperson.id}),
                    (0, 0, {"user_id": cls.colleague.id}),
                ],
            }
        )
        cls.source = cls.env["utm.source"].create({"name": "Exhibition"})
        cls.industry = cls.env["res.partner.industry"].create({"name": "Wholesale trade"})

    @classmethod
    def company_vals(cls, **overrides):
        vals = {
            "name": "Romashka LLC",
            "is_company": True,
            "client_type": "end_customer",
            "street": "Tverskaya 1",
            "phone": "+7 495 123-45-67",
            "email": "info@romashka.example",
            "acquisition_source_id": cls.source.id,
            "industry_id": cls.industry.id,
            "user_id": cls.salesperson.id,
        }
        vals.update(overrides)
        return vals

    @classmethod
    def import_refs(cls):
        """The relation columns of IMPORT_FIELDS for a complete client row."""
        return [str(cls.source.id), str(cls.industry.id), str(cls.salesperson.id)]

    @classmethod
    def contact_vals(cls, parent, **overrides):
        vals = {
            "name": "Ivan Petrov",
            "function": "Purchasing Director",
            "phone": "+7 916 000-11-22",
            "email": "ivan.petrov@romashka.example",
            "parent_id": parent.id,
        }
        vals.update(overrides)
        return vals


class DealDisciplineCase(SalesDisciplineCase):
    """A strict pipeline (next step refused when missing) with stages that require data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.next_step_policy = "refuse"
        Stage = cls.env["crm.stage"]
        field = cls.env["ir.model.fields"]._get
        cls.stage_new = Stage.create({"name": "First Call", "sequence": 201, "team_id": cls.team.id, "max_days": 10})
        cls.stage_proposal = Stage.create(
            {
                "name": "Proposal",
                "sequence": 202,
                "team_id": cls.team.id,
                "max_days": 5,
                "required_field_ids": [
                    (6, 0, [field("crm.lead", name).id for name in ("expected_revenue", "description", "source_id")])
                ],
            }
        )
        cls.stage_won = Stage.create({"name": "Paid", "sequence": 203, "team_id": cls.team.id, "is_won": True})
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.meeting = cls.env.ref("mail.mail_activity_data_meeting")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.this_week = cls.env.ref("sales_discipline.mail_activity_type_this_week")
        cls.reason_price = cls.env.ref("crm.lost_reason_1")  # "Too expensive"
        cls.reason_competitor = cls.env.ref("sales_discipline.crm_lost_reason_competitor")
        cls.Lead = cls.env["crm.lead"].with_user(cls.salesperson)

    @classmethod
    def deal_vals(cls, **overrides):
        vals = {
            "name": "Pumps for Romashka",
            "type": "opportunity",
            "team_id": cls.team.id,
            "user_id": cls.salesperson.id,
            "stage_id": cls.stage_new.id,
            "expected_revenue": 5000.0,
            "next_step_type_id": cls.call.id,
            "next_step_goal": "Sell the meeting",
            "next_step_deadline": "2030-01-10",
        }
        vals.update(overrides)
        return vals

    def assertRefused(self, exception, message, func, *args, **kwargs):
        with self.assertRaises(exception) as refusal:
            func(*args, **kwargs)
        self.assertEqual(str(refusal.exception), message)
