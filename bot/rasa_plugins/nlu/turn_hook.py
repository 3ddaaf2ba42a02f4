"""Rasa glue: every parsed message is read in the context of the conversation.

Rasa 3.6 parses a message with the NLU pipeline alone; its components never see the dialogue
state. ``MessageProcessor.parse_message`` does get the tracker, so this module wraps it: after
the pipeline, bot.domain.dialogue.turn.read_turn decides what the message is, given the form question
that is pending (``active_loop`` + ``requested_slot``, table in data/questions.yml). What it
adds to the parse result, for the policies and the action server:

- ``intent``: ``inform`` (confidence 1.0) for an answer attempt, or the interrupting intent;
- ``answer``: the reading of the pending question (form, slot, kind, value, understood, skip,
  reason), which the form base class (actions/forms.py) validates;
- ``classifier_intent``: what the pipeline alone said;
- ``secondary_intents``: the other parts of a combined intent ("bot_challenge+request_human");
- a ``language`` entity when the message is clearly in another language (never for an answer).

Without a tracker (``/model/parse``, ``rasa test nlu``) only the context-free corrections apply,
so the parse result keeps one contract intent at the top level.

``install()`` is called when the NLU pipeline is loaded: the last pipeline component in
config.yml, ``TurnReader``, does nothing to messages itself but installs this wrapper when it is
created, so every process that loads the model (rasa run, rasa test, rasa shell) reads messages
the same way. Any error here leaves the
pipeline's own result in place: reading in context must never cost the resident an answer.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from bot.domain.dialogue.questions import question_for
from bot.domain.dialogue.turn import TurnReading, question_part, question_sentences, read_turn
from bot.domain.slugs import clean_slug

logger = logging.getLogger(__name__)

_INSTALLED = False
LANGUAGE_ENTITY = "language"
OTHER_LANGUAGE_INTENT = "other_language"
DUTCH = "nl"
# Languages with a whole set of answers; other detected languages get one fixed text.
ANSWERED_LANGUAGES = frozenset({"nl", "en"})


def _detect_language(text: str) -> str | None:
    try:
        from bot.domain.language import detect_language
    except ImportError:  # the language module is optional for this hook
        return None
    return detect_language(text)


def pending_gemeente(tracker: Any, metadata: Dict[str, Any] | None) -> str | None:
    """The municipality the conversation already knows: the slot, else the channel's metadata."""
    slot = tracker.get_slot("gemeente") if tracker is not None else None
    if isinstance(slot, str) and clean_slug(slot) and slot != "onbekend":
        return slot
    value = (metadata or {}).get("gemeente")
    return clean_slug(value) if isinstance(value, str) else None


def apply_turn_reading(parse_data: Dict[str, Any], tracker: Any, metadata: Dict[str, Any] | None) -> Dict[str, Any]:
    """Rewrite ``parse_data`` in place by the reading of the turn; returns it.

    ``tracker`` is Rasa's DialogueStateTracker (or None: no conversation context).
    """
    text = parse_data.get("text") or ""
    intent = parse_data.get("intent") or {}
    classifier_intent = intent.get("name") or "nlu_fallback"
    confidence = float(intent.get("confidence") or 0.0)
    pending = None
    if tracker is not None:
        pending = question_for(tracker.active_loop_name, tracker.get_slot("requested_slot"))
    ranking = [entry.get("name") for entry in parse_data.get("intent_ranking") or []]
    runner_up = next((name for name in ranking if name and name not in (classifier_intent, "crisis")), None)
    reading = read_turn(
        text, classifier_intent, confidence, pending,
        metadata_gemeente=pending_gemeente(tracker, metadata), runner_up=runner_up,
    )
    parse_data["classifier_intent"] = {"name": classifier_intent, "confidence": confidence}
    if reading.secondary_intents:
        parse_data["secondary_intents"] = reading.secondary_intents
    if reading.signal:
        parse_data["turn_signal"] = reading.signal
    new_intent = reading.intent
    if reading.answer is not None:
        parse_data["answer"] = reading.answer
        parse_data["entities"] = []
    elif not text.startswith("/"):
        current = tracker.get_slot(LANGUAGE_ENTITY) if tracker is not None else None
        new_intent = _with_language(parse_data, text, reading, tracker is not None, current)
    if new_intent != classifier_intent:
        _set_intent(parse_data, new_intent)
    return parse_data


def _with_language(
    parse_data: Dict[str, Any], text: str, reading: TurnReading, in_conversation: bool,
    current: Any = None,
) -> str:
    """Add the ``language`` entity for a message in another language; maybe route it.

    ``current`` is the conversation's ``language`` slot. A clearly Dutch message after another
    language sets it back to "nl", so the answers are Dutch again.
    """
    if reading.intent in ("crisis", "restart"):
        return reading.intent
    language = _detect_language(text)
    if not language:
        return reading.intent
    if language == DUTCH and (not isinstance(current, str) or current in ("", DUTCH)):
        return reading.intent
    parse_data.setdefault("entities", []).append(
        {"entity": LANGUAGE_ENTITY, "value": language, "start": 0, "end": len(text),
         "extractor": "LanguageDetector"}
    )
    if language == DUTCH:
        return reading.intent
    if in_conversation and language not in ANSWERED_LANGUAGES:
        return OTHER_LANGUAGE_INTENT
    return reading.intent


def _set_intent(parse_data: Dict[str, Any], name: str) -> None:
    chosen = {"name": name, "confidence": 1.0}
    ranking = [entry for entry in parse_data.get("intent_ranking") or [] if entry.get("name") != name]
    parse_data["intent"] = chosen
    parse_data["intent_ranking"] = [chosen, *ranking]


# Readings of the whole message after which a question sentence is read on its own.
_SENTENCE_READING_FOR = frozenset({"describe_situation", "nlu_fallback", "out_of_scope", "complaint_or_objection"})


async def _read_question_sentences(processor: Any, original: Callable[..., Any], parse_data: Dict[str, Any]) -> None:
    """A long message with a question sentence: read that sentence alone (bot.domain.dialogue.turn.question_part).

    Only outside a pending question and for a situation, fallback, out-of-scope or complaint
    reading. The sentence goes through the same NLU pipeline (``original``, without tracker);
    when its question leads or joins, its ResponseSelector choice is kept for ``ask_procedure``.
    """
    text = parse_data.get("text") or ""
    intent = (parse_data.get("intent") or {}).get("name")
    if "answer" in parse_data or text.startswith("/") or intent not in _SENTENCE_READING_FOR:
        return
    sentences = question_sentences(text)
    if not sentences:
        return
    from rasa.core.channels.channel import UserMessage

    readings, selections = [], {}
    for sentence in sentences[:3]:
        alone = await original(processor, UserMessage(text=sentence), None, True)
        name = (alone.get("intent") or {}).get("name") or ""
        readings.append((name, float((alone.get("intent") or {}).get("confidence") or 0.0)))
        selections.setdefault(name, alone.get("response_selector") or {})
    ranking = {entry.get("name"): float(entry.get("confidence") or 0.0)
               for entry in parse_data.get("intent_ranking") or []}
    classifier = parse_data.get("classifier_intent") or {}
    if classifier.get("name"):
        ranking.setdefault(classifier["name"], float(classifier.get("confidence") or 0.0))
    decided = question_part(intent, ranking, readings)
    if decided is None:
        return
    lead, secondary = decided
    question = secondary[0] if secondary else lead
    if question == "ask_procedure" and "ask_procedure" in selections.get(question, {}):
        parse_data.setdefault("response_selector", {})["ask_procedure"] = selections[question]["ask_procedure"]
    if secondary:
        known = parse_data.get("secondary_intents") or []
        parse_data["secondary_intents"] = [*secondary, *[name for name in known if name not in secondary]]
    if lead != intent:
        _set_intent(parse_data, lead)
    parse_data["turn_signal"] = "question"


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def parse_message(self: Any, message: Any, tracker: Any | None = None,
                            only_output_properties: bool = True) -> Dict[str, Any]:
        parse_data = await original(self, message, tracker, only_output_properties)
        try:
            apply_turn_reading(parse_data, tracker, getattr(message, "metadata", None))
            await _read_question_sentences(self, original, parse_data)
        except Exception as error:  # never lose the message over a reading error
            logger.warning("Turn reading skipped: %s", type(error).__name__)
        return parse_data

    parse_message.__oco_turn_hook__ = True  # type: ignore[attr-defined]
    return parse_message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TurnReader(GraphComponent):
    """Pipeline component that installs the turn reading (see the module docstring)."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TurnReader:
        install()
        _warm_up_language()
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """The messages unchanged: the reading needs the tracker, which only the processor has."""
        return messages


def _warm_up_language() -> None:
    """Load the language detector with the model, so the first resident does not wait for it."""
    try:
        from bot.domain.language import warm_up
    except ImportError:  # the language module is optional for this hook
        return
    try:
        warm_up()
    except Exception:
        logger.warning("Language detector not warmed up; it loads on the first message.")


def install() -> None:
    """Wrap MessageProcessor.parse_message once per process (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from rasa.core.processor import MessageProcessor

    if not getattr(MessageProcessor.parse_message, "__oco_turn_hook__", False):
        MessageProcessor.parse_message = _wrap(MessageProcessor.parse_message)  # type: ignore[method-assign]
    _INSTALLED = True
