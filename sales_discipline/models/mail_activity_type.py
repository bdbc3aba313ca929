from odoo import fields, models

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
    default_goal = fields.Char(
        translate=True,
        help="The goal proposed for a new activity of this type, e.g. “sell the meeting” for a call.",
    )
