"""Urgent situations (issue 11 item 5): kinds, answers, and look-alikes that are not urgent.

Table-driven over tests/crisis/urgency_messages.yml (100+ urgent, 100+ not urgent).
"""

from __future__ import annotations

import pytest
import yaml

from bot.domain.urgency import (
    URGENCY_KINDS,
    UrgencySignal,
    detect_urgency,
    is_urgent,
    urgent_response_names,
)
from bot.paths import PROJECT_ROOT

CASES = yaml.safe_load((PROJECT_ROOT / "tests" / "crisis" / "urgency_messages.yml").read_text(encoding="utf-8"))
URGENT = [(kind, text) for kind, texts in CASES["urgent"].items() for text in texts]
NOT_URGENT = list(CASES["not_urgent"])


def test_enough_cases() -> None:
    assert len(URGENT) >= 100
    assert len(NOT_URGENT) >= 100
    assert set(CASES["urgent"]) == set(URGENCY_KINDS)


@pytest.mark.parametrize(("kind", "text"), URGENT)
def test_urgent_situation_is_found_with_its_kind(kind: str, text: str) -> None:
    signal = detect_urgency(text)
    assert signal is not None and kind in signal.kinds
    assert is_urgent(text)


@pytest.mark.parametrize("text", NOT_URGENT)
def test_look_alikes_get_no_urgent_kind(text: str) -> None:
    assert detect_urgency(text) is None


@pytest.mark.parametrize(
    "text",
    ["ik heb een vraag over huishoudelijke hulp", "wat kost het", "dank u wel", "", "   "],
)
def test_ordinary_messages_are_not_urgent(text: str) -> None:
    assert not is_urgent(text)


@pytest.mark.parametrize(
    "text",
    ["de deurwaarder staat morgen voor de deur", "het is dringend", "met spoed graag",
     "er ligt beslag op mijn loon"],
)
def test_urgency_words_without_a_kind_still_mark_urgent(text: str) -> None:
    assert detect_urgency(text) is None
    assert is_urgent(text)


def test_kinds_most_urgent_first() -> None:
    assert URGENCY_KINDS[0] == "homeless_tonight"
    signal = detect_urgency("we zijn gisteren uit huis gezet en mijn uitkering is gestopt")
    assert signal is not None
    assert signal.kinds == [k for k in URGENCY_KINDS if k in signal.kinds]
    assert signal.primary == "homeless_tonight"
    assert "benefits_stopped" in signal.kinds


def _domain_responses() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def test_every_kind_has_an_answer_in_the_domain_with_a_callback_button() -> None:
    responses = _domain_responses()
    for kind in URGENCY_KINDS:
        (name,) = urgent_response_names([kind])
        assert name == f"utter_urgent_{kind}"
        assert responses[name], name
        # Without a municipality (the _onbekend answer) the text never shows an empty slot.
        generic = responses[f"{name}_onbekend"]
        assert generic and all("{gemeente_naam}" not in v["text"] for v in generic)
    # The answer is followed by one offer of an urgent callback (actions/clarification.urgent_answer).
    for variant in responses["utter_urgent_callback_offer"]:
        assert "/request_human" in [b["payload"] for b in variant.get("buttons", [])]


@pytest.mark.parametrize(
    ("kind", "must_say"),
    [
        ("eviction", ["schuldhulp", "3 dagen", "https://"]),
        ("energy_water_cutoff", ["schuldhulp", "3 dagen", "winter", "https://"]),
        ("homeless_tonight", ["opvang", "gemeente", "112", "https://"]),
        ("no_food_money", ["gemeente", "0800-8115"]),
        ("benefits_stopped", ["bezwaar", "6 weken", "https://"]),
    ],
)
def test_answers_say_what_to_do_now_with_a_source(kind: str, must_say: list[str]) -> None:
    responses = _domain_responses()
    for name in (f"utter_urgent_{kind}", f"utter_urgent_{kind}_onbekend"):
        dutch = [v for v in responses[name] if not any(c.get("name") == "language" for c in v.get("condition") or [])]
        assert dutch, name
        for variant in dutch:
            for phrase in must_say:
                assert phrase in variant["text"], (name, phrase)


def test_response_names_accept_signals_and_lists() -> None:
    assert urgent_response_names(None) == []
    assert urgent_response_names(UrgencySignal(kinds=["eviction"])) == ["utter_urgent_eviction"]
    assert urgent_response_names(["no_food_money", "homeless_tonight"]) == [
        "utter_urgent_homeless_tonight", "utter_urgent_no_food_money",
    ]
    assert urgent_response_names(["verveling"]) == []
