"""Guard tests: lists that must agree, the formal "u" in every resident text, one copy of each vocabulary.

Cheap checks that catch what a review would miss when a maintainer adds an FAQ answer, a
text or a new value somewhere (issue 15).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from bot.dialogue.questions import questions_of
from bot.dialogue.turn import QUESTION_INTENTS
from bot.paths import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie)\b", re.IGNORECASE)
# Files whose strings a resident reads (Dutch). data/languages.yml holds other languages.
RESIDENT_TEXT_FILES = [
    PROJECT_ROOT / "data" / "routing.yml",
    PROJECT_ROOT / "data" / "summary.yml",
    PROJECT_ROOT / "data" / "questions.yml",
    PROJECT_ROOT / "data" / "gemeenten" / "_teksten.yml",
    *sorted((PROJECT_ROOT / "bot" / "channels").glob("*.yml")),
    PROJECT_ROOT / "bot" / "webapp" / "texts.yml",
]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _dutch_responses() -> Iterator[tuple[str, str]]:
    for name, variants in (DOMAIN.get("responses") or {}).items():
        for variant in variants:
            if (variant.get("condition") or []) and any(c.get("name") == "language" for c in variant["condition"]):
                continue  # an English variation
            for text in _strings({"text": variant.get("text"), "buttons": variant.get("buttons")}):
                yield name, text


def test_every_dutch_response_says_u() -> None:
    informal = [(name, text) for name, text in _dutch_responses() if INFORMAL.search(text)]
    assert informal == []


@pytest.mark.parametrize("path", [p for p in RESIDENT_TEXT_FILES if p.exists()], ids=lambda p: p.name)
def test_every_resident_text_file_says_u(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    informal = [text for text in _strings(raw) if INFORMAL.search(text)]
    assert informal == []


def _faq_intents_of_rules() -> set[str]:
    rules = yaml.safe_load((PROJECT_ROOT / "data" / "rules_forms.yml").read_text(encoding="utf-8"))["rules"]
    for rule in rules:
        for step in rule["steps"]:
            if isinstance(step, dict) and "or" in step and rule["rule"].startswith("Vraag tussendoor"):
                return {entry["intent"] for entry in step["or"]}
    raise AssertionError("no 'Vraag tussendoor' rule with an or-list in data/rules_forms.yml")


def test_the_question_intent_lists_agree() -> None:
    in_rules = _faq_intents_of_rules()
    not_an_answer = set(DOMAIN["x-not-an-answer"])
    assert QUESTION_INTENTS <= in_rules, "a question the turn reader lets through has no rule in a form"
    assert in_rules <= not_an_answer, "a question answered in a form would also fill the form's slot"
    assert in_rules <= set(DOMAIN["intents"])


def test_every_form_question_has_its_texts() -> None:
    responses = set(DOMAIN["responses"])
    actions = set(DOMAIN["actions"])
    for form in DOMAIN["forms"]:
        for question in questions_of(form):
            asked = f"utter_ask_{question.slot}" in responses or f"action_ask_{question.slot}" in actions
            assert asked, f"{form}.{question.slot} has no utter_ask_ or action_ask_"
            if not question.skippable:
                assert f"utter_invalid_{question.slot}" in responses, question.slot
    for generic in ("utter_invalid_answer", "utter_example_answer", "utter_why_needed", "utter_way_out",
                    "utter_way_out_skippable", "utter_give_up", "utter_skipped_after_tries"):
        assert generic in responses


def test_every_slot_the_forms_ask_is_a_form_slot() -> None:
    for form, spec in DOMAIN["forms"].items():
        for question in questions_of(form):
            assert question.slot in spec["required_slots"], f"{form}.{question.slot}"


CLOSED_VOCABULARIES = {
    "contact preferences": ("telefoon", "email", "whatsapp"),
    "wijkteam answers": ("ja", "nee", "onbekend"),
    "route kinds": ("oco", "organisatie", "wijkteam"),
}


@pytest.mark.parametrize("name", list(CLOSED_VOCABULARIES))
def test_no_copy_of_a_closed_vocabulary_in_code(name: str) -> None:
    values = CLOSED_VOCABULARIES[name]
    literal = re.compile(r"\(\s*" + r"\s*,\s*".join(f'"{v}"' for v in values) + r"\s*,?\s*\)")
    copies = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("bot", "actions")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if path.name != "vocabulary.py" and literal.search(path.read_text(encoding="utf-8"))
    ]
    assert copies == [], f"{name} written out again; import it from bot/vocabulary.py"
