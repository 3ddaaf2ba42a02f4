"""Vraagverheldering (clarify_form) and the wegwijzer (action_route).

At most five questions, each can be skipped, and nothing the resident already said is
asked again: the first message prefills what it can.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    CLARIFICATION_SLOTS,
    SKIPPED,
    UNKNOWN_GEMEENTE,
    answer_secondary_parts,
    gemeente_display_name,
    gemeente_from_message,
    gemeente_slots,
    known_gemeente,
    latest_intent,
    latest_text,
    municipality,
    reset_slots,
)
from actions.forms import OcoFormValidationAction
from actions.gemeente import GemeenteSlotMixin, say_not_served
from bot.domain.answers import interpret
from bot.domain.dialogue.questions import button_title, question_for
from bot.domain.life_domains import detect_life_domains, life_domain_label, life_domain_values
from bot.domain.retrieval import meeting_response
from bot.domain.routing import Clarification, route
from bot.domain.urgency import detect_urgency, is_urgent
from bot.domain.vocabulary import GEEN_GEMEENTE, NIET_BEDIEND

CLARIFY_ATTEMPTS = 2
MAX_QUESTIONS = 5
# The clarify_form questions (domain.yml), and which to leave out first past MAX_QUESTIONS.
CLARIFY_QUESTIONS = (
    "situation", "domains_confirmed", "complexity", "wijkteam_contact", "meeting_or_complaint", "gemeente",
)
QUESTIONS_TO_DROP = (("complexity", "onbekend"), ("wijkteam_contact", "onbekend"))
ROUTE_WITHOUT_GEMEENTE = GEEN_GEMEENTE
MEETING_INTENT = "prepare_meeting"
COMPLAINT_INTENT = "complaint_or_objection"


def domains_in_message(tracker: Tracker, text: str) -> list[str]:
    """Canonical life domains of the last message: the keyword lexicon first, then DIET.

    A DIET entity counts when the lexicon saw nothing at all (or for a button payload), or
    when its own words are a known keyword: DIET alone tends to over-read words such as
    "alleen" ("niet meer alleen thuis wonen" is not loneliness).
    """
    lexicon = detect_life_domains(text) if text else []
    found = list(lexicon)
    for entity in tracker.latest_message.get("entities") or []:
        value = entity.get("value")
        if entity.get("entity") != "life_domain" or value not in life_domain_values() or value in found:
            continue
        start, end = entity.get("start"), entity.get("end")
        surface = text[start:end] if text and isinstance(start, int) and isinstance(end, int) else ""
        if not lexicon or value in detect_life_domains(surface):
            found.append(value)
    return found


def merge(existing: List[str] | None, new: List[str]) -> List[str]:
    merged = list(existing or [])
    merged += [value for value in new if value not in merged]
    return merged


def meeting_or_complaint_slots(choice: str) -> Dict[str, Any]:
    return {
        "meeting_or_complaint": choice,
        "upcoming_meeting": choice == "gesprek",
        "complaint": choice == "klacht",
    }


class ActionStartClarification(Action):
    """Start the questions fresh, prefilled from the message that started them."""

    def name(self) -> str:
        return "action_start_clarification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        answer_secondary_parts(dispatcher, tracker, domain)
        events: List[EventType] = reset_slots(CLARIFICATION_SLOTS)
        intent = latest_intent(tracker)
        text = latest_text(tracker)
        if intent == MEETING_INTENT and "ask_procedure" not in (tracker.latest_message.get("secondary_intents") or []):
            # A meeting is coming: first something concrete to prepare it, then the route.
            dispatcher.utter_message(response=meeting_response(tracker.latest_message))
        domains = domains_in_message(tracker, text)
        if text and len(text.split()) >= 3:
            events.append(SlotSet("situation", text))
        if domains:
            events.append(SlotSet("life_domains", domains))
        if len(domains) >= 2:
            events.append(SlotSet("complexity", "meervoudig"))
        if intent == MEETING_INTENT:
            events += [SlotSet(k, v) for k, v in meeting_or_complaint_slots("gesprek").items()]
        elif intent == COMPLAINT_INTENT:
            events += [SlotSet(k, v) for k, v in meeting_or_complaint_slots("klacht").items()]
        if text and is_urgent(text):
            events.append(SlotSet("urgent", True))
        slug = known_gemeente(tracker)
        if not slug:
            slug = gemeente_from_message(tracker, expecting_answer=False)
            if slug:
                events += gemeente_slots(slug)
        urgency = detect_urgency(text) if text else None
        if urgency:
            return events + urgent_answer(dispatcher, tracker, urgency.kinds, slug)
        events += keep_to_five_questions(events, tracker)
        dispatcher.utter_message(response="utter_clarify_intro")
        return events


def urgent_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, kinds: list[str], slug: str | None
) -> list[EventType]:
    """An urgent situation (not a crisis): what to do now first, then the offer of a callback.

    No clarification questions: the resident needs a way forward today. Local numbers come
    only from the catalogue (the route's organisations); the texts say how to find the rest.
    Ends with ``utter_urgent_callback_offer`` as the next action, so a typed "ja" is a request
    for a callback (data/rules.yml).
    """
    name = gemeente_display_name(slug)
    known = slug is not None and slug != UNKNOWN_GEMEENTE
    for kind in kinds:
        # "Bel de gemeente Dordrecht" when the municipality is known, else "Bel uw gemeente".
        response = f"utter_urgent_{kind}" if known else f"utter_urgent_{kind}_onbekend"
        dispatcher.utter_message(response=response, gemeente_naam=name)
    entry = municipality(slug)
    if entry is not None:
        advice = route(entry, clarification_from(tracker))
        for organisation in advice.organisations:
            dispatcher.utter_message(
                response="utter_route_organisation", organisatie=organisation.naam,
                omschrijving=organisation.omschrijving, contact=organisation.contact_line(),
            )
    earlier = list(tracker.get_slot("urgency_kinds") or [])
    return [
        SlotSet("urgent", True),
        SlotSet("urgency_kinds", earlier + [kind for kind in kinds if kind not in earlier]),
        FollowupAction("utter_urgent_callback_offer"),
    ]


def keep_to_five_questions(events: list[EventType], tracker: Tracker) -> list[EventType]:
    """At most five questions: when more would be asked, leave out the least needed ones.

    The order in which questions are dropped is QUESTIONS_TO_DROP; the routing works
    without them (several life domains already mean "more at once").
    """
    prefilled = {event["name"] for event in events if event.get("value") is not None}
    if known_gemeente(tracker):
        prefilled.add("gemeente")
    to_ask = [slot for slot in CLARIFY_QUESTIONS if slot not in prefilled]
    extra: list[EventType] = []
    for slot, value in QUESTIONS_TO_DROP:
        if len(to_ask) <= MAX_QUESTIONS:
            break
        if slot in to_ask:
            to_ask.remove(slot)
            extra.append(SlotSet(slot, value))
    return extra


class ActionAskDomainsConfirmed(Action):
    """Confirm the life domains we understood, or let the resident pick one."""

    def name(self) -> str:
        return "action_ask_domains_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        domains = tracker.get_slot("life_domains") or []
        if domains:
            labels = ", ".join(life_domain_label(value).lower() for value in domains)
            dispatcher.utter_message(response="utter_ask_domains_confirmed", life_domain_labels=labels)
            return []
        buttons = [
            {"title": life_domain_label(value), "payload": f'/inform{{"life_domain": "{value}"}}'}
            for value in life_domain_values()
        ]
        buttons.append({"title": button_title("skip"), "payload": "/skip"})
        dispatcher.utter_message(response="utter_ask_domains_pick", buttons=buttons)
        return []


class ValidateClarifyForm(GemeenteSlotMixin, OcoFormValidationAction):
    """The clarification questions: answers read by the table in data/questions.yml."""

    def name(self) -> str:
        return "validate_clarify_form"

    async def accept_situation(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        result: Dict[str, Any] = {"situation": value[:2000]}
        domains = domains_in_message(tracker, value)
        if domains:
            result["life_domains"] = merge(tracker.get_slot("life_domains"), domains)
        if is_urgent(value):
            result["urgent"] = True
        return result

    async def validate_domains_confirmed(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        intent = latest_intent(tracker)
        text = latest_text(tracker)
        chosen = domains_in_message(tracker, text)
        current = tracker.get_slot("life_domains") or []
        if chosen:
            keep = [] if intent == "deny" else current
            domains = merge(keep, chosen)
            result = {"domains_confirmed": "ja", "life_domains": domains, "invalid_attempts": 0}
            if len(domains) >= 2 and not tracker.get_slot("complexity"):
                result["complexity"] = "meervoudig"
            return result
        question = question_for(self.form_name(), "domains_confirmed")
        reading = self.reading(question, tracker)
        if reading.skip:
            return {"domains_confirmed": SKIPPED, "invalid_attempts": 0}
        answer = reading.value if reading.understood else None
        if answer == "ja" and current:
            return {"domains_confirmed": "ja", "invalid_attempts": 0}
        if answer == "nee" and current:
            # Not what we thought: ask again with every domain as a button.
            return {"domains_confirmed": None, "life_domains": None, "invalid_attempts": 0}
        return self.not_understood(question, dispatcher, tracker, domain)

    async def accept_complexity(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        result: Dict[str, Any] = {"complexity": value}
        new_domains = domains_in_message(tracker, latest_text(tracker))
        if new_domains:
            result["life_domains"] = merge(tracker.get_slot("life_domains"), new_domains)
        return result

    async def accept_meeting_or_complaint(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return meeting_or_complaint_slots(value)


def asks_for_independent_help(situation: str | None) -> bool | None:
    """True when the resident's own words ask for independent support (data/answers.yml)."""
    if not situation or situation == SKIPPED:
        return None
    return interpret("independent_help", situation) == "ja" or None


def clarification_from(tracker: Tracker) -> Clarification:
    return Clarification(
        life_domains=list(tracker.get_slot("life_domains") or []),
        complexity=tracker.get_slot("complexity") if tracker.get_slot("complexity") in (
            "enkelvoudig", "meervoudig") else None,
        wijkteam_contact=tracker.get_slot("wijkteam_contact"),
        upcoming_meeting=tracker.get_slot("upcoming_meeting"),
        complaint=tracker.get_slot("complaint"),
        wants_independent_help=asks_for_independent_help(tracker.get_slot("situation")),
    )


def give_route(dispatcher: CollectingDispatcher, tracker: Tracker, slug: str | None = None) -> list[EventType]:
    """The wegwijzer: the right local route for what the questions established, and why.

    ``slug`` overrides the municipality the conversation knows (it was just named).
    """
    slug = slug or known_gemeente(tracker)
    if not slug or slug == UNKNOWN_GEMEENTE:
        dispatcher.utter_message(response="utter_route_no_gemeente")
        return [SlotSet("route_kind", ROUTE_WITHOUT_GEMEENTE)]
    entry = municipality(slug)
    if entry is None:
        say_not_served(dispatcher, slug)
        return [SlotSet("route_kind", NIET_BEDIEND)]
    advice = route(entry, clarification_from(tracker))
    dispatcher.utter_message(response="utter_route_reason", reden=advice.reason)
    for organisation in advice.organisations:
        dispatcher.utter_message(
            response="utter_route_organisation", organisatie=organisation.naam,
            omschrijving=organisation.omschrijving, contact=organisation.contact_line(),
        )
    if advice.oco_note:
        dispatcher.utter_message(response="utter_route_oco_note", opmerking=advice.oco_note)
    dispatcher.utter_message(
        response="utter_route_offer_oco" if advice.kind == "oco" else "utter_route_offer_other"
    )
    return [SlotSet("route_kind", advice.kind)]


class ActionRoute(Action):
    def name(self) -> str:
        return "action_route"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return give_route(dispatcher, tracker)
