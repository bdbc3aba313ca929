from odoo.tests import TransactionCase, new_test_user


class SalesDisciplineCase(TransactionCase):
    """Own data, no demo: one user per role, one sales team, the shipped policies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.company.sudo()._discipline_install_default_policies()
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
