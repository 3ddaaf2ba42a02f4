"""The resident's story in their own words, collected from the whole conversation.

An OCO worker who calls must not make the resident tell everything again. The story is every
message in which the resident described their situation or asked a substantive question, in
order, without repeats, at most about ``MAX_STORY_CHARS`` characters, with phone numbers, e-mail
addresses and BSN-like numbers masked. Greetings, answers to the intake questions, contact
details and button presses are left out; answers to the open questions about the situation
(the clarification's ``situation`` and the handover's ``intake_story``) are the story itself.

Pure functions over plain message records (:class:`Utterance`), so it is testable without Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import phonenumbers

from bot.domain.dialogue.signals import asks_about_the_question
from bot.domain.life_domains import detect_life_domains
from bot.domain.safety import detect_crisis
from bot.domain.text import normalise_text
from bot.domain.urgency import is_urgent

MAX_STORY_CHARS = 1500
SHORT_STORY_CHARS = 200
# Intents that are the story by their nature (CONTRACT §4).
STORY_INTENTS = frozenset({
    "describe_situation", "prepare_meeting", "complaint_or_objection", "crisis", "ask_procedure",
})
# Answers to these questions are the resident's own words about their situation.
STORY_SLOTS = frozenset({"situation", "intake_story"})
MASK_PHONE = "[telefoonnummer]"
MASK_EMAIL = "[e-mailadres]"
MASK_NUMBER = "[nummer]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Runs of digits with separators: BSN-like (8-9 digits), IBAN-like and other long numbers.
_LONG_NUMBER = re.compile(r"(?<!\w)(?:[A-Z]{2}\d{2}\s?[A-Z]{4}[\s\d]{10,}|\+?\d[\d .\-/]{6,}\d)(?!\w)")


@dataclass(frozen=True)
class Utterance:
    """One resident message as the story needs it.

    ``intent`` is the intent the dialogue acted on; ``answer_slot`` the form question it
    answered (None when it answered none); ``skipped`` true when that answer was "sla over".
    """

    text: str
    intent: str | None = None
    answer_slot: str | None = None
    skipped: bool = False


def mask_personal_data(text: str) -> str:
    """``text`` with phone numbers, e-mail addresses and long numbers (BSN, IBAN) masked."""
    masked = _EMAIL.sub(MASK_EMAIL, text)
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(masked, "NL"))):
        masked = masked[: match.start] + MASK_PHONE + masked[match.end :]
    return _LONG_NUMBER.sub(MASK_NUMBER, masked)


def has_substance(text: str) -> bool:
    """True when a message says something about the resident's situation."""
    return bool(detect_life_domains(text) or is_urgent(text) or detect_crisis(text))


# "ik wil iemand spreken over de thuisbegeleiding van mijn zus": what follows such a word is the
# subject, even when no life domain is recognised in it.
_ABOUT = re.compile(r"\b(?:over|omdat|want|vanwege|ivm|betreffende)\s+\w+\s+\w+", re.IGNORECASE)
MIN_WORDS_WITH_SUBJECT = 6


_MASKS = re.compile(r"\[(?:telefoonnummer|e-mailadres|nummer)\]")


def is_contact_only(text: str) -> bool:
    """True when a message holds contact details and hardly anything else ("jan@x.nl", "mijn nummer is 06 ...")."""
    rest = _MASKS.sub(" ", mask_personal_data(text))
    words = [word for word in normalise_text(rest).split() if len(word) > 1]
    return rest != text and len(words) <= 3


def is_story(utterance: Utterance) -> bool:
    """Does this message belong to the story? (See the module docstring.)"""
    text = utterance.text.strip()
    if not text or text.startswith("/"):
        return False
    if is_contact_only(text) or asks_about_the_question(text):
        return False
    if utterance.answer_slot is not None:
        return utterance.answer_slot in STORY_SLOTS and not utterance.skipped
    if utterance.intent in STORY_INTENTS:
        return len(text.split()) >= 2 or has_substance(text)
    if len(text.split()) >= MIN_WORDS_WITH_SUBJECT and _ABOUT.search(text):
        return True
    return has_substance(text)


def collect_story(utterances: Iterable[Utterance], max_chars: int = MAX_STORY_CHARS) -> str:
    """The story: story messages in order, without repeats, masked, cut at ``max_chars``.

    Returns "" when the resident told nothing about their situation.
    """
    parts: list[str] = []
    seen: set[str] = set()
    for utterance in utterances:
        if not is_story(utterance):
            continue
        key = normalise_text(utterance.text)
        if key in seen or any(key in earlier for earlier in seen):
            continue
        seen.add(key)
        parts.append(mask_personal_data(" ".join(utterance.text.split())))
    return shorten(" ".join(parts), max_chars)


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars`` characters, with "…" when cut."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"


def short_story(story: str) -> str:
    """The preview's short version: the first sentences, about ``SHORT_STORY_CHARS`` characters."""
    if len(story) <= SHORT_STORY_CHARS:
        return story
    sentences = re.split(r"(?<=[.!?])\s+", story)
    kept = ""
    for sentence in sentences:
        if len(kept) + len(sentence) + 1 > SHORT_STORY_CHARS:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or shorten(story, SHORT_STORY_CHARS)


def utterances_from_events(events: Iterable[dict[str, Any]]) -> list[Utterance]:
    """The resident's messages of a Rasa tracker's events (dicts as the action server gets them).

    Everything before the latest ``restart`` is left out: the resident asked for a clean start.
    """
    utterances: list[Utterance] = []
    for event in events:
        if event.get("event") == "restart":
            utterances = []
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        answer = parse.get("answer") if isinstance(parse.get("answer"), dict) else None
        utterances.append(
            Utterance(
                text=str(event.get("text") or ""),
                intent=(parse.get("intent") or {}).get("name"),
                answer_slot=answer.get("slot") if answer else None,
                skipped=bool(answer.get("skip")) if answer else False,
            )
        )
    return utterances
