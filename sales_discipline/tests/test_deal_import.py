from odoo.tests import tagged

from .common import DealDisciplineCase

# Columns of a deal import, as the import dialog sends them (relations by database id).
DEAL_IMPORT_FIELDS = [
    "name",
    "type",
    "team_id/.id",
    "user_id/.id",
    "stage_id/.id",
    "expected_revenue",
    "next_step_type_id/.id",
    "next_step_goal",
    "next_step_deadline",
]


@tagged("post_install", "-at_install")
class TestDealImport(DealDisciplineCase):
    """DL-2, NS-1 on import: a file is checked row by row, each row gets its own message (CL-4 for deals)."""

    def _row(self, name, stage=None, goal="Sell the meeting", deadline="2030-01-10", step=True):
        return [
            name,
            "opportunity",
            str(self.team.id),
            str(self.salesperson.id),
            str((stage or self.stage_new).id),
            "5000",
            str(self.call.id) if step else "",
            goal if step else "",
            deadline if step else "",
        ]

    def test_each_row_gets_its_own_message(self):
        rows = [
            self._row("Valid A", goal="Sell the meeting to A"),
            self._row("No step B", step=False),
            self._row("Valid C", goal="Sell the meeting to C"),
            self._row("Too early D", stage=self.stage_proposal),
        ]
        result = self.Lead.load(DEAL_IMPORT_FIELDS, rows)
        self.assertIs(result["ids"], False)
        stage_problem = "The deal cannot be saved:\nToo early D: the stage Proposal requires Notes, Source."
        self.assertEqual(
            [(message["type"], message["rows"]["from"], message["message"]) for message in result["messages"]],
            [
                # Odoo first reports the error of the whole batch on its first row, then each row's own
                ("error", 0, stage_problem),
                (
                    "error",
                    1,
                    "Plan the next step (type, goal and date) of No step B before saving: every open deal needs one.",
                ),
                ("error", 3, stage_problem),
            ],
        )

    def test_file_without_errors_saves_each_row_with_its_own_step(self):
        rows = [
            self._row("Valid A", goal="Sell the meeting to A", deadline="2030-01-10"),
            self._row("Valid C", goal="Sell the meeting to C", deadline="2030-01-11"),
        ]
        result = self.Lead.load(DEAL_IMPORT_FIELDS, rows)
        self.assertEqual(result["messages"], [])
        deals = self.Lead.browse(result["ids"])
        self.assertEqual(
            [(deal.name, deal.activity_ids.goal, str(deal.activity_ids.date_deadline)) for deal in deals],
            [("Valid A", "Sell the meeting to A", "2030-01-10"), ("Valid C", "Sell the meeting to C", "2030-01-11")],
        )

    def test_caller_values_are_left_untouched(self):
        vals_list = [self.deal_vals(name="Deal A"), self.deal_vals(name="Deal B")]
        sent = [dict(vals) for vals in vals_list]
        deals = self.Lead.create(vals_list)
        self.assertEqual(vals_list, sent)
        move = {"stage_id": self.stage_won.id}
        deals.write(move)
        self.assertEqual(move, {"stage_id": self.stage_won.id})
