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


# A run that looks like one phone number: digits with spaces, dashes, dots, slashes or brackets.
_PHONE_CANDIDATE = re.compile(r"\+?\d[\d\s\-.()/]*\d")
DUTCH_NATIONAL_DIGITS = 10


def phone_problem(text: str | None) -> str | None:
    """Why the number in ``text`` is refused: "length" or "not_valid"; None without digits.

    "length": a Dutch number without the right count of digits (10, "06 12345678"; after +31
    or 0031 nine). "not_valid": the count is right (or the number is foreign) but it is not a
    number in use ("06 98765432": 069 is no mobile range). A resident must never be told the
    count is wrong when it is not.
    """
    if not text:
        return None
    candidates = [m.group(0) for m in _PHONE_CANDIDATE.finditer(text)]
    if not candidates:
        return None
    candidate = max(candidates, key=lambda c: sum(ch.isdigit() for ch in c))
    digits = "".join(ch for ch in candidate if ch.isdigit())
    international = candidate.startswith("+") or digits.startswith("00")
    if international:
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits.startswith("31"):
            return "not_valid"  # a foreign number: its length rules are not ours to explain
        national = "0" + digits[2:]
        if national.startswith("00"):  # "+31 (0)6 ..."
            national = national[1:]
    else:
        national = digits
    return "not_valid" if len(national) == DUTCH_NATIONAL_DIGITS else "length"


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
