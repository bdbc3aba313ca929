from odoo import api, fields, models
from odoo.tools import SQL

from .crm_lead_flags import FLAG_NO_NEXT_STEP
from .mail_activity_type import DATE_PRECISIONS

NEXT_STEP_FIELDS = ("next_step_type_id", "next_step_goal", "next_step_deadline", "next_step_at", "next_step_date_start")


class CrmLead(models.Model):
    """The next step of a deal (NS-1 … NS-3): the Next Step fields plan or edit the deal's next activity, with its
    goal and a date as precise as its type; a strict team refuses a deal without one (the has_next_step flag of
    crm_lead_flags); a duplicated deal gets its original's step."""

    # one file per capability of crm.lead (house style), merged by the registry
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    next_step_type_id = fields.Many2one(
        "mail.activity.type",
        string="Next Step",
        compute="_compute_next_step",
        inverse="_inverse_next_step",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    next_step_goal = fields.Char(string="Goal", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_deadline = fields.Date(string="Due", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_at = fields.Datetime(string="At", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_date_start = fields.Date(string="From", compute="_compute_next_step", inverse="_inverse_next_step")
    next_step_precision = fields.Selection(DATE_PRECISIONS, compute="_compute_next_step_precision")

    @api.depends(
        "activity_ids.active",
        "activity_ids.date_deadline",
        "activity_ids.activity_type_id",
        "activity_ids.goal",
        "activity_ids.scheduled_at",
        "activity_ids.date_start",
        "activity_ids.task_check_user_id",
    )
    def _compute_next_step(self):
        """The fields of _discipline_next_activity (the first active activity by due date, then id, that is not a
        colleague's check), for all these deals in one query: loading each deal's activities through the ORM
        checks their access again, on a deal the user already reads. A deal being edited shows its saved step."""
        ids = [lead._origin.id for lead in self if lead._origin.id]
        steps = {}
        if ids:
            self.env["mail.activity"].flush_model(
                [
                    *("res_model", "res_id", "active", "task_check_user_id", "date_deadline"),
                    *("activity_type_id", "goal", "scheduled_at", "date_start"),
                ]
            )
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT ON (res_id)
                              res_id, activity_type_id, goal, date_deadline, scheduled_at, date_start
                         FROM mail_activity
                        WHERE res_model = 'crm.lead' AND res_id = ANY(%s) AND active AND task_check_user_id IS NULL
                        ORDER BY res_id, date_deadline, id""",
                    ids,
                )
            )
            steps = {res_id: values for res_id, *values in self.env.cr.fetchall()}
        ActivityType = self.env["mail.activity.type"]
        for lead in self:
            type_id, goal, deadline, at, date_start = steps.get(lead._origin.id) or (None,) * 5
            lead.next_step_type_id = ActivityType.browse(type_id or ())
            lead.next_step_goal = goal or False
            lead.next_step_deadline = deadline or False
            lead.next_step_at = at or False
            lead.next_step_date_start = date_start or False

    @api.depends("next_step_type_id")
    def _compute_next_step_precision(self):
        for lead in self:
            lead.next_step_precision = lead.next_step_type_id.date_precision

    def _inverse_next_step(self):
        """The Next Step fields of the form create the deal's next activity, or edit the one already planned."""
        self._discipline_plan_next_steps(
            [
                {
                    "next_step_type_id": lead.next_step_type_id.id,
                    "next_step_goal": lead.next_step_goal,
                    "next_step_deadline": lead.next_step_deadline,
                    "next_step_at": lead.next_step_at,
                    "next_step_date_start": lead.next_step_date_start,
                }
                for lead in self
            ]
        )

    def copy_data(self, default=None):
        """A duplicated deal gets the same next step as its original, so that duplicating an open deal in a
        strict pipeline is not refused for want of one."""
        vals_list = super().copy_data(default=default)
        for lead, vals in zip(self, vals_list, strict=True):
            if vals is None:  # already copied through a circular relation
                continue
            step = lead._discipline_next_activity()
            if step and not any(name in vals for name in NEXT_STEP_FIELDS):
                vals.update(
                    {
                        "next_step_type_id": step.activity_type_id.id,
                        "next_step_goal": step.goal,
                        "next_step_deadline": step.date_deadline,
                        "next_step_at": step.scheduled_at,
                        "next_step_date_start": step.date_start,
                    }
                )
        return vals_list

    def _discipline_plan_next_steps(self, steps, user=None):
        """Create (or update) each deal's next activity from its Next Step values, in one batch; the new
        activities go to ``user``, else to the deal's owner, else to the current user."""
        to_create = []
        for lead, step in zip(self, steps, strict=True):
            deadline = fields.Date.to_date(step.get("next_step_deadline"))
            moment = fields.Datetime.to_datetime(step.get("next_step_at"))
            if not (step.get("next_step_type_id") and (deadline or moment)):
                continue
            values = {
                "activity_type_id": step["next_step_type_id"],
                "goal": step.get("next_step_goal"),
                "date_deadline": deadline or moment.date(),
                "scheduled_at": moment or False,
                "date_start": step.get("next_step_date_start") or False,
            }
            planned = lead._discipline_next_activity()
            if planned:
                planned.write(values)
            else:
                # the goal doubles as the summary, so that a step planned for a colleague says what to do (TK-1)
                to_create.append(
                    dict(
                        values,
                        summary=values["goal"],
                        res_id=lead.id,
                        user_id=(user or lead.user_id or self.env.user).id,
                        automated=False,
                    )
                )
        if to_create:
            model_id = self.env["ir.model"]._get_id("crm.lead")
            self.env["mail.activity"].create([dict(vals, res_model_id=model_id) for vals in to_create])

    def _discipline_next_step_policy(self):
        self.ensure_one()
        return self.team_id.next_step_policy or "flag"

    def _discipline_next_step_problems(self):
        """{deal id: [problem]} for the open deals of strict teams that have no next step."""
        strict = self.filtered(lambda lead: lead._discipline_next_step_policy() == "refuse")
        without_ids = self._discipline_ids_matching(FLAG_NO_NEXT_STEP, strict.ids)
        return {lead.id: [lead._discipline_no_next_step_text()] for lead in strict if lead.id in without_ids}

    def _discipline_no_next_step_text(self):
        self.ensure_one()
        return self.env._(
            "Plan the next step (type, goal and date) of %(deal)s before saving: every open deal needs one.",
            deal=self.name,
        )

    def _discipline_next_activity(self):
        self.ensure_one()
        planned = self.activity_ids.filtered(lambda a: a.active and not a.task_check_user_id).sorted(
            lambda a: (a.date_deadline, a.id)
        )
        return planned[:1]
