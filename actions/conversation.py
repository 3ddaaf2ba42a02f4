"""Session start, questions in between, fallback, crisis, and loose answers."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clarification import ROUTE_WITHOUT_GEMEENTE, give_route
from actions.common import (
    answer_secondary_parts,
    gemeente_from_message,
    gemeente_slots,
    latest_intent,
    latest_text,
    metadata_gemeente,
    municipality,
    served_gemeenten_text,
    settings,
)
from actions.gemeente import give_contact_details
from bot.domain.fallback import fallback_buttons
from bot.domain.retrieval import RETRIEVAL_INTENTS, retrieval_response
from bot.domain.safety import crisis_response_names, detect_crisis

# Slots that survive a new session (after an hour of silence). Personal data never does.
CARRIED_OVER = ("gemeente", "gemeente_naam")
# Short reactions inside a form, where the full greeting would interrupt the questions.
IN_FORM_RESPONSES = {"greet": ["utter_hello_short"], "thank": ["utter_welcome_short"]}


def static_slots() -> List[SlotSet]:
    """Slots that texts use: retention periods and the municipalities we serve."""
    current = settings()
    return [
        SlotSet("conversation_retention_days", str(current.conversation_retention_days)),
        SlotSet("intake_retention_days", str(current.intake_retention_days)),
        SlotSet("served_gemeenten", served_gemeenten_text()),
    ]


class ActionSessionStart(Action):
    """Start a session: municipality from the channel, texts' settings, nothing personal."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        events += [
            SlotSet(name, tracker.get_slot(name))
            for name in CARRIED_OVER
            if tracker.get_slot(name) is not None
        ]
        events += static_slots()
        slug = metadata_gemeente(tracker)
        if slug:
            events += gemeente_slots(slug)
        events.append(ActionExecuted("action_listen"))
        return events


def responses_for_intent(intent: str, domain: Dict[str, Any]) -> List[str]:
    """utter_<intent>, utter_<intent>_2, ... as they exist in the domain."""
    responses = domain.get("responses", {})
    names = [f"utter_{intent}"] if f"utter_{intent}" in responses else []
    index = 2
    while f"utter_{intent}_{index}" in responses:
        names.append(f"utter_{intent}_{index}")
        index += 1
    return names


class ActionAnswerFaq(Action):
    """Answers a question asked in the middle of a form; the form then goes on."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = latest_intent(tracker)
        if intent == "ask_contact_details":
            give_contact_details(dispatcher, tracker)
            return []
        if intent in RETRIEVAL_INTENTS:
            chosen = retrieval_response(tracker.latest_message, intent)
            dispatcher.utter_message(response=chosen or "utter_default")
            return []
        names = IN_FORM_RESPONSES.get(intent) or responses_for_intent(intent, domain)
        for response in names or ["utter_default"]:
            dispatcher.utter_message(response=response)
        return []


class ActionHandleFallback(Action):
    """First miss: the most likely topics as buttons plus a person (bot/domain/fallback.py).

    From the second miss in a row: offer a person.
    """

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        misses = 0
        for event in reversed(tracker.events):
            if event.get("event") != "user":
                continue
            if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback":
                break
            misses += 1
        if misses >= 2:
            dispatcher.utter_message(response="utter_offer_human")
            return []
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = fallback_buttons(ranking, latest_text(tracker), tracker.get_slot("language"))
        dispatcher.utter_message(response="utter_clarify_topics", buttons=buttons)
        return []


class ActionCrisisResponse(Action):
    """Safety first: the right emergency numbers at once, by category (bot/domain/safety.py).

    The kinds are remembered for the rest of the conversation (slot ``crisis_kinds``), so a
    later handover is marked urgent, tells the worker which numbers were shown, and asks
    whether contact is safe after a signal of violence or abuse.
    """

    def name(self) -> str:
        return "action_crisis_response"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        kinds = list(tracker.latest_message.get("crisis_kinds") or [])
        if not kinds:
            signal = detect_crisis(tracker.latest_message.get("text") or "")
            kinds = list(signal.kinds) if signal else []
        for response in crisis_response_names(kinds):
            dispatcher.utter_message(response=response)
        known = list(tracker.get_slot("crisis_kinds") or [])
        remembered = known + [kind for kind in kinds if kind not in known]
        return [SlotSet("urgent", True), SlotSet("crisis_kinds", remembered)]


class ActionHandleInform(Action):
    """A loose answer outside the questions: usually the municipality."""

    def name(self) -> str:
        return "action_handle_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        slug = gemeente_from_message(tracker, expecting_answer=True)
        if not slug:
            if latest_text(tracker):
                dispatcher.utter_message(response="utter_anything_else")
            else:
                dispatcher.utter_message(response="utter_default")
            return []
        events = gemeente_slots(slug)
        name = next(e["value"] for e in events if e["name"] == "gemeente_naam")
        if tracker.get_slot("route_kind") == ROUTE_WITHOUT_GEMEENTE:
            # The questions were answered without a municipality: give the route now.
            return events + give_route(dispatcher, tracker, slug)
        if municipality(slug):
            dispatcher.utter_message(response="utter_gemeente_noted", gemeente_naam=name)
            dispatcher.utter_message(response="utter_anything_else")
        else:
            dispatcher.utter_message(
                response="utter_gemeente_not_served",
                gemeente_naam=name,
                served_gemeenten=served_gemeenten_text(),
            )
            dispatcher.utter_message(response="utter_gemeente_not_served_2", gemeente_naam=name)
            # "Ik woon in Sliedrecht. Hoe vraag ik jeugdhulp aan?": the question gets its answer too.
            answer_secondary_parts(dispatcher, tracker, domain)
        return events
