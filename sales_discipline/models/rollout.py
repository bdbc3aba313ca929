"""The families of rules a company rolls out step by step (off, warn, enforce): shared by the models that
check them, kept out of the model files so that importing them does not load a model class early."""

from odoo import fields

# The families of rules a company rolls out step by step, and the rule IDs of DOMAIN.md each one covers.
ROLLOUT_FAMILIES = [
    ("client_cards", "Client Cards"),
    ("duplicates", "Duplicate Clients"),
    ("deal_data", "Deal Data per Stage"),
    ("refusal_reasons", "Refusal Reasons"),
    ("next_step", "Next Step"),
    ("tasks", "Tasks to Colleagues"),
]
FAMILY_RULES = {
    "client_cards": "CL-1, CL-2, CL-3, CL-4",
    "duplicates": "CL-5",
    "deal_data": "DL-1, DL-2, DL-4",
    "refusal_reasons": "DL-3",
    "next_step": "NS-1, NS-2, NS-3",
    "tasks": "TK-1, TK-2",
}
ROLLOUT_MODES = [
    ("off", "Off"),
    ("warn", "Warn"),
    ("enforce", "Enforce"),
]
# A company that installs the addon keeps working: what breaks a rule is saved and listed, nothing is refused,
# until the discipline administrator moves a family to "enforce".
INSTALL_MODE = "warn"


def mode_field(family):
    return f"discipline_mode_{family}"


def mode_selection(string, help_text):
    """A family's mode field on the company."""
    return fields.Selection(ROLLOUT_MODES, string=string, default=INSTALL_MODE, required=True, help=help_text)


def warned_flag():
    """The flag a document carries while an open rule warning is about it (kept by sales.discipline.warning), so
    that a save looks for warnings to update or resolve only where there are some."""
    return fields.Boolean(
        string="Has Rule Warnings",
        readonly=True,
        copy=False,
        help="Technical: an open rule warning is about this document (kept by sales.discipline.warning).",
    )
