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
