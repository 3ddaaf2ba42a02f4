"""Guard tests: lists that must agree, the formal "u" in every resident text, one copy of each vocabulary.

Cheap checks that catch what a review would miss when a maintainer adds an FAQ answer, a
text or a new value somewhere (issue 15).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from bot import vocabulary
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


# The closed vocabularies of bot/vocabulary.py, by name. Product code (bot/, actions/) may
# compare against one value, but never writes a list, tuple, set or dict that holds all the
# values of one of these again: it imports the list. Tests may spell values out as data.
CLOSED_VOCABULARIES = {
    "channels": vocabulary.CHANNELS,
    "Rasa input channel names": tuple(vocabulary.INPUT_CHANNEL_NAMES),
    "contact preferences": vocabulary.CONTACT_PREFERENCES,
    "yes/no answers (wijkteam contact)": vocabulary.YES_NO_ANSWERS,
    "route kinds of a rule": vocabulary.ROUTING_RULE_KINDS,
    "intake statuses": vocabulary.INTAKE_STATUSES,
}
PRODUCT_CODE = sorted(
    path for folder in ("bot", "actions") for path in (PROJECT_ROOT / folder).rglob("*.py")
    if path != PROJECT_ROOT / "bot" / "vocabulary.py"
)


def _string_collections(tree: ast.AST) -> Iterator[tuple[int, set[str]]]:
    """(line, the string values) of every list, tuple, set and dict (its keys) literal;
    also ``Literal["a", "b"]`` (a tuple inside a subscript) and ``a, b = "x", "y"``."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [key for key in node.keys if key is not None]
        else:
            continue
        values = {item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)}
        if values:
            yield node.lineno, values


def _copies_of(values: tuple[str, ...]) -> list[str]:
    wanted = set(values)
    return [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for path in PRODUCT_CODE
        for line, found in _string_collections(ast.parse(path.read_text(encoding="utf-8")))
        if wanted <= found
    ]


@pytest.mark.parametrize("name", list(CLOSED_VOCABULARIES))
def test_no_copy_of_a_closed_vocabulary_in_code(name: str) -> None:
    assert _copies_of(CLOSED_VOCABULARIES[name]) == [], f"{name} written out again; import it from bot/vocabulary.py"


@pytest.mark.parametrize("copy", [
    'CHANNELS = ("rest", "web", "whatsapp")',
    'NAMES = {"rest": "rest", "whatsapp": "whatsapp", "web": "web", "cmdline": "rest"}',
    'if channel in ["web", "whatsapp", "rest", "sms"]: pass',
    'x: Literal["ja", "nee", "onbekend"] | None = None',
    'YES, NO, UNKNOWN = "ja", "nee", "onbekend"',
    'STATUSES = {"afgerond", "nieuw", "in_behandeling"}',
])
def test_the_copy_finder_sees_a_copy_in_any_order_or_shape(copy: str) -> None:
    found = [values for _line, values in _string_collections(ast.parse(copy))]
    assert any(set(vocab) <= values for vocab in CLOSED_VOCABULARIES.values() for values in found)


@pytest.mark.parametrize("not_a_copy", [
    'if preference == "telefoon": pass',
    'OPTIONS = ("telefoon", "email")',
    'LABELS = dict(zip(CONTACT_PREFERENCES, ("telefoon", "e-mail", "WhatsApp")))',
    '"""Channels: web, whatsapp and rest."""',
])
def test_the_copy_finder_lets_single_values_and_prose_pass(not_a_copy: str) -> None:
    found = [values for _line, values in _string_collections(ast.parse(not_a_copy))]
    assert not any(set(vocab) <= values for vocab in CLOSED_VOCABULARIES.values() for values in found)


def _string_constants(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def test_no_copy_of_the_staff_test_prefix_in_code() -> None:
    """Staff test ids are made, recognised and left out of the statistics by one prefix."""
    prefix = vocabulary.STAFF_TEST_SENDER_PREFIX
    copies = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}"
        for path in PRODUCT_CODE
        for node in _string_constants(ast.parse(path.read_text(encoding="utf-8")))
        if node.value.lower().startswith(prefix.rstrip("-"))
    ]
    assert copies == [], "the staff test prefix written out again; use bot.vocabulary.STAFF_TEST_SENDER_PREFIX"
