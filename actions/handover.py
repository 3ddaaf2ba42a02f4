"""Handover to a person: start the intake form, say what happened at its end, stop politely.

Only what the OCO team needs is asked (name and one way to reach the resident), never a BSN.
The record is stored only after consent and after the resident saw it and chose "Versturen";
the reference is told only after the database committed it (actions/intake_form.py).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    INTAKE_SLOTS,
    UNKNOWN_GEMEENTE,
    answer_secondary_parts,
    gemeente_display_name,
    gemeente_from_message,
    gemeente_slots,
    known_gemeente,
    latest_intent,
    municipality,
    reset_slots,
    served_gemeenten_text,
)
from actions.gemeente import give_contact_details
from actions.intake_form import preview_labels
from actions.intake_record import story_so_far
from bot.domain.catalogue import is_served


def gemeente_slots_from_entity(tracker: Tracker) -> list[EventType]:
    """The municipality the resident named while asking for a person ("ik woon in X, bel me")."""
    slug = gemeente_from_message(tracker, expecting_answer=False)
    return gemeente_slots(slug) if slug else []


class ActionStartHandover(Action):
    """A wish for a person: start the intake form afresh, keeping what the resident told."""

    def name(self) -> str:
        return "action_start_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        answer_secondary_parts(dispatcher, tracker, domain)
        named = [] if known_gemeente(tracker) else gemeente_slots_from_entity(tracker)
        return [
            *named,
            *reset_slots(INTAKE_SLOTS),
            SlotSet("intake_reference", None),
            SlotSet("story_known", bool(story_so_far(tracker))),
        ]


class ActionIntakeDone(Action):
    """After the form: the reference and what happens next, or that nothing was stored."""

    def name(self) -> str:
        return "action_intake_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        slug = tracker.get_slot("gemeente") or known_gemeente(tracker)
        reference = tracker.get_slot("intake_reference")
        forget = reset_slots(INTAKE_SLOTS)
        if reference and tracker.get_slot("intake_decision") == "versturen":
            preference = tracker.get_slot("contact_preference")
            labels = preview_labels(tracker.get_slot("language")).get("preferences") or {}
            dispatcher.utter_message(response="utter_intake_sent", intake_reference=reference)
            dispatcher.utter_message(
                response="utter_intake_next_steps",
                gemeente_naam=gemeente_display_name(slug),
                contact_channel=labels.get(preference, preference),
            )
            entry = municipality(slug)
            provider = entry.oco_by_phone if entry else None
            if provider:
                dispatcher.utter_message(
                    response="utter_intake_sooner_phone", organisatie=provider.naam, telefoon=provider.telefoon
                )
            else:
                dispatcher.utter_message(response="utter_intake_sooner_gemeente")
            return forget
        if slug and not is_served(slug) and slug != UNKNOWN_GEMEENTE:
            dispatcher.utter_message(
                response="utter_intake_unserved",
                served_gemeenten=served_gemeenten_text(),
                gemeente_naam=gemeente_display_name(slug),
            )
            dispatcher.utter_message(response="utter_intake_unserved_2")
            return forget
        if tracker.get_slot("consent") == "nee":
            dispatcher.utter_message(response="utter_consent_refused")
            give_contact_details(dispatcher, tracker)
            # "ja, doe toch maar" after this offer starts the consent step again (data/rules.yml).
            return [*forget, FollowupAction("utter_consent_refused_offer")]
        if not tracker.get_slot("intake_gave_up"):
            dispatcher.utter_message(response="utter_intake_stopped")
        return forget


class ActionStopForm(Action):
    """'stop' in the middle of questions: leave politely, keep nothing personal."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if tracker.active_loop.get("name") == "intake_form":
            events += reset_slots(INTAKE_SLOTS)
        if latest_intent(tracker) == "goodbye":
            dispatcher.utter_message(response="utter_goodbye")
        else:
            dispatcher.utter_message(response="utter_form_stopped")
        return events
