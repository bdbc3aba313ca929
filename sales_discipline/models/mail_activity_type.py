from odoo import fields, models

FUNNEL_KINDS = [
    ("result_call", "Result call"),
    ("conducted_meeting", "Conducted meeting"),
    ("result_meeting", "Result meeting"),
    ("progress", "Progress"),
    ("warm_contact", "Warm contact"),
    ("visit", "Visit"),
    ("incoming_call", "Incoming call"),
    ("needs_questionnaire", "Needs questionnaire"),
]
# Hunters work the active funnel, farmers the proactive one (RO-3, RO-4).
FUNNEL_ROLE = {
    "result_call": "hunter",
    "conducted_meeting": "hunter",
    "result_meeting": "hunter",
    "progress": "hunter",
    "warm_contact": "farmer",
    "visit": "farmer",
    "incoming_call": "farmer",
    "needs_questionnaire": "farmer",
}
DATE_PRECISIONS = [
    ("datetime", "Date and time"),
    ("day", "Day"),
    ("range", "Date range"),
]


class MailActivityType(models.Model):
    """Activity types say how precisely a next step must be dated and what it is for by default."""

    _inherit = "mail.activity.type"

    date_precision = fields.Selection(
        DATE_PRECISIONS,
        default="day",
        required=True,
        help="Date and time: a meeting has an hour. Day: a call has a day. Date range: something to do this week.",
    )
    funnel_kind = fields.Selection(
        FUNNEL_KINDS,
        string="Funnel Step",
        help="The step of the hunters' active funnel or the farmers' proactive funnel this activity counts for.",
    )
    default_goal = fields.Char(
        translate=True,
        help="The goal proposed for a new activity of this type, e.g. “sell the meeting” for a call.",
    )
