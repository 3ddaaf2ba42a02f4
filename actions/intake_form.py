"""The intake form: consent, the resident's question, contact details, a preview, storage.

Which questions are asked depends on the conversation (``required_slots``): the municipality
only when nobody told us; the open question about the situation only when the resident has not
told anything yet; the safety questions only after a signal of violence or abuse. Reading the
answers, retries and the way out are the base class's (actions/forms.py); the texts are in
domain.yml and data/summary.yml.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    UNKNOWN_GEMEENTE,
    channel_name,
    gemeente_display_name,
    is_municipality_slug,
    known_gemeente,
    latest_text,
    municipality,
    settings,
)
from actions.forms import OcoFormValidationAction
from actions.gemeente import GemeenteSlotMixin
from actions.intake_record import conversation_facts, draft_from, intake_store, notification_address
from bot.domain.contact_validation import display_phone, normalise_email, normalise_phone
from bot.domain.dialogue.contact_change import read_contact_change
from bot.domain.handover.story import short_story
from bot.domain.handover.summary import texts as summary_texts
from bot.domain.intake_draft import MissingContact
from bot.domain.life_domains import life_domain_label
from bot.domain.vocabulary import PHONE_PREFERENCES

logger = logging.getLogger(__name__)

VIOLENCE_KINDS = frozenset({"domestic_violence", "child_abuse", "sexual_abuse"})
EDITABLE = ("contact_name", "contact_preference", "contact_phone", "contact_email", "preferred_time", "intake_story")
NO_TIME_PREFERENCE = "geen voorkeur"
# Questions after the contact question where a typed address or number changes the contact
# route; at those in PREFERENCE_WORDS_COUNT also "toch liever mail" (bot/domain/dialogue/contact_change.py).
ROUTE_CHANGE_QUESTIONS = ("contact_phone", "contact_email", "intake_story", "safe_to_contact", "safe_message",
                          "preferred_time", "intake_decision", "edit_field")
PREFERENCE_WORDS_COUNT = ("contact_phone", "contact_email", "preferred_time", "intake_decision")


def whatsapp_number(tracker: Tracker) -> str | None:
    """On WhatsApp the resident's number is known from the channel: reuse it, never ask again."""
    if channel_name(tracker) != "whatsapp":
        return None
    metadata = tracker.latest_message.get("metadata") or {}
    number = metadata.get("whatsapp_number") if isinstance(metadata, dict) else None
    return normalise_phone("+" + str(number or tracker.sender_id or "").split(":")[-1].lstrip("+"))


def needs_safety_questions(tracker: Tracker) -> bool:
    """After a signal of violence or abuse: ask whether calling or mailing is safe."""
    return bool(VIOLENCE_KINDS & set(tracker.get_slot("crisis_kinds") or []))


class ValidateIntakeForm(GemeenteSlotMixin, OcoFormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        slug = tracker.get_slot("gemeente") or known_gemeente(tracker)
        if slug and slug != UNKNOWN_GEMEENTE and is_municipality_slug(slug) and municipality(slug) is None:
            return []  # not served: action_intake_done explains where to go instead
        slots = ["gemeente", "consent"]
        if tracker.get_slot("consent") == "nee" or tracker.get_slot("intake_decision") == "stoppen":
            return []
        if tracker.get_slot("consent") != "ja":
            return slots
        # Name and contact first, as the consent text announces; then, only when the resident
        # told nothing yet, one open question about the situation.
        slots += ["contact_name", "contact_preference"]
        preference = tracker.get_slot("contact_preference")
        if preference in PHONE_PREFERENCES:
            slots.append("contact_phone")
        elif preference == "email":
            slots.append("contact_email")
        if not tracker.get_slot("story_known"):
            slots.append("intake_story")
        if needs_safety_questions(tracker):
            slots += ["safe_to_contact", "safe_message"]
        slots += ["preferred_time", "intake_decision"]
        if tracker.get_slot("intake_decision") == "aanpassen":
            slots.append("edit_field")
        return slots

    async def validate_gemeente(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        result = await super().validate_gemeente(slot_value, dispatcher, tracker, domain)
        if result.get("gemeente") == UNKNOWN_GEMEENTE:
            # A handover needs a municipality: its OCO team reads the intake.
            dispatcher.utter_message(response="utter_gemeente_other")
            return {"gemeente": None, "invalid_attempts": 0}
        return result

    async def accept_consent(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value == "ja":
            return {"consent": "ja", "consent_at": datetime.now(timezone.utc).isoformat()}
        if value == "nee":
            return {"consent": "nee", "consent_at": None}
        # "weet ik niet": explain once more who reads what, and ask again.
        dispatcher.utter_message(response="utter_consent_explain")
        return {"consent": None}

    async def accept_intake_story(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        edited = tracker.get_slot("intake_decision") is None and tracker.get_slot("story_edit")
        return {"intake_story": value[:2000], "story_known": True, "story_override": value[:2000] if edited else None,
                "story_edit": None}

    async def accept_contact_preference(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        result: Dict[str, Any] = {"contact_preference": value}
        text = latest_text(tracker)
        # A number or address typed straight away answers two questions at once.
        if normalise_phone(text):
            result["contact_phone"] = normalise_phone(text)
        if normalise_email(text):
            result["contact_email"] = normalise_email(text)
        if value == "whatsapp":
            number = whatsapp_number(tracker)
            if number:
                result["contact_phone"] = number
        return result

    def recover_contact_preference(self, text: str) -> Dict[str, Any] | None:
        """A number or address typed instead of "bellen"/"mailen" answers both questions."""
        if normalise_phone(text):
            return {"contact_preference": "telefoon", "contact_phone": normalise_phone(text)}
        if normalise_email(text):
            return {"contact_preference": "email", "contact_email": normalise_email(text)}
        return None

    def other_answer(self, question: Any, text: str, dispatcher: CollectingDispatcher,
                     tracker: Tracker) -> Dict[str, Any] | None:
        """A new contact route typed after the contact question: stored, and the preference switched.

        "eigenlijk toch liever via de mail, agnieszka.k@gmail.com" at the time question stores the
        address; "ik wil toch liever mail" at the preview switches and asks for the address. The
        other route's detail is dropped, so the preview shows only the route the resident chose.
        """
        if question.slot not in ROUTE_CHANGE_QUESTIONS or tracker.get_slot("contact_preference") is None:
            return None
        change = read_contact_change(
            text, kind=question.kind, phrases=question.slot in PREFERENCE_WORDS_COUNT,
            preference=tracker.get_slot("contact_preference"), phone=tracker.get_slot("contact_phone"),
            email=tracker.get_slot("contact_email"),
        )
        if change is None:
            return None
        updates: Dict[str, Any] = {"contact_preference": change.preference}
        if change.preference == "email":
            updates.update(contact_email=change.email, contact_phone=None)
        else:
            phone = change.phone or (tracker.get_slot("contact_phone")
                                     if tracker.get_slot("contact_preference") in PHONE_PREFERENCES else None)
            if change.preference == "whatsapp" and not phone:
                phone = whatsapp_number(tracker)
            updates.update(contact_phone=phone, contact_email=None)
        if question.slot in ("intake_decision", "edit_field"):
            updates.update(intake_decision=None, edit_field=None)  # the preview again, with the new route
        dispatcher.utter_message(response=f"utter_contact_changed_{change.preference}")
        return updates

    def recover_contact_name(self, text: str) -> Dict[str, Any] | None:
        """A phone number or e-mail typed at the name question is kept; the name is still asked."""
        found = self.recover_contact_preference(text)
        return {**found, "contact_name": None} if found else None

    async def accept_edit_field(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value not in EDITABLE:
            dispatcher.utter_message(response="utter_invalid_edit_field")
            return {"edit_field": None}
        cleared: Dict[str, Any] = {value: None}
        if value in ("contact_preference", "contact_phone", "contact_email"):
            cleared.update({"contact_preference": None, "contact_phone": None, "contact_email": None})
        if value == "intake_story":
            cleared.update({"story_known": False, "story_edit": True})
        # Back to the preview after the one changed answer.
        return {**cleared, "edit_field": None, "intake_decision": None}

    async def accept_intake_decision(
        self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value == "versturen":
            return self._store(dispatcher, tracker)
        if value == "aanpassen":
            return {"intake_decision": "aanpassen", "edit_field": None}
        return {"intake_decision": "stoppen"}

    def on_give_up(self, question: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                   domain: DomainDict) -> Dict[str, Any]:
        """The chat does not work out for this question: the phone route, and nothing stored."""
        dispatcher.utter_message(response="utter_give_up")
        return {question.slot: None, "intake_decision": "stoppen", "intake_gave_up": True}

    def _store(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        try:
            record = intake_store().create_intake(
                draft_from(tracker), notify_to=notification_address(tracker.get_slot("gemeente"))
            )
        except MissingContact:
            # The one thing the resident can fix: a way to reach them.
            dispatcher.utter_message(response="utter_need_one_contact")
            return {"intake_decision": None, "contact_preference": None,
                    "contact_phone": None, "contact_email": None}
        except Exception as error:
            logger.warning("Intake not stored: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_not_saved_db_down")
            return {"intake_decision": None}
        return {"intake_decision": "versturen", "intake_reference": record["reference"]}


class ActionAskConsent(Action):
    """What will be stored, who reads it, for how long; Ja / Nee."""

    def name(self) -> str:
        return "action_ask_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        name = gemeente_display_name(tracker.get_slot("gemeente") or known_gemeente(tracker))
        if asked_in_this_handover(tracker, ("utter_ask_consent_2", "utter_ask_consent_again")):
            # Asked again after an unclear answer or a question in between: short, not the whole text.
            dispatcher.utter_message(response="utter_ask_consent_again", gemeente_naam=name)
            return []
        dispatcher.utter_message(response="utter_ask_consent")
        dispatcher.utter_message(
            response="utter_ask_consent_2", gemeente_naam=name,
            intake_retention_days=settings().intake_retention_days,
        )
        return []


def asked_in_this_handover(tracker: Tracker, responses: tuple[str, ...]) -> bool:
    """True when one of ``responses`` was said since the handover started (action_start_handover).

    A form's ask action leaves no action event of its own, so the bot's messages are read:
    each carries the response it came from (``metadata.utter_action``).
    """
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == "action_start_handover":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in responses:
            return True
    return False


@lru_cache(maxsize=1)
def _translated_preview_labels() -> Dict[str, Any]:
    """data/languages.yml "voorvertoning", read once per process."""
    import yaml

    from bot.domain.language import LANGUAGES_FILE

    raw = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8")) or {}
    return raw.get("voorvertoning") or {}


def preview_labels(language: str | None) -> Dict[str, Any]:
    """The preview labels: data/summary.yml in Dutch, data/languages.yml ("voorvertoning") for
    a resident who chats in another language that has them."""
    if language and language != "nl":
        labels = _translated_preview_labels().get(language)
        if labels:
            return labels
    return summary_texts()["preview"]


def preview_text(tracker: Tracker) -> str:
    """The preview a resident sees before "Versturen" (labels: ``preview_labels``)."""
    labels = preview_labels(tracker.get_slot("language"))
    slug = tracker.get_slot("gemeente")
    lines = [labels["title"].format(gemeente_naam=gemeente_display_name(slug))]
    lines.append(f"- {labels['name']}: {tracker.get_slot('contact_name')}")
    preference = tracker.get_slot("contact_preference")
    lines.append(f"- {labels['contact']}: {labels['preferences'].get(preference, preference)}")
    if tracker.get_slot("contact_phone"):
        lines.append(f"- {labels['phone']}: {display_phone(tracker.get_slot('contact_phone'))}")
    if tracker.get_slot("contact_email"):
        lines.append(f"- {labels['email']}: {tracker.get_slot('contact_email')}")
    time = tracker.get_slot("preferred_time")
    lines.append(f"- {labels['time']}: {time if time and time != NO_TIME_PREFERENCE else labels['no_time']}")
    facts = conversation_facts(tracker)
    if facts.story:
        lines.append(f"- {labels['story']}: {short_story(facts.story)}")
    if facts.life_domains:
        names = labels.get("life_domains") or {}
        lines.append(f"- {labels['domains']}: "
                     + ", ".join(names.get(d) or life_domain_label(d).lower() for d in facts.life_domains))
    return "\n".join(lines)


class ActionAskIntakeDecision(Action):
    """Show the prefilled intake in plain Dutch (or English): Versturen / Aanpassen / Stoppen."""

    def name(self) -> str:
        return "action_ask_intake_decision"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_intake_decision", intake_preview=preview_text(tracker))
        return []


