"""One form base class: reading answers, retries, explanations and the way out.

Modelled on ``CustomFormValidationAction`` of RasaHQ/financial-demo (actions/custom_forms.py):
every form subclasses :class:`OcoFormValidationAction` instead of repeating retry logic. The
questions and their rules are data (data/questions.yml, see bot/domain/dialogue/questions.py).

How an answer to the pending question is handled:

1. It is read by the reader of its kind (bot/domain/dialogue/answers.py). The Rasa server already did
   that when the message came in (bot/rasa_plugins/nlu/turn_hook.py) and put the result in the parse data as
   ``answer``; a button payload is read from its entity or intent.
2. Understood: the value is passed to ``accept_<slot>(value, dispatcher, tracker, domain)`` when
   the form defines it (for side effects such as "a number typed at the preference question
   answers two questions"), else stored as is.
3. "Sla over": a skippable question stores its ``skip_value``; a question that cannot be skipped
   says in one sentence why it is needed (``utter_why_<slot>``) and offers the way out
   (stop, or the municipality's phone route).
   An answer to another question of the form typed here (a phone number at the name question)
   is kept by ``recover_<slot>(text)`` when the form defines it, and is no miss. A change of an
   earlier answer ("toch liever mail" at the time question) is found by ``other_answer`` before
   the reading counts: kept, and the pending question asked again.
4. Not understood: the first time ``utter_invalid_<slot>``; the second time one concrete example
   (``utter_example_<slot>``) and the way out (``utter_invalid_<slot>_<reason>`` and
   ``utter_example_<slot>_<reason>`` first, when the reader's reason has its own text); never
   the same reply twice in a row. After
   ``give_up`` tries a skippable question is left with its ``skip_value``; one that cannot be
   skipped ends the form with the phone route (``on_give_up``).

Responses that a slot does not define fall back to generic ones (``utter_invalid_answer``, ...).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import entity_values, latest_intent, latest_text
from bot.domain.dialogue.answers import Reading, read_answer
from bot.domain.dialogue.questions import Question, question_for

ATTEMPTS_SLOT = "invalid_attempts"
# Button payloads that answer a question by their intent alone.
PAYLOAD_INTENT_VALUES = {"affirm": "ja", "deny": "nee"}
SKIP_INTENT = "skip"


def response_or_default(domain: DomainDict, name: str, default: str) -> str:
    """``name`` when the domain defines that response, else ``default``."""
    return name if name in (domain.get("responses") or {}) else default


def reply_for(domain: DomainDict, kind: str, slot: str, reason: str | None, default: str) -> str:
    """``<kind>_<slot>_<reason>``, else ``<kind>_<slot>``, else ``default``: the first the domain has."""
    if reason:
        specific = f"{kind}_{slot}_{reason}"
        if specific in (domain.get("responses") or {}):
            return specific
    return response_or_default(domain, f"{kind}_{slot}", default)


class OcoFormValidationAction(FormValidationAction):
    """Validates every question of a form by the table in data/questions.yml.

    Subclasses set ``name()`` ("validate_<form>"), may override ``required_slots``, and may define
    ``accept_<slot>`` (value understood) and ``on_give_up`` (a question that cannot be skipped
    was not understood ``give_up`` times). A slot with its own ``validate_<slot>`` method (the
    municipality, whose reading also knows the catalogue) is validated by that method.
    """

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>``: abstract, so that the action server does not register the base class."""

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        updates: Dict[str, Any] = {}
        for slot, value in list(tracker.slots_to_validate().items()):
            # The question just asked is always validated: required_slots may depend on the
            # raw, not yet validated answer ("nee" at the consent question ends the form).
            if slot not in required and slot != requested:
                continue
            question = question_for(self.form_name(), slot)
            custom = getattr(self, f"validate_{slot}", None)
            if question is not None and custom is None and slot == tracker.get_slot("requested_slot"):
                output = await self.read_question(question, dispatcher, tracker, domain)
            else:
                output = await custom(value, dispatcher, tracker, domain) if custom else {slot: value}
            updates.update(output)
            tracker.slots.update(output)
        return [SlotSet(slot, value) for slot, value in updates.items()]

    # -- reading -------------------------------------------------------------------------
    def reading(self, question: Question, tracker: Tracker) -> Reading:
        """The answer to ``question`` in the latest message (see the module docstring, step 1)."""
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        if text.startswith("/"):
            return self.payload_reading(question, tracker)
        answer = message.get("answer")
        if isinstance(answer, dict) and answer.get("slot") == question.slot:
            return Reading(
                kind=str(answer.get("kind") or question.kind), value=answer.get("value"),
                understood=bool(answer.get("understood")), skip=bool(answer.get("skip")),
                reason=answer.get("reason"),
            )
        return read_answer(
            question.kind, latest_text(tracker), question=question.choice,
            options=question.options or None, metadata_gemeente=None,
        )

    @staticmethod
    def payload_reading(question: Question, tracker: Tracker) -> Reading:
        """A button payload: its entity (named after the slot or the choice) or its intent."""
        intent = latest_intent(tracker)
        if intent == SKIP_INTENT:
            return Reading(kind=question.kind, value=None, understood=False, skip=True)
        for entity in (question.slot, question.choice or ""):
            values = entity_values(tracker, entity) if entity else []
            if values and (not question.options or values[0] in question.options or question.kind != "choice"):
                return Reading(kind=question.kind, value=values[0], understood=True)
        if question.kind in ("yes_no", "choice") and intent in PAYLOAD_INTENT_VALUES:
            value = PAYLOAD_INTENT_VALUES[intent]
            if not question.options or value in question.options:
                return Reading(kind=question.kind, value=value, understood=True)
        return Reading(kind=question.kind, value=None, understood=False, reason="payload")

    # -- handling ------------------------------------------------------------------------
    async def read_question(
        self, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        reading = self.reading(question, tracker)
        text = latest_text(tracker)
        other = self.other_answer(question, text, dispatcher, tracker) if not text.startswith("/") else None
        if other is not None:
            # The resident changed an earlier answer here ("toch liever mail"): that change is kept,
            # the pending question is asked again (or what the change still needs), no miss counted.
            return {question.slot: None, **other, ATTEMPTS_SLOT: 0}
        if reading.understood and reading.value is not None:
            accept = getattr(self, f"accept_{question.slot}", None)
            output = (
                await accept(reading.value, dispatcher, tracker, domain) if accept else {question.slot: reading.value}
            )
            if question.slot in output and output[question.slot] is None:
                return output  # the form's own check refused it and said why
            return {ATTEMPTS_SLOT: 0, **output}
        if reading.skip:
            return self.skip(question, dispatcher, tracker, domain)
        recover = getattr(self, f"recover_{question.slot}", None)
        recovered = recover(latest_text(tracker)) if recover else None
        if recovered:
            # Another question's answer, typed here: kept, and no miss counted.
            if recovered.get(question.slot) is None:
                dispatcher.utter_message(response="utter_noted_other_answer")
            return {ATTEMPTS_SLOT: 0, **recovered}
        return self.not_understood(question, dispatcher, tracker, domain, reason=reading.reason)

    def other_answer(
        self, question: Question, text: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[str, Any] | None:
        """Slot updates when ``text`` changes an earlier answer of the form instead of answering
        ``question``; it takes precedence over the reading. The form says what it kept. None by default."""
        return None

    def skip(
        self, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if question.skippable:
            return {question.slot: question.skip_value, ATTEMPTS_SLOT: 0}
        dispatcher.utter_message(response=response_or_default(domain, f"utter_why_{question.slot}", "utter_why_needed"))
        self.way_out(question, dispatcher, tracker, domain)
        return {question.slot: None}

    def not_understood(
        self, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
        reason: str | None = None,
    ) -> Dict[str, Any]:
        """``reason``: why the reader refused the answer; ``utter_invalid_<slot>_<reason>`` and
        ``utter_example_<slot>_<reason>`` say it when the domain has them ("not_valid" at the
        phone question: the count of digits is right, the number is not)."""
        attempts = int(tracker.get_slot(ATTEMPTS_SLOT) or 0) + 1
        if attempts >= question.give_up:
            if question.skippable:
                dispatcher.utter_message(response="utter_skipped_after_tries")
                return {question.slot: question.skip_value, ATTEMPTS_SLOT: 0}
            return {**self.on_give_up(question, dispatcher, tracker, domain), ATTEMPTS_SLOT: 0}
        if attempts % 2 == 1:
            dispatcher.utter_message(response=reply_for(domain, "utter_invalid", question.slot, reason,
                                                        "utter_invalid_answer"))
        else:
            dispatcher.utter_message(response=reply_for(domain, "utter_example", question.slot, reason,
                                                        "utter_example_answer"))
            self.way_out(question, dispatcher, tracker, domain)
        return {question.slot: None, ATTEMPTS_SLOT: attempts}

    def way_out(
        self, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> None:
        """Stop, or call the municipality yourself; "Overslaan" only where the question allows it."""
        dispatcher.utter_message(response="utter_way_out_skippable" if question.skippable else "utter_way_out")

    def on_give_up(
        self, question: Question, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A question that cannot be skipped was not understood ``give_up`` times."""
        dispatcher.utter_message(response="utter_give_up")
        return {question.slot: None}


class ActionExplainQuestion(Action):
    """A question in the middle of a form that the assistant cannot place ("waarom wilt u dat?").

    Says why the pending question is asked (``utter_why_<slot>``) when the domain has that text,
    else that a cliëntondersteuner can answer it; the rule then asks the pending question again.
    """

    def name(self) -> str:
        return "action_explain_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        slot = tracker.get_slot("requested_slot")
        dispatcher.utter_message(response=response_or_default(domain, f"utter_why_{slot}", "utter_question_unknown"))
        return []
