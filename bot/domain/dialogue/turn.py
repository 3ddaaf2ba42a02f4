"""Read one resident message in the context of the conversation: answer, or interruption.

The intent classifier reads every message without context, so a one-word answer gives it
nothing to go on ("Bram" came out as affirm, "maandag" as goodbye). Here a message that comes
while a form question is pending is first read as an answer of the expected kind
(bot/domain/dialogue/answers.py). Only strong signals interrupt it, in the priority order of
data/priorities.yml: a crisis, an explicit stop, an explicit request for a person, an explicit
question. Everything else is an answer attempt, which the form validates.

Outside the forms the classifier's intent stands, with three corrections: a combined intent
("bot_challenge+request_human") is split into one contract intent and ``secondary_intents``; an
explicit wish to be called back is a request for a person whatever the classifier said ("nee
wacht, ik wil toch wel gebeld worden"); and a message the classifier did not understand but that
names a life domain is a situation, so the resident gets the clarification route, not "Sorry".

Pure functions: the Rasa glue is bot/rasa_plugins/nlu/turn_hook.py.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.domain.dialogue.answers import read_answer
from bot.domain.dialogue.questions import Question
from bot.domain.dialogue.signals import (
    asks_about_the_question,
    complaint_statement,
    is_question,
    priority_order,
    sentence_signals,
    strong_signal,
)
from bot.domain.dialogue.signals import (
    sentence_parts as _sentence_parts,
)
from bot.domain.gemeente_recognition import recognise_residence
from bot.domain.life_domains import detect_life_domains
from bot.domain.text import normalise_text

ANSWER_INTENT = "inform"
FALLBACK_INTENT = "nlu_fallback"
RESTART_INTENT = "restart"
SITUATION_INTENT = "describe_situation"
# Questions about the service itself: answered in the middle of a form, which then goes on
# (data/rules_forms.yml, &faq_intents; a guard test keeps the lists in step).
QUESTION_INTENTS = frozenset({
    "ask_what_is_oco", "ask_oco_vs_wijkteam", "ask_oco_cost", "ask_oco_eligibility",
    "ask_oco_independence", "ask_oco_tasks", "ask_privacy", "ask_contact_details",
    "ask_data_removal", "bot_challenge", "ask_procedure",
})
# Answer kinds whose reading wins over a stop or a wish for a person in the same words
# ("nee, stop maar" at the consent question, "bel me maar na vijven" at the time question).
_KINDS_WHERE_ANSWER_WINS = frozenset({"yes_no", "choice", "time", "phone", "email"})
_RESTART = re.compile(r"^/?(restart|herstart|opnieuw( beginnen| starten)?|begin (maar )?opnieuw|"
                      r"(ik wil )?(graag )?opnieuw beginnen|start opnieuw|reset)$")
COMPLAINT_SIGNAL = "complaint"
COMPLAINT_INTENT = "complaint_or_objection"
# A complaint in any sentence of a message outranks these (data/priorities.yml): the other
# part is answered too (``secondary_intents``).
_COMPLAINT_OUTRANKS = frozenset({SITUATION_INTENT, "prepare_meeting", FALLBACK_INTENT, "out_of_scope"})
# A question the classifier recognised gives way only to a statement of being unhappy in a
# clause that is not itself a question ("ik ben het niet eens met de beschikking, hoe maak ik
# bezwaar?"); "hoe lang heb ik om bezwaar te maken?" stays a procedure question.
_COMPLAINT_OUTRANKS_WITH_STATEMENT = QUESTION_INTENTS
# Intent ranking entries beyond this confidence count as "the classifier meant it".
FAQ_CONFIDENCE = 0.6


@dataclass(frozen=True)
class TurnReading:
    """What the dialogue should see of one message.

    ``intent`` is the intent the policies get (a contract intent, or Rasa's ``restart`` /
    ``nlu_fallback``); ``answer`` is the reading of a pending question (a dict of
    bot.domain.dialogue.answers.Reading plus ``form`` and ``slot``), None when the message interrupts
    or no question is pending; ``secondary_intents`` holds the other parts of a combined intent;
    ``gemeente`` is a municipality we do not serve that the resident says they live in.
    """

    intent: str
    answer: dict[str, Any] | None = None
    signal: str | None = None
    secondary_intents: list[str] = field(default_factory=list)
    gemeente: str | None = None


def split_intent(intent: str) -> tuple[str, list[str]]:
    """"bot_challenge+request_human" -> ("request_human", ["bot_challenge"]) by the priority table.

    The part that comes first in data/priorities.yml leads (crisis, stop, request_human,
    complaint, question, situation); parts the table does not name keep their order.
    """
    parts = [part for part in intent.split("+") if part]
    if len(parts) <= 1:
        return intent, []
    rank = {name: index for index, name in enumerate(_priority_intents())}
    ordered = sorted(parts, key=lambda part: (rank.get(part, len(rank)), parts.index(part)))
    return ordered[0], ordered[1:]


def _priority_intents() -> list[str]:
    """The priority table in intent names (question stands for every service question)."""
    by_signal = {
        "crisis": ["crisis"], "stop": ["stop"], "request_human": ["request_human"],
        "complaint": ["complaint_or_objection"], "question": sorted(QUESTION_INTENTS),
        "situation": ["describe_situation", "prepare_meeting"],
    }
    order: list[str] = []
    for signal in priority_order():
        order += by_signal.get(signal, [signal])
    return order


def is_restart(text: str) -> bool:
    """"/restart", "opnieuw", "opnieuw beginnen", ... as the whole message."""
    return bool(_RESTART.match(normalise_text(text).strip()) or text.strip() == "/restart")


def read_turn(
    text: str,
    classifier_intent: str,
    classifier_confidence: float,
    pending: Question | None,
    *,
    metadata_gemeente: str | None = None,
    runner_up: str | None = None,
) -> TurnReading:
    """Decide what one message is, given the question that is pending (or None).

    ``text`` is the message as typed; a button payload ("/inform{...}") is never re-read.
    ``runner_up`` is the classifier's second intent: it stands when the classifier said
    ``crisis`` but neither the crisis detector nor a distress word backs that up (a false alarm
    such as "ik wil het beste voor mijn kind"); the crisis detector alone decides a crisis.
    """
    intent, secondary = split_intent(classifier_intent or FALLBACK_INTENT)
    if text.strip().startswith("/"):
        return TurnReading(intent=RESTART_INTENT if is_restart(text) else intent, secondary_intents=secondary)
    if is_restart(text):
        return TurnReading(intent=RESTART_INTENT)
    signal = strong_signal(text, intent=intent)
    if intent == "crisis" and signal != "crisis":
        intent = runner_up or FALLBACK_INTENT
    if pending is not None:
        return _read_as_answer(text, intent, classifier_confidence, signal, pending, metadata_gemeente)
    if signal == "crisis":
        return TurnReading(intent="crisis", signal="crisis", secondary_intents=secondary)
    elsewhere = _unserved_residence(text, metadata_gemeente)
    if signal == "request_human" or intent == "request_human":
        others = _without([*secondary, intent], "request_human")
        return TurnReading(intent="request_human", signal=signal, secondary_intents=others, gemeente=elsewhere)
    if elsewhere and intent not in ("stop", "greet", "goodbye", "thank"):
        # "Ik woon in Sliedrecht. Bij wie kan ik ...": first say where to go instead; the
        # question itself is answered after that (secondary_intents).
        return TurnReading(intent=ANSWER_INTENT, signal="gemeente", secondary_intents=_without([intent], ""),
                           gemeente=elsewhere)
    if _complaint_leads(text, intent):
        others = _without([*secondary, intent], COMPLAINT_INTENT)
        return TurnReading(intent=COMPLAINT_INTENT, signal=COMPLAINT_SIGNAL, secondary_intents=others)
    if intent == FALLBACK_INTENT and detect_life_domains(text):
        return TurnReading(intent=SITUATION_INTENT, signal="situation", secondary_intents=secondary)
    return TurnReading(intent=intent, signal=signal, secondary_intents=secondary)


# Intents that add nothing to answer as the second part of a message ("nee wacht, ...").
_NOT_A_PART = frozenset({
    FALLBACK_INTENT, ANSWER_INTENT, SITUATION_INTENT, "affirm", "deny", "greet", "thank", "goodbye", "skip",
    "out_of_scope",
})


def _complaint_leads(text: str, intent: str) -> bool:
    if intent in _COMPLAINT_OUTRANKS:
        return COMPLAINT_SIGNAL in sentence_signals(text)
    if intent in _COMPLAINT_OUTRANKS_WITH_STATEMENT:
        return complaint_statement(text)
    return False


def _unserved_residence(text: str, known: str | None) -> str | None:
    """The slug of a municipality we do not serve that the resident says they live in."""
    match = recognise_residence(text)
    if match is None or match.served or match.slug == known:
        return None
    return match.slug


def _without(intents: list[str], drop: str) -> list[str]:
    return [name for name in intents if name != drop and name not in _NOT_A_PART]


def _read_as_answer(
    text: str,
    intent: str,
    confidence: float,
    signal: str | None,
    pending: Question,
    metadata_gemeente: str | None,
) -> TurnReading:
    if signal == "crisis":
        return TurnReading(intent="crisis", signal="crisis")
    reading = read_answer(
        pending.kind, text, question=pending.choice, options=pending.options or None,
        metadata_gemeente=metadata_gemeente,
    )
    answer = {**asdict(reading), "form": pending.form, "slot": pending.slot}
    if signal in ("stop", "request_human"):
        if reading.understood and pending.kind in _KINDS_WHERE_ANSWER_WINS:
            return TurnReading(intent=ANSWER_INTENT, answer=answer, signal=signal)
        return TurnReading(intent=signal, signal=signal)
    if signal == "question" and asks_about_the_question(text):
        # "wat bedoelt u met beheerder?": explain the pending question, then ask it again.
        return TurnReading(intent=FALLBACK_INTENT, signal=signal)
    if signal == "question" and not reading.understood:
        return TurnReading(intent=intent if intent in QUESTION_INTENTS else FALLBACK_INTENT, signal=signal)
    if signal == "question" and pending.kind == "free_text":
        # The resident's own words may well be a question about their situation; only a
        # clear question about this service interrupts the story.
        if intent in QUESTION_INTENTS and intent != "ask_procedure" and confidence >= FAQ_CONFIDENCE:
            return TurnReading(intent=intent, signal=signal)
    return TurnReading(intent=ANSWER_INTENT, answer=answer, signal=signal)


# Long messages: a question sentence read on its own (issue 14, item 1). The priority table
# puts a question above a situation, so a clear service or procedure question in one sentence
# leads over the situation told around it; beside a complaint it is answered too.
_QUESTION_PART_OVER = frozenset({SITUATION_INTENT, FALLBACK_INTENT, "out_of_scope"})
# The question sentence alone must be this sure of its intent ...
SENTENCE_CONFIDENCE = 0.8
# ... and the whole message must see that intent as plausible too: a vague "wie kan mij
# helpen?" after a situation reads as ask_oco_tasks alone, but not in the whole message.
WHOLE_MESSAGE_SUPPORT = 0.1


def question_sentences(text: str) -> list[str]:
    """The sentences of a message of two or more sentences that are questions; [] otherwise."""
    sentences = [part.strip() for part in _sentence_parts(text)]
    sentences = [part for part in sentences if part]
    if len(sentences) < 2:
        return []
    return [part for part in sentences if is_question(part)]


def question_part(
    intent: str,
    ranking: dict[str, float],
    sentence_readings: list[tuple[str, float]],
) -> tuple[str, list[str]] | None:
    """Which question of a long message leads, or joins as a second part; None to keep the reading.

    ``intent`` is the turn reading of the whole message; ``ranking`` the classifier's confidence
    per intent for the whole message; ``sentence_readings`` the (intent, confidence) of each
    question sentence read alone. Returns (lead intent, secondary intents):
    a situation, fallback or out-of-scope reading gives way to the question
    ("moet ik daar wat voor betalen? na de huur hou ik bijna niks over" -> ask_oco_cost);
    a complaint keeps the lead and the question is answered beside it.
    """
    for name, confidence in sentence_readings:
        if name not in QUESTION_INTENTS or name == "bot_challenge" or confidence < SENTENCE_CONFIDENCE:
            continue
        if ranking.get(name, 0.0) < WHOLE_MESSAGE_SUPPORT:
            continue
        if intent in _QUESTION_PART_OVER:
            return name, []
        if intent == COMPLAINT_INTENT:
            return COMPLAINT_INTENT, [name]
    return None
