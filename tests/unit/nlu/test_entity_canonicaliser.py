"""The entity canonicaliser reports the lexicon's life domains in every parse result."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.domain.life_domains import detect_life_domains
from bot.rasa_plugins.nlu.entity_canonicaliser import LEXICON_EXTRACTOR, EntityCanonicaliser


def parse(text: str, entities: list | None = None) -> list[dict]:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": "describe_situation", "confidence": 0.9}, add_to_output=True)
    message.set(ENTITIES, entities or [], add_to_output=True)
    (processed,) = EntityCanonicaliser().process([message])
    return processed.get(ENTITIES) or []


def life_domains(entities: list[dict]) -> list[str]:
    return [e["value"] for e in entities if e["entity"] == "life_domain"]


@pytest.mark.parametrize(
    "text",
    [
        "ik heb schulden en de huur is te hoog",
        "me moeder kan niet meer alleen douchen en ik werk fulltime",
        "Mijn vrouw heeft MS en ik doe alles in huis",
        "mijn zoon spijbelt en ik weet niet hoe ik hem moet opvoeden",
        "ik voel me zo eenzaam sinds mijn man er niet meer is",
        "ik ben mijn baan kwijt",
    ],
)
def test_lexicon_domains_are_added_without_diet(text: str) -> None:
    entities = parse(text)
    assert sorted(life_domains(entities)) == sorted(detect_life_domains(text))
    for entity in entities:
        assert text[entity["start"] : entity["end"]].strip()
        assert entity["extractor"] == LEXICON_EXTRACTOR


def test_diet_entity_outside_the_context_is_dropped() -> None:
    text = "Mijn moeder kan niet meer alleen douchen"
    start = text.index("alleen")
    diet = [
        {"entity": "life_domain", "value": "welzijn", "start": start, "end": start + 6, "extractor": "DIETClassifier"}
    ]
    assert life_domains(parse(text, diet)) == ["wmo"]


def test_diet_entity_that_the_lexicon_confirms_is_kept_once() -> None:
    text = "ik heb schulden"
    diet = [{"entity": "life_domain", "value": "geld", "start": 7, "end": 15, "extractor": "DIETClassifier"}]
    entities = parse(text, diet)
    assert entities == diet


def test_diet_entity_is_kept_when_the_lexicon_sees_nothing() -> None:
    text = "ik heb een probleem met mijn dinges"
    diet = [{"entity": "life_domain", "value": "wonen", "start": 29, "end": 35, "extractor": "DIETClassifier"}]
    assert life_domains(parse(text, diet)) == ["wonen"]


def test_other_entities_stay_and_payloads_are_left_alone() -> None:
    text = "ik woon in Zierikzee en heb schulden"
    entities = parse(text, [{"entity": "gemeente", "value": "Zierikzee", "start": 11, "end": 20}])
    assert ("gemeente", "schouwen-duiveland") in [(e["entity"], e["value"]) for e in entities]
    assert life_domains(entities) == ["geld"]
    assert parse('/inform{"complexity": "enkelvoudig"}') == []
    assert parse("hallo") == []
