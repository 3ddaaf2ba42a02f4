"""Shared helpers for the custom actions: the municipality, the channel, slot resets.

Everything here reads the tracker; nothing logs what a resident wrote.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.domain.catalogue import Catalogue, Municipality, catalogue_texts, load_catalogue, resolve
from bot.domain.gemeente_recognition import gemeente_naam, recognise_gemeente
from bot.domain.slugs import clean_slug, is_slug
from bot.domain.text import join_dutch
from bot.domain.vocabulary import INPUT_CHANNEL_NAMES, REST
from bot.ops.settings import Settings, load_settings

SKIPPED = "overgeslagen"
UNKNOWN_GEMEENTE = "onbekend"


def catalogue() -> Catalogue:
    return load_catalogue()


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The action server's settings: read once, the environment does not change while it runs."""
    return load_settings()


def served_gemeenten_text() -> str:
    """'Dordrecht, Papendrecht, Almere en Schouwen-Duiveland' (for messages)."""
    return join_dutch(m.naam for m in catalogue())


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def latest_text(tracker: Tracker) -> str:
    """The resident's last message, or '' when it was a button payload."""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text.strip()


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    values = []
    for found in tracker.latest_message.get("entities") or []:
        value = found.get("value")
        if found.get("entity") == entity and isinstance(value, str) and value not in values:
            values.append(value)
    return values


def message_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = tracker.latest_message.get("metadata") or {}
    if not metadata:
        metadata = tracker.get_slot("session_started_metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def metadata_gemeente(tracker: Tracker) -> str | None:
    """The municipality slug the channel sent along (metadata.gemeente), if valid."""
    return clean_slug(message_metadata(tracker).get("gemeente"))


def channel_name(tracker: Tracker) -> str:
    channel = message_metadata(tracker).get("channel")
    if isinstance(channel, str) and channel in INPUT_CHANNEL_NAMES:
        return INPUT_CHANNEL_NAMES[channel]
    input_channel = tracker.get_latest_input_channel() or REST
    return INPUT_CHANNEL_NAMES.get(input_channel, input_channel)


def known_gemeente(tracker: Tracker) -> str | None:
    """The municipality as far as the conversation knows it (slot, then channel)."""
    slot = tracker.get_slot("gemeente")
    if slot and slot != UNKNOWN_GEMEENTE:
        return slot
    return metadata_gemeente(tracker)


def gemeente_from_message(tracker: Tracker, expecting_answer: bool) -> str | None:
    """A municipality named in the last message: entity first, then the recogniser."""
    for value in entity_values(tracker, "gemeente"):
        match = recognise_gemeente(value, expecting_answer=True)
        if match:
            return match.slug
    text = latest_text(tracker)
    match = recognise_gemeente(text, expecting_answer=expecting_answer) if text else None
    return match.slug if match else None


def is_municipality_slug(value: str | None) -> bool:
    """True for the slug of a real municipality (not for raw text a form has not validated yet)."""
    if not is_slug(value):
        return False
    if value in catalogue().slugs():
        return True
    match = recognise_gemeente(value.replace("-", " "), expecting_answer=True)
    return bool(match and match.slug == value)


def municipality(slug: str | None) -> Municipality | None:
    """The catalogue entry of a served municipality, else None (bot.domain.catalogue.resolve)."""
    return resolve(slug)


def gemeente_display_name(slug: str | None) -> str:
    """The municipality's name for messages, also for municipalities we do not serve."""
    if not slug or slug == UNKNOWN_GEMEENTE:
        return catalogue_texts()["onbekende_gemeente_naam"]
    entry = municipality(slug)
    return entry.naam if entry else gemeente_naam(slug) or slug.replace("-", " ").title()


def gemeente_slots(slug: str | None) -> list[SlotSet]:
    """Set the municipality and its display name together."""
    return [
        SlotSet("gemeente", slug),
        SlotSet("gemeente_naam", gemeente_display_name(slug) if slug else None),
    ]


def reset_slots(names: Iterable[str]) -> list[SlotSet]:
    return [SlotSet(name, None) for name in names]


CLARIFICATION_SLOTS = (
    "situation", "life_domains", "domains_confirmed", "complexity", "wijkteam_contact",
    "meeting_or_complaint", "upcoming_meeting", "complaint", "route_kind", "invalid_attempts",
)
INTAKE_SLOTS = (
    "consent", "consent_at", "intake_story", "story_known", "story_override", "story_edit",
    "contact_name", "contact_preference", "contact_phone", "contact_email", "safe_to_contact",
    "safe_message", "preferred_time", "intake_decision", "edit_field", "intake_gave_up", "invalid_attempts",
)


# Parts of a combined message that get a short answer before the main one
# ("Ben ik met een computer aan het praten? Ik wil een mens spreken."): by default the first
# response of the question's FAQ answer (utter_<intent>).
SHORT_ANSWERS = {"bot_challenge": "utter_bot_challenge_short"}


def answer_secondary_parts(dispatcher: Any, tracker: Tracker, domain: dict[str, Any]) -> None:
    """Answer the other parts of a combined message (``secondary_intents`` of the turn reading)."""
    responses = domain.get("responses") or {}
    selector = tracker.latest_message.get("response_selector") or {}
    for intent in tracker.latest_message.get("secondary_intents") or []:
        name = SHORT_ANSWERS.get(intent, f"utter_{intent}")
        if intent in selector:  # a retrieval intent (ask_procedure): the selected answer
            name = ((selector[intent] or {}).get("response") or {}).get("utter_action") or ""
        if name in responses or "/" in name:
            dispatcher.utter_message(response=name)
