"""The clarifying fallback: likely topics as buttons plus a person, never a dead end."""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionHandleFallback
from bot.domain.fallback import fallback_buttons, likely_topics, load_fallback_topics
from bot.paths import PROJECT_ROOT

PERSON = {"title": "Ik wil iemand spreken", "payload": "/request_human"}


def ranking(*pairs: tuple[str, float]) -> list[dict]:
    return [{"name": "nlu_fallback", "confidence": 0.45}] + [{"name": n, "confidence": c} for n, c in pairs]


@pytest.mark.parametrize(
    ("ranked", "text", "expected"),
    [
        # The best guesses of the classifier, in order, at most three.
        (ranking(("ask_oco_cost", 0.3), ("ask_oco_eligibility", 0.2), ("ask_privacy", 0.1), ("greet", 0.05)),
         "hoeveel moet ik dokken", ["ask_oco_cost", "ask_oco_eligibility", "ask_privacy"]),
        # Intents without a button (greet, inform, stop) are skipped.
        (ranking(("greet", 0.4), ("ask_contact_details", 0.3), ("inform", 0.2)),
         "hee waar kan ik heen", ["ask_contact_details", "describe_situation"]),
        # A combined intent counts for each part.
        (ranking(("describe_situation+ask_what_is_oco", 0.4), ("ask_oco_tasks", 0.1)),
         "brief over oco", ["describe_situation", "ask_what_is_oco", "ask_oco_tasks"]),
        # Too unsure: the defaults fill up to two topics.
        (ranking(("ask_oco_cost", 0.01)), "blabla", ["describe_situation", "ask_what_is_oco"]),
        ([], "", ["describe_situation", "ask_what_is_oco"]),
        # A described situation always gets "Ik zoek hulp" first.
        (ranking(("ask_oco_tasks", 0.3), ("ask_oco_cost", 0.2)),
         "me moeder kan niet meer alleen douchen", ["describe_situation", "ask_oco_tasks", "ask_oco_cost"]),
    ],
)
def test_likely_topics(ranked: list[dict], text: str, expected: list[str]) -> None:
    assert likely_topics(ranked, text) == expected


def test_buttons_end_with_a_person_and_have_titles() -> None:
    buttons = fallback_buttons(ranking(("ask_oco_cost", 0.3), ("prepare_meeting", 0.2)), "kost dat wat")
    assert buttons[-1] == PERSON
    assert [b["payload"] for b in buttons[:-1]] == ["/ask_oco_cost", "/prepare_meeting"]
    assert all(b["title"] for b in buttons)


def test_every_topic_is_a_domain_intent() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    for intent, button in load_fallback_topics().topics.items():
        assert intent in domain["intents"], intent
        assert button.payload == f"/{intent}"
    assert "utter_clarify_topics" in domain["responses"]


def tracker(text: str, ranked: list[dict], events: list[dict]) -> Tracker:
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.45}, "intent_ranking": ranked,
              "entities": []}
    return Tracker("t", {}, latest, events, False, None, {}, "action_listen")


async def test_first_miss_offers_topics_second_offers_a_person() -> None:
    miss = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    hit = {"event": "user", "parse_data": {"intent": {"name": "greet"}}}
    ranked = ranking(("ask_oco_independence", 0.3), ("ask_oco_vs_wijkteam", 0.25))
    once, twice = CollectingDispatcher(), CollectingDispatcher()
    await ActionHandleFallback().run(once, tracker("werkt die voor de gemeente of zo", ranked, [hit, miss]), {})
    await ActionHandleFallback().run(twice, tracker("???", ranked, [miss, {"event": "bot"}, miss]), {})
    (message,) = once.messages
    assert message["response"] == "utter_clarify_topics"
    assert [b["payload"] for b in message["buttons"]] == [
        "/ask_oco_independence", "/ask_oco_vs_wijkteam", "/request_human",
    ]
    assert [m["response"] for m in twice.messages] == ["utter_offer_human"]


def test_english_residents_get_english_button_titles_with_the_same_payloads() -> None:
    ranking = [{"name": "ask_oco_cost", "confidence": 0.4}, {"name": "ask_what_is_oco", "confidence": 0.3}]
    dutch = fallback_buttons(ranking, "")
    english = fallback_buttons(ranking, "", "en")
    assert [b["payload"] for b in english] == [b["payload"] for b in dutch]
    titles = ["What does it cost?", "What is client support?", "I want to talk to a person"]
    assert [b["title"] for b in english] == titles
    assert fallback_buttons(ranking, "", "nl") == dutch


def test_every_topic_has_an_english_title() -> None:
    config = load_fallback_topics()
    assert all(button.title_en for button in [*config.topics.values(), config.person])
