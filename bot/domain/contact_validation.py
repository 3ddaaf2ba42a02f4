"""Normalise the contact details a resident types in the intake form.

Both functions accept a whole chat message ("mijn nummer is 06-12345678") and return the
first valid value in canonical form, or None. They never log what they were given.
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "NL"

# Anything that could be an e-mail address: a run of non-space characters around one "@".
_EMAIL_CANDIDATE = re.compile(r"[^\s@<>()\[\]{},;:\"']+@[^\s@<>()\[\]{},;:\"']+")
# Characters people put around an address in a sentence ("mail naar: <jan@x.nl>.").
_EMAIL_TRIM = ".,;:!?'\"()[]{}<>"


def normalise_phone(text: str | None, region: str = DEFAULT_REGION) -> str | None:
    """Return the first valid phone number in `text` as E.164 (`+31612345678`), else None.

    Uses libphonenumber's matcher with VALID leniency, so letters glued to digits,
    too short or too long numbers and random digit strings are rejected. Numbers
    without an international prefix are read as Dutch (`region`).
    """
    if not text:
        return None
    matcher = phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        if phonenumbers.is_valid_number(match.number):
            return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return None


def normalise_email(text: str | None) -> str | None:
    """Return the first syntactically valid e-mail address in `text`, lower-cased, else None.

    Deliverability (DNS) is not checked: the machine may be offline and the OCO team
    confirms contact anyway.
    """
    if not text:
        return None
    for candidate in _EMAIL_CANDIDATE.findall(text):
        candidate = candidate.strip(_EMAIL_TRIM)
        try:
            result = validate_email(candidate, check_deliverability=False)
        except EmailNotValidError:
            continue
        return result.normalized.lower()
    return None


def display_phone(e164: str) -> str:
    """+31612345678 -> "06 12345678", as residents write their number; unparsable input as given."""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
