"""The project's own NLU components and helpers, without training a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.domain.answers import interpret
from bot.domain.urgency import is_urgent
from bot.ops.evaluation import quality_gate
from bot.ops.spacy_model import FALLBACK_NAME, OFFICIAL_MODEL, build_fallback
from bot.rasa_plugins.nlu.crisis_guard import CRISIS_KINDS_KEY, CrisisGuard
from bot.rasa_plugins.nlu.entity_canonicaliser import EntityCanonicaliser


def message(text: str, intent: str = "describe_situation", entities: list | None = None) -> Message:
    msg = Message(data={TEXT: text})
    msg.set(INTENT, {"name": intent, "confidence": 0.8}, add_to_output=True)
    msg.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.8}], add_to_output=True)
    msg.set(ENTITIES, entities or [], add_to_output=True)
    return msg


@pytest.mark.parametrize(
    "text",
    ["Ik zie het niet meer zitten", "ik wil dood", "mijn man slaat me elke avond"],
)
def test_crisis_guard_overrides_a_wrong_intent(text: str) -> None:
    (processed,) = CrisisGuard().process([message(text, intent="ask_oco_cost")])
    assert processed.get(INTENT)["name"] == "crisis"
    assert processed.get(INTENT_RANKING_KEY)[0]["name"] == "crisis"
    assert processed.get(CRISIS_KINDS_KEY)


def test_crisis_guard_leaves_ordinary_messages_alone() -> None:
    (processed,) = CrisisGuard().process([message("wat kost een clientondersteuner", "ask_oco_cost")])
    assert processed.get(INTENT)["name"] == "ask_oco_cost"
    assert processed.get(CRISIS_KINDS_KEY) is None


def test_entity_canonicaliser_drops_stray_values_and_maps_spellings() -> None:
    text = "Ik heb schulden en kom er niet meer uit, ik woon in Zierikzee"
    entities = [
        {"entity": "life_domain", "value": "geld", "start": 7, "end": 15},
        {"entity": "life_domain", "value": "uit", "start": 36, "end": 39},
        {"entity": "gemeente", "value": "Zierikzee", "start": 51, "end": 60},
        {"entity": "complexity", "value": "enkelvoudig"},
    ]
    (processed,) = EntityCanonicaliser().process([message(text, entities=entities)])
    values = [(e["entity"], e["value"]) for e in processed.get(ENTITIES)]
    assert values == [
        ("life_domain", "geld"), ("gemeente", "schouwen-duiveland"), ("complexity", "enkelvoudig"),
    ]


@pytest.mark.slow
def test_fallback_spacy_pipeline_is_dutch_with_lemmas_and_its_own_name(tmp_path: Path) -> None:
    import spacy

    path = build_fallback(tmp_path / FALLBACK_NAME)
    nlp = spacy.load(path)
    assert nlp.lang == "nl"
    assert nlp.meta["name"] != OFFICIAL_MODEL.removeprefix("nl_")
    assert [token.lemma_ for token in nlp("schulden")] == ["schuld"]


def test_quality_gate_fails_below_the_minimum(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    report = {
        "accuracy": 0.85,
        "macro avg": {"f1-score": 0.8},
        "greet": {"f1-score": 0.9},
        "skip": {"f1-score": 0.5},
    }
    path = tmp_path / "intent_report.json"
    path.write_text(json.dumps(report))
    assert quality_gate.main([str(path), "--min-accuracy", "0.90"]) == 1
    assert quality_gate.main([str(path), "--min-accuracy", "0.80"]) == 0
    out = capsys.readouterr().out
    assert "accuracy 0.850" in out and "macro-F1 0.800" in out and "skip 0.50" in out


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("yes_no", "klopt niet", "nee"),
        ("yes_no", "ja hoor", "ja"),
        ("yes_no", "geen idee", "onbekend"),
        ("complexity", "er speelt van alles tegelijk", "meervoudig"),
        ("complexity", "één vraag", "enkelvoudig"),
        ("meeting_or_complaint", "ik wil bezwaar maken", "klacht"),
        ("contact_preference", "mail me maar", "email"),
        ("intake_decision", "nee toch niet", "stoppen"),
        ("yes_no", "banaan", None),
    ],
)
def test_typed_answers_to_button_questions(question: str, text: str, expected: str | None) -> None:
    assert interpret(question, text) == expected


def test_urgency_words() -> None:
    assert is_urgent("de deurwaarder staat morgen voor de deur")
    assert is_urgent("Ik word uit huis gezet")
    assert not is_urgent("ik heb een vraag over huishoudelijke hulp")
