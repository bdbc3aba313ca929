from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

DONE_ACTIVITY_CACHE_KEY = "sales_discipline_done_activity_ids"


class MailActivity(models.Model):
    """Next steps and tasks with discipline: a goal, a date as precise as the step, a trace when postponed."""

    _inherit = "mail.activity"

    goal = fields.Char(help="What this step must achieve, e.g. “sell the meeting” or “agree the contract terms”.")
    date_precision = fields.Selection(related="activity_type_id.date_precision")
    scheduled_at = fields.Datetime(
        compute="_compute_scheduled_at",
        store=True,
        readonly=False,
        help="Date and time of a step that needs an hour, such as a meeting.",
    )
    date_start = fields.Date(
        string="From",
        help="Start of the period of a step dated as a range; the due date is its end.",
    )
    funnel_kind = fields.Selection(related="activity_type_id.funnel_kind")
    contact_id = fields.Many2one(
        "res.partner",
        string="Decision Maker",
        index="btree_not_null",
        help="The client's decision maker this call or meeting is with (named, with a position).",
    )
    client_interest = fields.Selection(
        [("none", "No interest"), ("some", "Some interest"), ("strong", "Strong interest")],
        help="The client's interest in working with us, stated after a result meeting.",
    )
    progress_note = fields.Char(
        string="Progress Agreed",
        help="The progress in the negotiation agreed at a result meeting.",
    )
    joint_action = fields.Selection(
        [
            ("proposal", "Commercial proposal"),
            ("technical_survey", "Technical survey"),
            ("technical_requirements", "Technical requirements"),
            ("repeat_meeting", "Repeat meeting"),
        ],
        help="The joint action agreed with the client for the coming month.",
    )
    questionnaire_filled = fields.Boolean(
        readonly=True,
        copy=False,
        help="A client needs questionnaire was completed for this meeting.",
    )
    questionnaire_input_id = fields.Many2one(
        "survey.user_input",
        string="Needs Questionnaire",
        readonly=True,
        copy=False,
        groups="survey.group_survey_user",
    )

    def init(self):
        """Partial index serving the deals' next-step anti-joins (without next step, overdue, stale)."""
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS mail_activity_discipline_lead_idx ON mail_activity (res_id, date_deadline) "
                "WHERE res_model = 'crm.lead' AND active"
            )
        )

    @api.depends("calendar_event_id.start")
    def _compute_scheduled_at(self):
        for activity in self:
            if activity.calendar_event_id:
                activity.scheduled_at = activity.calendar_event_id.start
            elif not activity.scheduled_at:
                activity.scheduled_at = False

    @api.onchange("activity_type_id")
    def _onchange_activity_type_goal(self):
        if self.activity_type_id.default_goal and not self.goal:
            self.goal = self.activity_type_id.default_goal

    @api.model_create_multi
    def create(self, vals_list):
        """Default the goal from the type, then refuse a next step or a task that lacks its data."""
        types = self.env["mail.activity.type"].browse(
            [vals["activity_type_id"] for vals in vals_list if vals.get("activity_type_id")]
        )
        default_goals = {t.id: t.default_goal for t in types if t.default_goal}
        for vals in vals_list:
            if not vals.get("goal") and vals.get("activity_type_id") in default_goals:
                vals["goal"] = default_goals[vals["activity_type_id"]]
        activities = super().create(vals_list)
        if not self.env.su:
            activities._discipline_check_step_data()
            activities._discipline_check_task_data()
            activities._discipline_check_funnel_data()
        return activities

    def write(self, vals):
        """Leave a trace on the deal when its next step is postponed, and keep the step's data valid."""
        postponed = self.browse()
        if "date_deadline" in vals:
            new_deadline = fields.Date.to_date(vals["date_deadline"])
            postponed = self.filtered(
                lambda a: a.res_model == "crm.lead" and a.active and new_deadline and new_deadline > a.date_deadline
            )
            old_deadlines = {a.id: a.date_deadline for a in postponed}
        result = super().write(vals)
        if not self.env.su and {"goal", "scheduled_at", "date_start", "date_deadline", "activity_type_id"} & set(vals):
            self._discipline_check_step_data()
        if not self.env.su and {"contact_id", "joint_action", "date_deadline", "activity_type_id"} & set(vals):
            self._discipline_check_funnel_data()
        for activity in postponed:
            activity._discipline_trace_on_deal(
                self.env._(
                    "Next step “%(step)s” postponed from %(old)s to %(new)s by %(user)s.",
                    step=activity.summary or activity.activity_type_id.name,
                    old=old_deadlines[activity.id],
                    new=activity.date_deadline,
                    user=self.env.user.name,
                )
            )
        return result

    def unlink(self):
        """A next step removed without being done is a cancellation: the deal keeps a trace of it."""
        done_ids = self.env.cr.cache.get(DONE_ACTIVITY_CACHE_KEY, set())
        for activity in self.filtered(lambda a: a.res_model == "crm.lead" and a.active and a.id not in done_ids):
            activity._discipline_trace_on_deal(
                self.env._(
                    "Next step “%(step)s” due %(date)s cancelled by %(user)s.",
                    step=activity.summary or activity.activity_type_id.name,
                    date=activity.date_deadline,
                    user=self.env.user.name,
                )
            )
        return super().unlink()

    def action_feedback(self, feedback=False, attachment_ids=None):
        """Marking the last next step of an open deal done asks for the next one (Done & Schedule Next)."""
        if not self.env.su:
            self._discipline_check_not_last_step()
        return super().action_feedback(feedback=feedback, attachment_ids=attachment_ids)

    def _action_done(self, feedback=False, attachment_ids=None):
        """Require the result of a task set by a colleague, and record the touch on the deal."""
        if not self.env.su:
            self._discipline_check_task_result(feedback)
            self._discipline_check_funnel_result()
        self.env.cr.cache.setdefault(DONE_ACTIVITY_CACHE_KEY, set()).update(self.ids)
        lead_ids = [a.res_id for a in self if a.res_model == "crm.lead"]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if lead_ids:
            self.env["crm.lead"].browse(lead_ids).exists()._discipline_touch()
        return result

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _discipline_check_step_data(self):
        """NS-2, NS-3: a step on a deal states its goal and is dated as precisely as its type requires."""
        problems = []
        for activity in self.filtered(lambda a: a.res_model == "crm.lead" and a.active):
            label = activity.summary or activity.activity_type_id.name or self.env._("Next step")
            if not activity.goal:
                problems.append(self.env._("%(step)s: state its goal.", step=label))
            precision = activity.activity_type_id.date_precision
            if precision == "datetime" and not activity.scheduled_at:
                problems.append(self.env._("%(step)s: set the date and time.", step=label))
            if precision == "range" and not activity.date_start:
                problems.append(self.env._("%(step)s: set the start of the period.", step=label))
            if activity.date_start and activity.date_start > activity.date_deadline:
                problems.append(self.env._("%(step)s: the period must start before its due date.", step=label))
        if problems:
            raise ValidationError(
                self.env._("The next step cannot be saved:\n%(problems)s", problems="\n".join(problems))
            )

    def _discipline_check_funnel_data(self):
        """RO-3: a result call names a decision maker; progress is a joint action within a month."""
        problems = []
        today = fields.Date.context_today(self)
        for activity in self.filtered(lambda a: a.active and a.funnel_kind in ("result_call", "progress")):
            label = activity.summary or activity.activity_type_id.name
            if activity.funnel_kind == "result_call":
                contact = activity.contact_id
                if not contact:
                    problems.append(self.env._("%(step)s: name the decision maker called.", step=label))
                elif not (contact.is_decision_maker and contact.name and contact.function):
                    problems.append(
                        self.env._(
                            "%(step)s: %(contact)s must be a decision maker of the client, with a full name "
                            "and a position.",
                            step=label,
                            contact=contact.display_name,
                        )
                    )
            else:
                if not activity.joint_action:
                    problems.append(self.env._("%(step)s: say which joint action was agreed.", step=label))
                if activity.date_deadline > today + relativedelta(months=1):
                    problems.append(self.env._("%(step)s: a progress step happens within a month.", step=label))
        if problems:
            raise ValidationError(
                self.env._("The funnel step cannot be saved:\n%(problems)s", problems="\n".join(problems))
            )

    def _discipline_check_funnel_result(self):
        """RO-3, RO-4: a meeting counts as conducted only with the needs questionnaire filled in for it;
        a result meeting records the client's interest and the progress agreed."""
        answers = self.filtered(
            lambda a: a.funnel_kind in ("conducted_meeting", "needs_questionnaire")
        )._discipline_questionnaire_answers()
        for activity in self.filtered("funnel_kind"):
            label = activity.summary or activity.activity_type_id.name
            if activity.funnel_kind in ("conducted_meeting", "needs_questionnaire"):
                answer = answers.get(activity.id)
                if not answer:
                    raise UserError(
                        self.env._(
                            "Fill in the client needs questionnaire of the deal before marking “%(step)s” done.",
                            step=label,
                        )
                    )
                activity.sudo().write({"questionnaire_filled": True, "questionnaire_input_id": answer.id})
            if activity.funnel_kind == "result_meeting" and not (activity.client_interest and activity.progress_note):
                raise UserError(
                    self.env._(
                        "Record the client's interest and the progress agreed before marking “%(step)s” done.",
                        step=label,
                    )
                )

    def _discipline_questionnaire_answers(self):
        """{activity id: the deal's needs questionnaire completed since the activity was planned}, in one search."""
        steps = self.filtered(lambda a: a.res_model == "crm.lead")
        if not steps:
            return {}
        answers = (
            self.env["survey.user_input"]
            .sudo()
            .search(
                [
                    ("crm_lead_id", "in", steps.mapped("res_id")),
                    ("state", "=", "done"),
                    ("survey_id", "=", self.env.ref("sales_discipline.survey_client_needs").id),
                ],
                order="end_datetime desc",
            )
        )
        result = {}
        for activity in steps:
            # survey times are stored to the second
            since = activity.create_date.replace(microsecond=0)
            result[activity.id] = next(
                (a for a in answers if a.crm_lead_id.id == activity.res_id and a.end_datetime >= since),
                answers.browse(),
            )
        return result

    def _discipline_check_task_data(self):
        """TK-1: a task given to a colleague says what to do."""
        uid = self.env.uid
        missing = self.filtered(lambda a: a.user_id and a.user_id.id != uid and not (a.summary or "").strip())
        if missing:
            raise ValidationError(
                self.env._(
                    "A task for a colleague needs a summary that starts with what to do (e.g. “Send the price list "
                    "to …”). Missing for: %(users)s.",
                    users=", ".join(missing.user_id.mapped("name")),
                )
            )

    def _discipline_check_task_result(self, feedback):
        """TK-2: a task set by a colleague is closed with its result, so the colleague can check it."""
        if (feedback or "").strip():
            return
        uid = self.env.uid
        tasks = self.filtered(
            lambda a: (
                not a.automated
                and a.user_id.id == uid
                and a.create_uid
                and a.create_uid != a.user_id
                and not a.create_uid._is_superuser()
            )
        )
        if tasks:
            raise UserError(
                self.env._(
                    "Describe the result of the task “%(task)s” set by %(author)s before marking it done.",
                    task=tasks[0].summary or tasks[0].activity_type_id.name,
                    author=tasks[0].create_uid.name,
                )
            )

    def _discipline_check_not_last_step(self):
        steps = self.filtered(lambda a: a.res_model == "crm.lead" and a.active)
        if not steps:
            return
        leads = self.env["crm.lead"].browse(steps.mapped("res_id")).exists()
        strict = leads.filtered(
            lambda lead: (
                lead.active
                and lead.type == "opportunity"
                and not lead.stage_id.is_won
                and lead._discipline_next_step_policy() == "refuse"
            )
        )
        if not strict:
            return
        remaining = self.env["mail.activity"]._read_group(
            [("res_model", "=", "crm.lead"), ("res_id", "in", strict.ids), ("id", "not in", steps.ids)],
            groupby=["res_id"],
        )
        covered = {res_id for (res_id,) in remaining}
        orphaned = strict.filtered(lambda lead: lead.id not in covered)
        if orphaned:
            raise UserError(
                self.env._(
                    "This is the last next step of %(deals)s. Use “Done & Schedule Next” to plan the following one.",
                    deals=", ".join(orphaned.mapped("name")),
                )
            )

    def _discipline_trace_on_deal(self, body):
        self.ensure_one()
        lead = self.env["crm.lead"].browse(self.res_id).exists()
        if lead:
            lead.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
