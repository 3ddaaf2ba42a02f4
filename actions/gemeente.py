"""Which municipality: asked with buttons when the channel did not say; contact details."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    UNKNOWN_GEMEENTE,
    catalogue,
    entity_values,
    gemeente_display_name,
    gemeente_from_message,
    known_gemeente,
    latest_intent,
    metadata_gemeente,
    municipality,
    served_gemeenten_text,
)
from bot.domain.dialogue.questions import button_title
from bot.domain.gemeente_recognition import recognise_gemeente

OTHER_GEMEENTE = "anders"
GEMEENTE_ATTEMPTS = 2


def register_invalid(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    slot: str,
    response: str,
    limit: int,
    give_up: Dict[str, Any],
) -> Dict[str, Any]:
    """An answer that does not fit: explain and ask again, or give up after ``limit`` tries."""
    attempts = int(tracker.get_slot("invalid_attempts") or 0) + 1
    if attempts >= limit:
        return {**give_up, "invalid_attempts": 0}
    dispatcher.utter_message(response=response)
    return {slot: None, "invalid_attempts": attempts}


class GemeenteSlotMixin:
    """Fills and validates the ``gemeente`` slot in every form that needs it."""

    async def extract_gemeente(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        # The channel told us (metadata.gemeente): never ask again.
        if tracker.get_slot("gemeente") is None and metadata_gemeente(tracker):
            return {"gemeente": metadata_gemeente(tracker)}
        return {}

    async def validate_gemeente(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        value = str(slot_value or "").strip()
        if value == UNKNOWN_GEMEENTE or value in catalogue().slugs():
            return self._accept(value)
        answer = tracker.latest_message.get("answer") or {}
        if latest_intent(tracker) == "skip" or answer.get("skip") or answer.get("reason") == "dont_know":
            return self._accept(UNKNOWN_GEMEENTE)  # "weet ik niet", "sla over"
        if answer.get("understood") and answer.get("value"):
            return self._accept(str(answer["value"]))  # the turn reading's municipality reader
        if OTHER_GEMEENTE in entity_values(tracker, "gemeente"):
            dispatcher.utter_message(response="utter_gemeente_other")
            return {"gemeente": None}
        slug = gemeente_from_message(tracker, expecting_answer=True)
        if not slug and value:
            match = recognise_gemeente(value, expecting_answer=True)
            slug = match.slug if match else None
        if slug:
            return self._accept(slug)
        return register_invalid(
            dispatcher, tracker, "gemeente", "utter_gemeente_not_recognised",
            GEMEENTE_ATTEMPTS, {"gemeente": UNKNOWN_GEMEENTE, "gemeente_naam": None},
        )

    @staticmethod
    def _accept(slug: str) -> Dict[str, Any]:
        return {
            "gemeente": slug,
            "gemeente_naam": None if slug == UNKNOWN_GEMEENTE else gemeente_display_name(slug),
            "invalid_attempts": 0,
        }


class ValidateGemeenteForm(GemeenteSlotMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_gemeente_form"


class ActionAskGemeente(Action):
    """'In welke gemeente woont u?' with a button per municipality we serve."""

    def name(self) -> str:
        return "action_ask_gemeente"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        buttons = [
            {"title": entry.naam, "payload": f'/inform{{"gemeente": "{entry.slug}"}}'}
            for entry in catalogue()
        ]
        other = {"title": button_title("other_gemeente"), "payload": f'/inform{{"gemeente": "{OTHER_GEMEENTE}"}}'}
        buttons.append(other)
        dispatcher.utter_message(response="utter_ask_gemeente", buttons=buttons)
        return []


def say_not_served(dispatcher: CollectingDispatcher, slug: str) -> None:
    name = gemeente_display_name(slug)
    dispatcher.utter_message(
        response="utter_gemeente_not_served",
        gemeente_naam=name,
        served_gemeenten=served_gemeenten_text(),
    )
    dispatcher.utter_message(response="utter_gemeente_not_served_2", gemeente_naam=name)


def give_contact_details(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The OCO provider(s) of the resident's municipality, from the catalogue only."""
    slug: str | None = known_gemeente(tracker)
    entry = municipality(slug)
    if not slug:
        dispatcher.utter_message(response="utter_route_no_gemeente")
        return
    if entry is None:
        say_not_served(dispatcher, slug)
        return
    dispatcher.utter_message(response="utter_contact_intro", gemeente_naam=entry.naam)
    for provider in entry.oco:
        dispatcher.utter_message(response="utter_contact_provider", organisatie=provider.naam,
                                 contact=provider.contact_line())
    if entry.oco_by_phone is None:
        dispatcher.utter_message(response="utter_contact_unknown", organisatie=entry.oco[0].naam)
    else:
        dispatcher.utter_message(response="utter_contact_offer_callback")


class ActionGiveContactDetails(Action):
    def name(self) -> str:
        return "action_give_contact_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        give_contact_details(dispatcher, tracker)
        return []
