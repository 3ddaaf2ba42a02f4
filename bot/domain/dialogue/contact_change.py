"""A change of contact route typed in the middle of the intake.

A resident may change their mind after the contact question: "eigenlijk toch liever via de
mail, agnieszka.k@gmail.com" at the time question, "ik wil toch liever mail" at the preview,
an e-mail address typed at the phone question. ``read_contact_change`` finds such a change in
one message, given the kind of the question that is pending and the contact details known so
far; the intake form (actions/intake_form.py) stores it and asks what is still missing.

- An e-mail address or phone number typed at a question of another kind is a change (or a
  correction) of the contact details: the preference follows it. At the open question about
  the situation only a short message counts ("mijn nummer is 06 12345678"); a longer one is the
  resident's story.
- A preference word ("mail", "bellen", "whatsapp"; data/answers.yml ``contact_preference``)
  counts only when ``phrases`` is true for the pending question, with a marker ("liever",
  "toch", "rather"; data/answer_words.yml ``contact_change``), never after a negation, never in
  a question, never with a time word at the time question ("'s avonds bellen" is a time). At
  the phone or e-mail question the bare word is enough ("mailen" at the phone question).
- Nothing is a change when it names the route and details already known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.answers import interpret
from bot.domain.contact_validation import normalise_email, normalise_phone
from bot.domain.dialogue.words import normalise_text, normalised_set, phrase_pattern, words
from bot.domain.vocabulary import PHONE_PREFERENCES

PHONE, EMAIL = "telefoon", "email"


@dataclass(frozen=True)
class ContactChange:
    """The new preference, with the phone number (E.164) or e-mail address when typed."""

    preference: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class _Lists:
    markers: re.Pattern[str]
    negations: re.Pattern[str]
    free_text_max_other_words: int


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    raw = words()["contact_change"]
    return _Lists(
        markers=phrase_pattern(tuple(sorted(normalised_set(raw["markers"])))),
        negations=phrase_pattern(tuple(sorted(normalised_set(raw["negations"])))),
        free_text_max_other_words=int(raw["free_text_max_other_words"]),
    )


_EMAIL_OR_NUMBER = re.compile(r"\S+@\S+|\+?\d[\d\s\-.()/]*\d")


def read_contact_change(
    text: str,
    *,
    kind: str,
    phrases: bool,
    preference: str | None,
    phone: str | None = None,
    email: str | None = None,
) -> ContactChange | None:
    """The change of contact route in ``text``, or None.

    kind: the kind of the pending question (data/questions.yml); phrases: whether a preference
    word without an address or number counts at this question; preference, phone, email: what
    the intake holds now.
    """
    from bot.domain.dialogue.signals import is_question
    from bot.domain.dialogue.times import has_time_words

    raw = (text or "").strip()
    if not raw or raw.startswith("/"):
        return None
    lists = _lists()
    if kind == "free_text" and len(_EMAIL_OR_NUMBER.sub(" ", raw).split()) > lists.free_text_max_other_words:
        return None
    found_email = normalise_email(raw) if kind != "email" else None
    if found_email:
        if preference == EMAIL and found_email == email:
            return None
        return ContactChange(EMAIL, email=found_email)
    found_phone = normalise_phone(raw) if kind != "phone" else None
    if found_phone:
        route = preference if preference in PHONE_PREFERENCES else PHONE
        if preference == route and found_phone == phone:
            return None
        return ContactChange(route, phone=found_phone)
    if not phrases or kind == "free_text" or is_question(raw):
        return None
    folded = normalise_text(raw)
    if lists.negations.search(folded):
        return None
    if kind == "time" and has_time_words(raw):
        return None
    wanted = interpret("contact_preference", raw)
    if wanted is None or wanted == preference:
        return None
    if kind not in ("phone", "email") and not lists.markers.search(folded):
        return None
    if kind == "phone" and wanted in PHONE_PREFERENCES and preference in PHONE_PREFERENCES:
        return None  # "bellen" at the phone question: the question stays the same
    return ContactChange(wanted)
