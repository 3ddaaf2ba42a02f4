"""The intake draft (what the intake form collected) and its check against the contract.

`validate_draft` turns a draft into the column values of `oco_intakes` (docs/contract.md §6)
or raises one of two errors, so a caller can tell the resident the right thing:

- `MissingContact`: the resident can fix it. There is no working way to reach them (no
  valid phone number or e-mail address, or not the one their contact preference needs).
- `InvalidDraft`: anything else (a programming or data error the resident cannot fix,
  e.g. an unknown life domain or a naive consent time).

Both are `ValueError`s, so older callers that catch `ValueError` keep working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.domain.contact_validation import normalise_email, normalise_phone
from bot.domain.life_domains import life_domain_values
from bot.domain.slugs import is_slug
from bot.domain.vocabulary import CONTACT_PREFERENCES, PHONE_PREFERENCES, WIJKTEAM_CONTACT

# A channel name is a short lower-case word (`web`, `whatsapp`, `rest`, ...): it is shown
# in the staff e-mail, so it may never carry line breaks or other text.
_CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class InvalidDraft(ValueError):
    """The draft breaks a contract rule the resident cannot fix (message in English)."""


class MissingContact(ValueError):
    """No working way to reach the resident; asking again for a phone or e-mail fixes it.

    `field` names what is missing or invalid: "phone", "email" or "contact" (neither).
    """

    def __init__(self, message: str, field: str = "contact") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class IntakeDraft:
    """What the intake form collected, before it is stored.

    `safety_note` is optional free text for the worker after a violence or crisis signal:
    whether it is safe to call or mail, at which times, and whether a message may be left.
    Staff pages show it first; it never travels by e-mail.
    """

    gemeente: str
    channel: str
    name: str
    phone: str | None
    email: str | None
    contact_preference: str
    preferred_time: str | None
    life_domains: list[str] = field(default_factory=list)
    summary: str = ""
    wijkteam_contact: str = "onbekend"
    urgent: bool = False
    consent_at: datetime | None = None
    conversation_id: str | None = None
    safety_note: str | None = None


def clean_text(value: Any) -> str | None:
    """Stripped text, or None for None and blank values."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _contact(draft: IntakeDraft) -> tuple[str | None, str | None]:
    """The normalised phone and e-mail; MissingContact when they cannot reach the resident."""
    phone = None
    if clean_text(draft.phone):
        phone = normalise_phone(draft.phone)
        if phone is None:
            raise MissingContact("phone is not a valid phone number", "phone")
    email = None
    if clean_text(draft.email):
        email = normalise_email(draft.email)
        if email is None:
            raise MissingContact("email is not a valid e-mail address", "email")
    if phone is None and email is None:
        raise MissingContact("at least one of phone and email is required", "contact")
    if draft.contact_preference in PHONE_PREFERENCES and phone is None:
        raise MissingContact(
            f"contact_preference {draft.contact_preference} needs a phone number", "phone"
        )
    if draft.contact_preference == "email" and email is None:
        raise MissingContact("contact_preference email needs an e-mail address", "email")
    return phone, email


def validate_draft(draft: IntakeDraft) -> dict[str, Any]:
    """Check the contract rules and return the normalised column values.

    Raises InvalidDraft for a broken rule the resident cannot fix and MissingContact when
    there is no working phone number or e-mail address (checked last, so an InvalidDraft
    is never hidden behind it).
    """
    gemeente = (clean_text(draft.gemeente) or "").lower()
    if not is_slug(gemeente):
        raise InvalidDraft("gemeente must be a slug such as 'dordrecht'")
    channel = clean_text(draft.channel) or ""
    if not _CHANNEL_RE.match(channel):
        raise InvalidDraft("channel must be a short lower-case name such as 'web'")
    name = clean_text(draft.name)
    if not name:
        raise InvalidDraft("name is required")
    if draft.contact_preference not in CONTACT_PREFERENCES:
        raise InvalidDraft(
            f"contact_preference must be one of {', '.join(CONTACT_PREFERENCES)}"
        )
    domains = list(dict.fromkeys(draft.life_domains or []))
    known = set(life_domain_values())
    unknown = [d for d in domains if d not in known]
    if unknown:
        raise InvalidDraft(f"unknown life_domains: {', '.join(sorted(map(str, unknown)))}")
    summary = clean_text(draft.summary)
    if not summary:
        raise InvalidDraft("summary is required")
    if draft.wijkteam_contact not in WIJKTEAM_CONTACT:
        raise InvalidDraft(f"wijkteam_contact must be one of {', '.join(WIJKTEAM_CONTACT)}")
    if not isinstance(draft.urgent, bool):
        raise InvalidDraft("urgent must be a boolean")
    consent_at = draft.consent_at
    if not isinstance(consent_at, datetime) or consent_at.tzinfo is None:
        raise InvalidDraft("consent_at must be a time-zone aware datetime")
    if draft.safety_note is not None and not isinstance(draft.safety_note, str):
        raise InvalidDraft("safety_note must be text or None")
    phone, email = _contact(draft)

    return {
        "gemeente": gemeente,
        "channel": channel,
        "name": name,
        "phone": phone,
        "email": email,
        "contact_preference": draft.contact_preference,
        "preferred_time": clean_text(draft.preferred_time),
        "life_domains": domains,
        "summary": summary,
        "wijkteam_contact": draft.wijkteam_contact,
        "urgent": draft.urgent,
        "consent_at": consent_at.astimezone(timezone.utc),
        "conversation_id": clean_text(draft.conversation_id),
        "safety_note": clean_text(draft.safety_note),
    }
