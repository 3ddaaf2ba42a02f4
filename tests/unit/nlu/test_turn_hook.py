"""The Rasa glue of the turn reading: what bot.rasa_plugins.nlu.turn_hook.apply_turn_reading adds to a parse."""

from __future__ import annotations

from typing import Any

import pytest

from bot.rasa_plugins.nlu.turn_hook import apply_turn_reading


class ConversationState:
    """The two things the hook reads of Rasa's tracker: slots and the active form."""

    def __init__(self, slots: dict[str, Any] | None = None, active_loop: str | None = None) -> None:
        self.slots = slots or {}
        self.active_loop_name = active_loop

    def get_slot(self, name: str) -> Any:
        return self.slots.get(name)


def parse(text: str, intent: str = "ask_what_is_oco", confidence: float = 0.8) -> dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": []}


def languages(parse_data: dict[str, Any]) -> list[str]:
    return [e["value"] for e in parse_data.get("entities") or [] if e["entity"] == "language"]


@pytest.mark.parametrize("text", [
    "What is client support and does it cost money?",
    "I would like someone to call me back please",
    "Can you explain what this letter from the municipality means?",
])
def test_english_gets_the_language_entity(text: str) -> None:
    assert languages(apply_turn_reading(parse(text), ConversationState(), {})) == ["en"]


@pytest.mark.parametrize("text", [
    "Ik wil graag weten wat een clientondersteuner voor mij kan doen",
    "mijn moeder kan niet meer alleen thuis wonen en ik weet niet waar ik moet beginnen",
    "kunt u mij terugbellen over de thuiszorg van mijn vader",
])
def test_dutch_after_another_language_sets_the_conversation_back_to_dutch(text: str) -> None:
    parse_data = apply_turn_reading(parse(text), ConversationState({"language": "en"}), {})
    assert languages(parse_data) == ["nl"]
    assert parse_data["intent"]["name"] != "other_language"


@pytest.mark.parametrize("slots", [{}, {"language": "nl"}, {"language": None}])
def test_dutch_in_a_dutch_conversation_adds_nothing(slots: dict[str, Any]) -> None:
    text = "Ik wil graag weten wat een clientondersteuner voor mij kan doen"
    assert languages(apply_turn_reading(parse(text), ConversationState(slots), {})) == []


def test_a_language_without_its_own_answers_is_routed_to_the_fixed_text() -> None:
    text = "Merhaba, annem için yardım arıyorum, evde bakım lazım"
    parse_data = apply_turn_reading(parse(text, "nlu_fallback", 0.3), ConversationState(), {})
    assert languages(parse_data) == ["tr"]
    assert parse_data["intent"]["name"] == "other_language"


def test_the_classifier_intent_is_kept_beside_the_reading() -> None:
    parse_data = apply_turn_reading(
        parse("ben jij een echt mens of niet", "bot_challenge", 0.7), ConversationState(), {})
    assert parse_data["intent"]["name"] == "bot_challenge"
    assert parse_data["classifier_intent"] == {"name": "bot_challenge", "confidence": 0.7}


class FakePipeline:
    """The NLU pipeline for one sentence: a fixed reading per text."""

    def __init__(self, readings: dict[str, tuple[str, float, str | None]]) -> None:
        self.readings = readings

    async def __call__(self, processor: Any, message: Any, tracker: Any, only_output: bool) -> dict[str, Any]:
        name, confidence, topic = self.readings[message.text]
        selector = {"ask_procedure": {"response": {"utter_action": f"utter_ask_procedure/{topic}"}}} if topic else {}
        return {"text": message.text, "intent": {"name": name, "confidence": confidence},
                "intent_ranking": [{"name": name, "confidence": confidence}], "response_selector": selector}


async def test_a_question_sentence_leads_over_the_situation_around_it() -> None:
    from bot.rasa_plugins.nlu.turn_hook import _read_question_sentences

    text = "Mijn vader heeft dementie. Kost een clientondersteuner geld?"
    parse_data = parse(text, "describe_situation", 0.54)
    parse_data["intent_ranking"].append({"name": "ask_oco_cost", "confidence": 0.15})
    pipeline = FakePipeline({"Kost een clientondersteuner geld?": ("ask_oco_cost", 0.99, None)})
    await _read_question_sentences(None, pipeline, parse_data)
    assert parse_data["intent"]["name"] == "ask_oco_cost"


async def test_beside_a_complaint_the_procedure_question_is_answered_with_its_own_topic() -> None:
    from bot.rasa_plugins.nlu.turn_hook import _read_question_sentences

    text = "Mijn hulp is afgewezen en dat is onterecht. Hoe lang heb ik om bezwaar te maken?"
    parse_data = parse(text, "complaint_or_objection", 0.8)
    parse_data["intent_ranking"].append({"name": "ask_procedure", "confidence": 0.12})
    earlier = {"response": {"utter_action": "utter_ask_procedure/klacht_gemeente"}}
    parse_data["response_selector"] = {"ask_procedure": earlier}
    pipeline = FakePipeline({"Hoe lang heb ik om bezwaar te maken?": ("ask_procedure", 0.97, "bezwaar_termijn")})
    await _read_question_sentences(None, pipeline, parse_data)
    assert parse_data["intent"]["name"] == "complaint_or_objection"
    assert parse_data["secondary_intents"] == ["ask_procedure"]
    chosen = parse_data["response_selector"]["ask_procedure"]["response"]["utter_action"]
    assert chosen == "utter_ask_procedure/bezwaar_termijn"


async def test_an_answer_to_a_pending_question_is_never_read_again() -> None:
    from bot.rasa_plugins.nlu.turn_hook import _read_question_sentences

    parse_data = parse("Jan. Wat kost het?", "inform", 1.0)
    parse_data["answer"] = {"slot": "contact_name"}
    await _read_question_sentences(None, FakePipeline({}), parse_data)
    assert parse_data["intent"]["name"] == "inform"
