"""A resident who writes in another language gets a short fixed text in that language.

The text (data/languages.yml, bot/domain/language.py) says that this chat works in Dutch, how to
reach a person (the phone number of the municipality's OCO provider or wijkteam from the
catalogue, only when it is known) with a callback button, and the national crisis numbers.
The language comes from the ``language`` slot (filled from the ``language`` entity that the
NLU hook adds when bot.domain.language.detect_language is confident); English is the fallback for
a language without its own text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity_values, known_gemeente, municipality
from bot.domain.catalogue import Organisation
from bot.domain.language import DUTCH, LANGUAGES_FILE, language_texts

FALLBACK_LANGUAGE = "en"
CALLBACK_PAYLOAD = "/request_human"


@lru_cache(maxsize=1)
def dutch_line() -> str:
    """The Dutch line for someone who helps the resident (data/languages.yml `nederlands`)."""
    raw = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8")) or {}
    return str(raw.get("nederlands") or "")


def phone_route(slug: str | None) -> Organisation | None:
    """The organisation to phone for a person: the OCO provider, else the wijkteam; only with a known number."""
    entry = municipality(slug)
    if entry is None:
        return None
    if entry.oco_by_phone is not None:
        return entry.oco_by_phone
    return entry.wijkteam if entry.wijkteam.telefoon and entry.wijkteam.naam_bekend else None


def resident_language(tracker: Tracker) -> str | None:
    """The language of the conversation: the `language` entity of this message, else the slot."""
    for value in entity_values(tracker, "language"):
        return value
    slot = tracker.get_slot("language")
    return slot if isinstance(slot, str) and slot else None


# A text kept in data/languages.yml, said through one domain response (its only placeholder).
DATA_TEXT = "utter_language_text"


class ActionOtherLanguage(Action):
    """This chat works in Dutch; how to reach a person; the crisis numbers, in the resident's language."""

    def name(self) -> str:
        return "action_other_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        code = resident_language(tracker)
        if code == DUTCH:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        texts = (language_texts(code) if code else None) or language_texts(FALLBACK_LANGUAGE)
        if texts is None:  # no texts at all: the Dutch help is better than nothing
            dispatcher.utter_message(response="utter_default")
            return []
        intro = texts["intro"]
        if dutch_line():
            intro = f"{intro}\n\n{dutch_line()}"
        dispatcher.utter_message(response=DATA_TEXT, tekst=intro)
        organisation = phone_route(known_gemeente(tracker))
        if organisation is not None:
            dispatcher.utter_message(
                response=DATA_TEXT,
                tekst=texts["telefoon"].format(organisatie=organisation.naam, telefoon=organisation.telefoon),
            )
        dispatcher.utter_message(response=DATA_TEXT, tekst=texts["crisis"])
        dispatcher.utter_message(
            response=DATA_TEXT, tekst=texts["terugbellen"],
            buttons=[{"title": texts["knop_terugbellen"], "payload": CALLBACK_PAYLOAD}],
        )
        return [SlotSet("language", code)] if code and code != tracker.get_slot("language") else []
