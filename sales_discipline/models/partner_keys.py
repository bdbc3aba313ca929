"""Normalised keys of client cards (CL-5) and the text values PostgreSQL would refuse with a raw error, shared by the
partner model, the deal model and the install hooks; kept out of the model files so that importing them does not
load a model class early."""

import re

from odoo.exceptions import ValidationError

# Free mailbox providers: sharing one of these domains says nothing about being the same company.
PUBLIC_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "yandex.ru",
        "ya.ru",
        "rambler.ru",
        "proton.me",
        "protonmail.com",
    }
)
LEGAL_FORM_RE = re.compile(
    r"\b(ооо|оао|зао|пао|ао|ип|нко|llc|ltd|limited|inc|corp|gmbh|sa|sas|srl|bv|plc|co)\b",
    re.IGNORECASE,
)
NON_WORD_RE = re.compile(r"[\W_]+", re.UNICODE)
NON_DIGIT_RE = re.compile(r"\D+")
PHONE_EXTENSION_RE = re.compile(r"\s*(?:ext\.?|extension|доб\.?|добавочный|вн\.?|x|#)\s*\d+\s*$", re.IGNORECASE)
# Phone numbers are compared on their last digits, so that +7 495 …, 8 (495) … and 495 … match.
PHONE_SIGNIFICANT_DIGITS = 10
PHONE_MIN_DIGITS = 6
# Texts the addon indexes or matches on (directly or normalised): PostgreSQL refuses index entries over ~2,700 bytes.
KEY_TEXT_FIELDS = frozenset({"name", "phone", "mobile", "email", "email_from", "vat", "partner_name", "contact_name"})
KEY_TEXT_MAX_LENGTH = 500


def normalize_company_name(name):
    """Lower-case the name and drop legal forms, quotes and punctuation."""
    if not name:
        return False
    cleaned = LEGAL_FORM_RE.sub(" ", name.lower().replace("ё", "е"))
    cleaned = NON_WORD_RE.sub("", cleaned)
    return cleaned or False


def normalize_phone(phone):
    """The significant digits of a phone number, without its extension ("ext. 12", "доб. 12", "x12", "#12")."""
    digits = NON_DIGIT_RE.sub("", PHONE_EXTENSION_RE.sub("", phone or ""))
    if len(digits) < PHONE_MIN_DIGITS:
        return False
    return digits[-PHONE_SIGNIFICANT_DIGITS:]


def normalize_vat(vat):
    cleaned = NON_WORD_RE.sub("", (vat or "").upper())
    return cleaned or False


def email_domain(email):
    if not email or "@" not in email:
        return False
    domain = email.strip().rsplit("@", 1)[1].strip(" >").lower()
    if not domain or domain in PUBLIC_EMAIL_DOMAINS:
        return False
    return domain


def check_raw_values(records, vals_list):
    """Refuse, with a message a person can act on, the text values PostgreSQL would reject with a raw error: a NUL
    character anywhere, and a key text (name, phone, email, tax ID) longer than an index entry can hold."""
    env = records.env
    for vals in vals_list:
        for name, value in vals.items():
            if not isinstance(value, str) or name not in records._fields:
                continue
            label = records._fields[name]._description_string(env)
            if "\x00" in value:
                raise ValidationError(env._("%(field)s contains a NUL character: remove it.", field=label))
            if name in KEY_TEXT_FIELDS and len(value) > KEY_TEXT_MAX_LENGTH:
                raise ValidationError(
                    env._(
                        "%(field)s is too long (%(length)s characters): at most %(max)s.",
                        field=label,
                        length=len(value),
                        max=KEY_TEXT_MAX_LENGTH,
                    )
                )
