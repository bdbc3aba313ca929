from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, plaintext2html

from .rollout import warned_flag

DONE_ACTIVITY_CACHE_KEY = "sales_discipline_done_activity_ids"
# Set on the cursor while activities are scheduled through mail.activity.mixin.activity_schedule: by an app's code,
# or by a person in the Schedule Activity dialog (which calls the same method).
SCHEDULED_BY_KEY = "sales_discipline_scheduled_by"
SCHEDULED_BY_CODE = "code"
SCHEDULED_BY_PERSON = "person"
# Tasks to colleagues (TK-1, TK-2) are what a person assigns on deals and client cards; activities that other apps
# and automations schedule (``automated``) and activities on other models are theirs, not tasks.
TASK_MODELS = ("crm.lead", "res.partner")
# "What to do" is more than one word, and more than the activity type's own name ("Call", "To-Do").
TASK_SUMMARY_MIN_WORDS = 2


class MailActivity(models.Model):
    """Next steps and tasks with discipline: a goal, a date as precise as the step, a trace when postponed."""

    _inherit = "mail.activity"

    discipline_warned = warned_flag()
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
    task_check_user_id = fields.Many2one(
        "res.users",
        string="Result From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This activity asks the colleague who set a task to check the result reported by this person (TK-2).",
    )
    discipline_step_enforced = fields.Boolean(
        compute="_compute_discipline_step_enforced",
        help="A step on a deal of a company that enforces the next-step rules: the form asks for its goal.",
    )
    task_check_summary = fields.Char(
        string="Task Checked",
        readonly=True,
        copy=False,
        help="What the task checked asked to do; a task sent back is given again with it.",
    )

    def init(self):
        """Partial index serving the deals' next-step anti-joins (without next step, overdue, stale, the team
        counters): a colleague's result check is not a step, so it is left out of the index as of the conditions.
        Replaces the index of 18.0.1.1.0, which kept the result checks."""
        self.env.cr.execute(SQL("DROP INDEX IF EXISTS mail_activity_discipline_lead_idx"))
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS mail_activity_discipline_step_idx ON mail_activity (res_id, date_deadline) "
                "WHERE res_model = 'crm.lead' AND active AND task_check_user_id IS NULL"
            )
        )

    @api.depends("calendar_event_id.start")
    def _compute_scheduled_at(self):
        for activity in self:
            if activity.calendar_event_id:
                activity.scheduled_at = activity.calendar_event_id.start
            elif not activity.scheduled_at:
                activity.scheduled_at = False

    @api.depends("res_model", "res_id")
    def _compute_discipline_step_enforced(self):
        for activity in self:
            activity.discipline_step_enforced = (
                activity.res_model == "crm.lead" and activity._discipline_company_mode("next_step") == "enforce"
            )

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
        context_goal = self.env.context.get("default_goal")
        vals_list = [dict(vals) for vals in vals_list]  # an import retries row by row with the caller's dicts
        for vals in vals_list:
            if not vals.get("goal") and not context_goal and vals.get("activity_type_id") in default_goals:
                vals["goal"] = default_goals[vals["activity_type_id"]]
            if (
                not ({"scheduled_at", "calendar_event_id"} & set(vals))
                and "default_scheduled_at" not in self.env.context
            ):
                # without a meeting there is no hour to take: given, the field is not computed (its compute
                # would read its own empty value back from the database)
                vals["scheduled_at"] = False
        activities = super().create(vals_list)
        if not self.env.su:
            activities._discipline_check_step_data(new=True)
            activities._discipline_check_task_data(new=True)
            activities._discipline_check_funnel_data()
        return activities

    def write(self, vals):
        """Leave a trace on the deal when its next step is postponed, and keep the step's data valid."""
        postponed = self.browse()
        if "date_deadline" in vals:
            new_deadline = fields.Date.to_date(vals["date_deadline"])
            postponed = self._discipline_deal_steps().filtered(
                lambda a: new_deadline and new_deadline > a.date_deadline
            )
            old_deadlines = {a.id: a.date_deadline for a in postponed}
        result = super().write(vals)
        if not self.env.su and {"goal", "scheduled_at", "date_start", "date_deadline", "activity_type_id"} & set(vals):
            self._discipline_check_step_data(touched=set(vals))
        if not self.env.su and {"summary", "goal"} & set(vals):
            self._discipline_check_task_data(touched=set(vals))
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
        """A next step removed without being done is a cancellation: the deal keeps a trace of it. The rule
        warnings of the activities go with them."""
        done_ids = self.env.cr.cache.get(DONE_ACTIVITY_CACHE_KEY, set())
        self.env["sales.discipline.warning"]._discipline_forget(self)
        for activity in self._discipline_deal_steps().filtered(lambda a: a.id not in done_ids):
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
        """Require the result of a task set by a colleague and ask that colleague to check it (TK-2), and record
        the touch on the deal."""
        checks = []
        if not self.env.su:
            self._discipline_check_task_result(feedback)
            self._discipline_check_funnel_result()
            checks = self._discipline_prepare_result_checks(feedback)
        self.env.cr.cache.setdefault(DONE_ACTIVITY_CACHE_KEY, set()).update(self.ids)
        lead_ids = [a.res_id for a in self if a.res_model == "crm.lead" and not a.task_check_user_id]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if lead_ids:
            self.env["crm.lead"].browse(lead_ids)._discipline_touch()
        if checks:
            # the checker may not be allowed to be given activities by this colleague: the addon plans it; the
            # assignment notice is sent here, once, whatever the dialog's context
            Activity = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
            created = Activity.create(checks)
            created.action_notify()
        return result

    def action_accept_task_result(self):
        """TK-2: the colleague who set the task accepts its result; the check is done and noted on the record."""
        self.ensure_one()
        self._discipline_check_result_checker()
        self.action_feedback(feedback=self.env._("Result accepted by %(user)s.", user=self.env.user.name))
        return True

    def action_reopen_task(self):
        """TK-2: the result does not do, the task goes back to whoever did it: given again by the checker (so the
        task rules apply to it again), with the result reported and the checker's remarks in its note."""
        self.ensure_one()
        self._discipline_check_result_checker()
        colleague = self.task_check_user_id
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.env["mail.activity"].create(
            {
                "res_model_id": self.res_model_id.id,
                "res_id": self.res_id,
                "activity_type_id": todo.id,
                "summary": self.task_check_summary or self.summary,
                "goal": self.goal,
                "note": self.note,
                "user_id": colleague.id,
                "date_deadline": todo._get_date_deadline(),
                "automated": False,
            }
        )
        self.action_feedback(feedback=self.env._("Sent back to %(user)s.", user=colleague.name))
        return True

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _discipline_check_step_data(self, new=False, touched=None):
        """NS-2, NS-3: a step on a deal states its goal and is dated as precisely as its type requires; in the
        company's mode of the next-step rules. A step another app schedules through ``activity_schedule`` is
        never refused mid-flow: what it lacks is listed as a rule warning."""
        Warning = self.env["sales.discipline.warning"]
        steps = Warning._discipline_in_force(
            "next_step", self.filtered(lambda a: a.res_model == "crm.lead" and a.active)
        )
        Warning._discipline_settle(
            steps,
            {"next_step": steps._discipline_step_problems(touched)},
            self.env._("The next step cannot be saved:"),
            lenient=self.env.cr.cache.get(SCHEDULED_BY_KEY) == SCHEDULED_BY_CODE,
            new=new,
        )
        if new and not self.env.context.get("discipline_new_deals"):
            # a step planned on a deal listed without one resolves that warning (the steps a new deal is created
            # with need no look-up: see crm.lead.create)
            # the deal is usually in the cache already (mail read it to check the access to it): no look-up then
            deals = self.env["crm.lead"].browse({step.res_id for step in steps})
            Warning._discipline_recheck_documents(deals, "next_step")

    def _discipline_step_problems(self, touched=None):
        """NS-2, NS-3 problems of these steps: all of them (``touched`` None), or those an edit of ``touched``
        makes, so that an app rewriting a step it scheduled (calendar linking it to an event) is not refused for a
        goal it never had (the step is listed as a warning since its creation)."""
        check_goal = touched is None or bool({"goal", "activity_type_id"} & touched)
        check_dates = touched is None or bool(
            {"scheduled_at", "date_start", "date_deadline", "activity_type_id"} & touched
        )
        problems = {}
        for activity in self:
            label = activity.summary or activity.activity_type_id.name or self.env._("Next step")
            texts = []
            if check_goal and not activity.goal:
                texts.append(self.env._("%(step)s: state its goal.", step=label))
            precision = activity.activity_type_id.date_precision if check_dates else False
            if precision == "datetime" and not activity.scheduled_at:
                texts.append(self.env._("%(step)s: set the date and time.", step=label))
            if precision == "range" and not activity.date_start:
                texts.append(self.env._("%(step)s: set the start of the period.", step=label))
            if check_dates and activity.date_start and activity.date_start > activity.date_deadline:
                texts.append(self.env._("%(step)s: the period must start before its due date.", step=label))
            if texts:
                problems[activity.id] = texts
        return problems

    def _discipline_family_problems(self, family):
        """Every problem of ``family`` these activities have now: rechecks an open rule warning."""
        if family == "next_step":
            return self.filtered(lambda a: a.res_model == "crm.lead" and a.active)._discipline_step_problems()
        if family == "tasks":
            return self._discipline_task_problems(touched=None)
        return {}

    def _discipline_warning_owner(self):
        """The person the activity is assigned to fixes its rule warning."""
        self.ensure_one()
        user = self.sudo().user_id
        return user, user.sale_team_id

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

    def _discipline_deal_steps(self):
        """The planned steps of deals among these activities; a colleague's check of a task result is not one."""
        return self.filtered(lambda a: a.res_model == "crm.lead" and a.active and not a.task_check_user_id)

    def _discipline_tasks(self):
        """The tasks among these activities: what a person assigned on a deal or a client card."""
        return self.filtered(lambda a: a.res_model in TASK_MODELS and not a.automated)

    def _discipline_tasks_set_by_colleagues(self):
        """Tasks set by someone other than their assignee (and not by the system)."""
        return self._discipline_tasks().filtered(
            lambda a: a.create_uid and a.create_uid != a.user_id and not a.create_uid._is_superuser()
        )

    def _discipline_check_task_data(self, touched=None, new=False):
        """TK-1 in the company's mode of the task rules (see _discipline_task_problems)."""
        Warning = self.env["sales.discipline.warning"]
        tasks = Warning._discipline_in_force("tasks", self)
        Warning._discipline_settle(
            tasks,
            {"tasks": tasks._discipline_task_problems(touched)},
            self.env._("The task for a colleague cannot be saved:"),
            new=new,
        )

    def _discipline_task_problems(self, touched=None):
        """TK-1: a task a person gives a colleague on a deal or a client card says what to do, in more than a word
        and more than the activity type's name, and the result expected (its goal). Checked on the saved values; on
        an edit, only what the edit touches (``touched``). Whether the summary's first word is a verb is not checked:
        that is language, not data."""
        uid = self.env.uid
        problems = {}
        for task in self._discipline_tasks().filtered(lambda a: a.user_id and a.user_id.id != uid):
            if touched is None or "summary" in touched:
                words = (task.summary or "").split()
                if len(words) < TASK_SUMMARY_MIN_WORDS or " ".join(words).casefold() == (
                    (task.activity_type_id.name or "").casefold()
                ):
                    problems.setdefault(task.id, []).append(
                        self.env._(
                            "%(user)s: start the summary with what to do (e.g. “Send the price list to the buyer”).",
                            user=task.user_id.name,
                        )
                    )
            if (touched is None or "goal" in touched) and not (task.goal or "").strip():
                problems.setdefault(task.id, []).append(
                    self.env._("%(user)s: state the result expected in the goal.", user=task.user_id.name)
                )
        return problems

    def _discipline_check_task_result(self, feedback):
        """TK-2: a task set by a colleague is closed with its result, so the colleague can check it."""
        if (feedback or "").strip():
            return
        uid = self.env.uid
        tasks = self._discipline_tasks_set_by_colleagues().filtered(lambda a: a.user_id.id == uid)
        tasks = tasks.filtered(lambda a: a._discipline_company_mode("tasks") == "enforce")
        if tasks:
            raise UserError(
                self.env._(
                    "Describe the result of the task “%(task)s” set by %(author)s before marking it done.",
                    task=tasks[0].summary or tasks[0].activity_type_id.name,
                    author=tasks[0].create_uid.name,
                )
            )

    def _discipline_prepare_result_checks(self, feedback):
        """TK-2: values of the activities that ask each colleague who set one of these tasks to check its result;
        in that colleague's language, due today, with the result reported in the note."""
        user = self.env.user
        today = fields.Date.context_today(self)
        todo = None  # looked up (one query) only when a check is due
        checks = []
        for task in self._discipline_tasks_set_by_colleagues():
            checker = task.create_uid
            if checker == user or not checker.active or checker.share:
                continue
            todo = todo or self.env.ref("mail.mail_activity_data_todo")
            env = task.with_context(lang=checker.lang).env
            note = Markup("<p>%s</p>") % env._("Result reported by %(user)s:", user=user.name)
            if (feedback or "").strip():
                note += plaintext2html(feedback)
            checks.append(
                {
                    "res_model_id": task.res_model_id.id,
                    "res_id": task.res_id,
                    "activity_type_id": todo.id,
                    "summary": env._("Check the result: %(task)s", task=task.summary or task.activity_type_id.name),
                    "goal": task.goal,
                    "note": note,
                    "user_id": checker.id,
                    "date_deadline": today,
                    "automated": True,
                    "task_check_user_id": user.id,
                    "task_check_summary": task.summary,
                }
            )
        return checks

    def _discipline_check_result_checker(self):
        """Only a result check is accepted or sent back, and only by the colleague it was given to."""
        if not self.task_check_user_id:
            raise UserError(
                self.env._("“%(activity)s” is not a task result to check.", activity=self.summary or self.display_name)
            )
        if self.user_id != self.env.user:
            raise UserError(
                self.env._(
                    "Only %(user)s, who set the task, can accept or send back its result.", user=self.user_id.name
                )
            )

    def _discipline_check_not_last_step(self):
        """NS-1 in a "refuse" pipeline: the last planned step of an open deal is not marked done without planning the
        next one. Refused where the next-step rules are enforced; elsewhere the deal is listed at once."""
        steps = self._discipline_deal_steps()
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
        strict = self.env["sales.discipline.warning"]._discipline_in_force("next_step", strict)
        if not strict:
            return
        # a colleague's check of a task result is not the deal's next step
        remaining = self.env["mail.activity"]._read_group(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", strict.ids),
                ("id", "not in", steps.ids),
                ("task_check_user_id", "=", False),
            ],
            groupby=["res_id"],
        )
        covered = {res_id for (res_id,) in remaining}
        orphaned = strict.filtered(lambda lead: lead.id not in covered)
        # where the next-step rules are not enforced, the deal is let through: it is listed at once under "Without
        # Next Step" (has_next_step is computed from the steps), as it is after "Done & Schedule Next" is closed
        orphaned = orphaned.filtered(
            lambda lead: self.env["sales.discipline.warning"]._discipline_mode_of(lead, "next_step") == "enforce"
        )
        if len(orphaned) == 1:
            raise UserError(
                self.env._(
                    "This is the last next step of the deal %(deal)s. Use “Done & Schedule Next” to plan the "
                    "following one.",
                    deal=orphaned.name,
                )
            )
        if orphaned:
            raise UserError(
                self.env._(
                    "These are the last next steps of the deals %(deals)s. Mark them done one by one with "
                    "“Done & Schedule Next” to plan the following ones.",
                    deals=", ".join(orphaned.mapped("name")),
                )
            )

    def _discipline_company_mode(self, family):
        """The mode of ``family`` for the company of the record the activity is on (the user's otherwise)."""
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id) if self.res_model in self.env else self
        return self.env["sales.discipline.warning"]._discipline_mode_of(record, family)

    def _discipline_trace_on_deal(self, body):
        self.ensure_one()
        lead = self.env["crm.lead"].browse(self.res_id).exists()
        if lead:
            lead.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
