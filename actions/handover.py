"""Handover to a person: consent first, the intake form, confirmation, storage, reference.

Only what the OCO team needs is asked (name and one way to reach the resident), never a
BSN. The record is stored only after the resident saw it and chose "Versturen", and the
reference is told only after the database committed it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, List

import phonenumbers
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    INTAKE_SLOTS,
    SKIPPED,
    UNKNOWN_GEMEENTE,
    channel_name,
    entity_values,
    gemeente_display_name,
    is_municipality_slug,
    known_gemeente,
    latest_intent,
    latest_text,
    municipality,
    reset_slots,
    served_gemeenten_text,
    settings,
)
from actions.gemeente import GemeenteSlotMixin
from bot.answers import interpret
from bot.contact_validation import normalise_email, normalise_phone
from bot.intake.store import IntakeDraft, IntakeStore
from bot.life_domains import life_domain_label

logger = logging.getLogger(__name__)

INTAKE_ATTEMPTS = 3
MAX_NAME_LENGTH = 80
NAME_PREFIXES = ("mijn naam is", "ik heet", "ik ben", "naam is", "naam:", "dit is")
NO_TIME_PREFERENCE = "geen voorkeur"
PREFERENCE_LABELS = {"telefoon": "telefoon", "email": "e-mail", "whatsapp": "WhatsApp"}
WIJKTEAM_LABELS = {"ja": "ja", "nee": "nee", "onbekend": "weet de inwoner niet"}

_store: IntakeStore | None = None


def intake_store() -> IntakeStore:
    """One store per action-server process, created on first use (the database may be down)."""
    global _store
    if _store is None:
        _store = IntakeStore(settings().database_url)
    return _store


def notification_address(slug: str) -> str | None:
    """Where the OCO team's e-mail goes: the catalogue, else OCO_NOTIFY_EMAIL."""
    entry = municipality(slug)
    return (entry.intake_email if entry else None) or settings().notify_email or None


def is_served(slug: str | None) -> bool:
    return bool(slug) and municipality(slug) is not None


class ActionAskConsent(Action):
    """What will be stored, who reads it, for how long; Ja / Nee."""

    def name(self) -> str:
        return "action_ask_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        slug = known_gemeente(tracker)
        if slug and slug != UNKNOWN_GEMEENTE and not is_served(slug):
            dispatcher.utter_message(
                response="utter_intake_unserved",
                served_gemeenten=served_gemeenten_text(),
                gemeente_naam=gemeente_display_name(slug),
            )
            return []
        dispatcher.utter_message(response="utter_ask_consent")
        dispatcher.utter_message(
            response="utter_ask_consent_2",
            gemeente_naam=gemeente_display_name(slug),
            intake_retention_days=settings().intake_retention_days,
        )
        return []


class ActionStartIntake(Action):
    """Consent given: note when, and start the intake with empty contact slots."""

    def name(self) -> str:
        return "action_start_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        consent_at = datetime.now(timezone.utc).isoformat()
        return [*reset_slots(INTAKE_SLOTS), SlotSet("intake_reference", None),
                SlotSet("consent_at", consent_at)]


def clean_name(text: str) -> str:
    name = " ".join(text.split())
    lowered = name.lower()
    for prefix in NAME_PREFIXES:
        if lowered.startswith(prefix):
            name = name[len(prefix):].strip(" :,.")
            break
    return name.strip(" .,!")


def looks_like_name(name: str) -> bool:
    return (
        0 < len(name) <= MAX_NAME_LENGTH
        and any(ch.isalpha() for ch in name)
        and not any(ch.isdigit() for ch in name)
        and "@" not in name
        and len(name.split()) <= 6
    )


def whatsapp_number(tracker: Tracker) -> str | None:
    """On WhatsApp the sender id is the resident's number: reuse it, never ask again."""
    if channel_name(tracker) != "whatsapp" or not tracker.sender_id:
        return None
    return normalise_phone("+" + tracker.sender_id.lstrip("+"))


def intake_summary(tracker: Tracker) -> str:
    """The question in the resident's own words plus what the conversation established."""
    parts = []
    situation = tracker.get_slot("situation")
    if situation and situation != SKIPPED:
        parts.append(f"Vraag in eigen woorden: {situation}")
    domains = tracker.get_slot("life_domains") or []
    if domains:
        parts.append("Onderwerpen: " + ", ".join(life_domain_label(d).lower() for d in domains))
    if tracker.get_slot("complexity") == "meervoudig":
        parts.append("Er spelen meer dingen tegelijk.")
    if tracker.get_slot("upcoming_meeting"):
        parts.append("Er komt een gesprek met de gemeente of het wijkteam.")
    if tracker.get_slot("complaint"):
        parts.append("De inwoner wil bezwaar maken of een klacht indienen.")
    if tracker.get_slot("route_kind"):
        parts.append(f"Advies van de wegwijzer: {tracker.get_slot('route_kind')}.")
    if not parts:
        parts.append("De inwoner wil contact met een cliëntondersteuner.")
    return "\n".join(parts)


def draft_from(tracker: Tracker) -> IntakeDraft:
    consent_raw = tracker.get_slot("consent_at")
    consent_at = datetime.fromisoformat(consent_raw) if consent_raw else datetime.now(timezone.utc)
    time = tracker.get_slot("preferred_time")
    return IntakeDraft(
        gemeente=tracker.get_slot("gemeente"),
        channel=channel_name(tracker),
        name=tracker.get_slot("contact_name"),
        phone=tracker.get_slot("contact_phone") or None,
        email=tracker.get_slot("contact_email") or None,
        contact_preference=tracker.get_slot("contact_preference"),
        preferred_time=None if time in (None, NO_TIME_PREFERENCE) else time,
        life_domains=list(tracker.get_slot("life_domains") or []),
        summary=intake_summary(tracker),
        wijkteam_contact=tracker.get_slot("wijkteam_contact") or "onbekend",
        urgent=bool(tracker.get_slot("urgent")),
        consent_at=consent_at,
        conversation_id=tracker.sender_id,
    )


class ValidateIntakeForm(GemeenteSlotMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        # Slot values here may still be raw answers the form has not validated yet.
        slug = tracker.get_slot("gemeente") or known_gemeente(tracker)
        if is_municipality_slug(slug) and not is_served(slug):
            return []  # action_intake_done explains where to go instead
        preference = tracker.get_slot("contact_preference")
        slots = ["gemeente", "contact_name", "contact_preference"]
        if preference in ("telefoon", "whatsapp"):
            slots.append("contact_phone")
        elif preference == "email":
            slots.append("contact_email")
        slots += ["preferred_time", "intake_decision"]
        if tracker.get_slot("intake_decision") == "aanpassen":
            slots.append("edit_field")
        return slots

    async def validate_gemeente(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        result = await super().validate_gemeente(slot_value, dispatcher, tracker, domain)
        if result.get("gemeente") == UNKNOWN_GEMEENTE:
            # A handover needs a municipality: its OCO team reads the intake.
            dispatcher.utter_message(response="utter_gemeente_other")
            return {"gemeente": None, "invalid_attempts": 0}
        return result

    async def validate_contact_name(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if latest_intent(tracker) == "skip":
            return {"contact_name": "(geen naam gegeven)", "invalid_attempts": 0}
        name = clean_name(latest_text(tracker))
        if looks_like_name(name) and latest_intent(tracker) not in ("affirm", "deny"):
            return {"contact_name": name, "invalid_attempts": 0}
        return self._invalid(dispatcher, tracker, "contact_name", "utter_invalid_name")

    async def validate_contact_preference(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        text = latest_text(tracker)
        chosen = entity_values(tracker, "contact_preference")
        preference = chosen[0] if chosen and chosen[0] in PREFERENCE_LABELS else None
        result: Dict[str, Any] = {}
        if preference is None and text:
            # A number or address typed straight away answers two questions at once.
            if normalise_email(text):
                preference, result["contact_email"] = "email", normalise_email(text)
            elif normalise_phone(text):
                preference, result["contact_phone"] = "telefoon", normalise_phone(text)
            else:
                preference = interpret("contact_preference", text)
        if preference is None:
            return self._invalid(
                dispatcher, tracker, "contact_preference", "utter_not_understood_answer"
            )
        if preference == "whatsapp" and whatsapp_number(tracker):
            result["contact_phone"] = whatsapp_number(tracker)
        return {**result, "contact_preference": preference, "invalid_attempts": 0}

    async def validate_contact_phone(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if latest_intent(tracker) == "skip":
            return self._no_contact(dispatcher)
        phone = normalise_phone(latest_text(tracker) or str(slot_value or ""))
        if phone:
            return {"contact_phone": phone, "invalid_attempts": 0}
        return self._invalid(dispatcher, tracker, "contact_phone", "utter_invalid_phone")

    async def validate_contact_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        if latest_intent(tracker) == "skip":
            return self._no_contact(dispatcher)
        email = normalise_email(latest_text(tracker) or str(slot_value or ""))
        if email:
            return {"contact_email": email, "invalid_attempts": 0}
        return self._invalid(dispatcher, tracker, "contact_email", "utter_invalid_email")

    async def validate_preferred_time(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        text = latest_text(tracker)
        if latest_intent(tracker) == "skip" or not text:
            return {"preferred_time": NO_TIME_PREFERENCE}
        return {"preferred_time": text[:200]}

    async def validate_intake_decision(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        chosen = entity_values(tracker, "intake_decision")
        decision = chosen[0] if chosen else None
        if decision is None:
            decision = {"affirm": "versturen", "deny": "stoppen"}.get(latest_intent(tracker))
        decision = decision or interpret("intake_decision", latest_text(tracker))
        if decision == "versturen":
            return self._store(dispatcher, tracker)
        if decision == "aanpassen":
            return {"intake_decision": "aanpassen", "edit_field": None}
        if decision == "stoppen":
            return {"intake_decision": "stoppen"}
        dispatcher.utter_message(response="utter_not_understood_answer")
        return {"intake_decision": None}

    async def validate_edit_field(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        chosen = entity_values(tracker, "edit_field")
        field = chosen[0] if chosen else interpret("edit_field", latest_text(tracker))
        if field not in ("contact_name", "contact_preference", "contact_phone",
                         "contact_email", "preferred_time"):
            dispatcher.utter_message(response="utter_not_understood_answer")
            return {"edit_field": None}
        cleared: Dict[str, Any] = {field: None}
        if field == "contact_preference":
            cleared.update({"contact_phone": None, "contact_email": None})
        # Back to the confirmation after the one changed answer.
        return {**cleared, "edit_field": None, "intake_decision": None, "invalid_attempts": 0}

    def _store(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        try:
            record = intake_store().create_intake(
                draft_from(tracker), notify_to=notification_address(tracker.get_slot("gemeente"))
            )
        except ValueError:
            # The draft breaks a contract rule (e.g. no way to reach the resident).
            dispatcher.utter_message(response="utter_need_one_contact")
            return {"intake_decision": None, "contact_preference": None,
                    "contact_phone": None, "contact_email": None}
        except Exception as error:
            logger.warning("Intake not stored: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_not_saved_db_down")
            return {"intake_decision": None}
        return {"intake_decision": "versturen", "intake_reference": record["reference"]}

    @staticmethod
    def _invalid(
        dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, response: str
    ) -> dict[str, Any]:
        """Explain with an example and ask again; from the third miss also offer skip or stop."""
        attempts = int(tracker.get_slot("invalid_attempts") or 0) + 1
        dispatcher.utter_message(response=response)
        if attempts >= INTAKE_ATTEMPTS:
            dispatcher.utter_message(response="utter_invalid_again")
        return {slot: None, "invalid_attempts": attempts}

    @staticmethod
    def _no_contact(dispatcher: CollectingDispatcher) -> Dict[str, Any]:
        dispatcher.utter_message(response="utter_need_one_contact")
        return {"contact_preference": None, "contact_phone": None, "contact_email": None,
                "invalid_attempts": 0}


class ActionAskContactPreference(Action):
    def name(self) -> str:
        return "action_ask_contact_preference"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        buttons = [
            {"title": "Bellen", "payload": '/inform{"contact_preference": "telefoon"}'},
            {"title": "E-mail", "payload": '/inform{"contact_preference": "email"}'},
        ]
        if channel_name(tracker) == "whatsapp":
            buttons.append(
                {"title": "WhatsApp", "payload": '/inform{"contact_preference": "whatsapp"}'}
            )
        dispatcher.utter_message(text="Hoe wilt u dat we contact opnemen?", buttons=buttons)
        return []


class ActionAskIntakeDecision(Action):
    """Show the prefilled intake in plain Dutch: Versturen / Aanpassen / Stoppen."""

    def name(self) -> str:
        return "action_ask_intake_decision"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        lines = [f"Dit sturen we naar het OCO-team van {gemeente_display_name(tracker.get_slot('gemeente'))}:"]
        lines.append(f"- Naam: {tracker.get_slot('contact_name')}")
        preference = tracker.get_slot("contact_preference")
        lines.append(f"- Contact via: {PREFERENCE_LABELS.get(preference, preference)}")
        if tracker.get_slot("contact_phone"):
            lines.append(f"- Telefoon: {display_phone(tracker.get_slot('contact_phone'))}")
        if tracker.get_slot("contact_email"):
            lines.append(f"- E-mail: {tracker.get_slot('contact_email')}")
        lines.append(f"- Wanneer: {tracker.get_slot('preferred_time') or NO_TIME_PREFERENCE}")
        situation = tracker.get_slot("situation")
        if situation and situation != SKIPPED:
            shown = situation if len(situation) <= 300 else situation[:297] + "..."
            lines.append(f"- Uw vraag: {shown}")
        domains = tracker.get_slot("life_domains") or []
        if domains:
            lines.append("- Onderwerpen: " + ", ".join(life_domain_label(d).lower() for d in domains))
        dispatcher.utter_message(
            text="\n".join(lines),
            buttons=[
                {"title": "Versturen", "payload": '/inform{"intake_decision": "versturen"}'},
                {"title": "Aanpassen", "payload": '/inform{"intake_decision": "aanpassen"}'},
                {"title": "Stoppen", "payload": '/inform{"intake_decision": "stoppen"}'},
            ],
        )
        return []


class ActionAskEditField(Action):
    def name(self) -> str:
        return "action_ask_edit_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        buttons = [{"title": "Naam", "payload": '/inform{"edit_field": "contact_name"}'}]
        if tracker.get_slot("contact_phone"):
            buttons.append(
                {"title": "Telefoonnummer", "payload": '/inform{"edit_field": "contact_phone"}'}
            )
        if tracker.get_slot("contact_email"):
            buttons.append({"title": "E-mailadres", "payload": '/inform{"edit_field": "contact_email"}'})
        buttons += [
            {"title": "Manier van contact", "payload": '/inform{"edit_field": "contact_preference"}'},
            {"title": "Wanneer bereikbaar", "payload": '/inform{"edit_field": "preferred_time"}'},
        ]
        dispatcher.utter_message(text="Wat wilt u aanpassen?", buttons=buttons)
        return []


def display_phone(e164: str) -> str:
    """+31612345678 -> 06 12345678, as residents write their number."""
    try:
        number = phonenumbers.parse(e164, "NL")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


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
            dispatcher.utter_message(
                response="utter_intake_sent",
                intake_reference=reference,
            )
            dispatcher.utter_message(
                response="utter_intake_next_steps",
                gemeente_naam=gemeente_display_name(slug),
                contact_channel=PREFERENCE_LABELS.get(preference, preference),
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
        if slug and not is_served(slug):
            dispatcher.utter_message(
                response="utter_intake_unserved",
                served_gemeenten=served_gemeenten_text(),
                gemeente_naam=gemeente_display_name(slug),
            )
            return forget
        dispatcher.utter_message(response="utter_intake_stopped")
        return [*forget, SlotSet("consent_at", None)]


class ActionStopForm(Action):
    """'stop' in the middle of questions: leave politely, keep nothing personal."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if tracker.active_loop.get("name") == "intake_form":
            events += [*reset_slots(INTAKE_SLOTS), SlotSet("consent_at", None)]
        if latest_intent(tracker) == "goodbye":
            dispatcher.utter_message(response="utter_goodbye")
        else:
            dispatcher.utter_message(response="utter_form_stopped")
        return events
