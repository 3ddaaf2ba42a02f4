"""Guard tests: lists that must agree, the formal "u" in every resident text, one copy of each vocabulary.

Cheap checks that catch what a review would miss when a maintainer adds an FAQ answer, a
text or a new value somewhere (issue 15).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from bot.domain import vocabulary
from bot.domain.dialogue.questions import questions_of
from bot.domain.dialogue.turn import QUESTION_INTENTS
from bot.paths import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie)\b", re.IGNORECASE)
# Files whose strings a resident reads (Dutch). data/languages.yml holds other languages.
RESIDENT_TEXT_FILES = [
    PROJECT_ROOT / "data" / "routing.yml",
    PROJECT_ROOT / "data" / "summary.yml",
    PROJECT_ROOT / "data" / "questions.yml",
    PROJECT_ROOT / "data" / "gemeenten" / "_teksten.yml",
    *sorted((PROJECT_ROOT / "bot" / "rasa_plugins" / "channels").glob("*.yml")),
    *sorted((PROJECT_ROOT / "bot" / "ops" / "gate").glob("*.yml")),
    PROJECT_ROOT / "bot" / "webapp" / "texts.yml",
    PROJECT_ROOT / "bot" / "webapp" / "staff_texts.yml",
    PROJECT_ROOT / "bot" / "ops" / "intake" / "templates" / "intake_notification.yml",
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


# The closed vocabularies of bot/domain/vocabulary.py, by name. Product code (bot/, actions/) may
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
    if path != PROJECT_ROOT / "bot" / "domain" / "vocabulary.py"
)


@cache
def _tree(path: Path) -> ast.AST:
    """The parsed module at `path` (parsed once for all guard tests)."""
    return ast.parse(path.read_text(encoding="utf-8"))


@cache
def _collections_of(path: Path) -> tuple[tuple[int, frozenset[str]], ...]:
    return tuple((line, frozenset(values)) for line, values in _string_collections(_tree(path)))


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
        for line, found in _collections_of(path)
        if wanted <= found
    ]


@pytest.mark.parametrize("name", list(CLOSED_VOCABULARIES))
def test_no_copy_of_a_closed_vocabulary_in_code(name: str) -> None:
    assert _copies_of(CLOSED_VOCABULARIES[name]) == [], \
        f"{name} written out again; import it from bot/domain/vocabulary.py"


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
        for node in _string_constants(_tree(path))
        if node.value.lower().startswith(prefix.rstrip("-"))
    ]
    assert copies == [], "the staff test prefix written out again; use bot.domain.vocabulary.STAFF_TEST_SENDER_PREFIX"


# --- no Dutch text for residents or staff in Python ----------------------------------------
# Texts live in domain.yml, data/*.yml, bot/rasa_plugins/channels/*.yml, bot/ops/gate/*.yml,
# bot/webapp/texts.yml and bot/webapp/staff_texts.yml. Modules that only talk to an operator or developer on a console
# (command line, start-up errors, evaluation and report tools) may write Dutch.
OPERATOR_MODULES = {
    "bot/ops/cli.py", "bot/ops/admin_commands.py", "bot/ops/start.py", "bot/ops/processes.py",
    "bot/ops/staff_accounts.py", "bot/ops/intake/mailer.py", "bot/ops/spacy_model.py",
    "bot/rasa_plugins/action_server.py", "bot/rasa_plugins/stores.py",
}
OPERATOR_FOLDERS = ("bot/ops/reports/", "bot/ops/intake/migrations/", "bot/ops/evaluation/")
# Words a message to a resident or staff member nearly always has, and Dutch function words.
_RESIDENT_WORDS = re.compile(
    r"\b(u|uw|niet|kunt|bent|heeft|wilt|graag|sorry|helaas|probeer|opnieuw|geen|deze|kies|bel|gebruik|"
    r"stuur|wacht|onbekende?)\b", re.IGNORECASE)
_FUNCTION_WORDS = re.compile(
    r"\b(u|uw|niet|een|het|de|is|zijn|met|voor|van|geen|of|en|op|naar|dit|deze|dat|er|te|om|bij|kan|kunt|"
    r"wordt|worden)\b", re.IGNORECASE)
_REGEX_SYNTAX = re.compile(r"\(\?|\\[bsdwS]|[\[\]|^$]")  # keyword patterns are data, not text
_SENTENCE = re.compile(r"^[A-ZÀ-Ý]|[.?!:;]$|[.?!] ")
_LOGGING_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def looks_like_dutch_text(value: str) -> bool:
    """A Dutch sentence someone reads: 3+ words, a typical resident word and one more
    resident or function word, a capital at the start or sentence punctuation; no regex syntax."""
    value = value.strip()
    dutch = {w.lower() for w in [*_RESIDENT_WORDS.findall(value), *_FUNCTION_WORDS.findall(value)]}
    return (
        len(value.split()) >= 3
        and _RESIDENT_WORDS.search(value) is not None
        and len(dutch) >= 2
        and _REGEX_SYNTAX.search(value) is None
        and _SENTENCE.search(value) is not None
    )


def _texts_in_code(tree: ast.AST) -> Iterator[ast.Constant]:
    """String constants outside docstrings and logging calls (f-string parts included)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
            skipped.add(id(body[0].value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _LOGGING_CALLS:
            skipped.update(id(inner) for inner in ast.walk(node))
    for node in _string_constants(tree):
        if id(node) not in skipped:
            yield node


def _reader_facing_code() -> list[Path]:
    def relative(path: Path) -> str:
        return path.relative_to(PROJECT_ROOT).as_posix()

    return [p for p in sorted([*PRODUCT_CODE, PROJECT_ROOT / "bot" / "domain" / "vocabulary.py"])
            if relative(p) not in OPERATOR_MODULES and not relative(p).startswith(OPERATOR_FOLDERS)]


@pytest.mark.parametrize("text", [
    "Deze code klopt niet. Probeer het opnieuw.",
    "U heeft te vaak een verkeerde code ingevuld.",
    "De cijfers konden niet worden geladen.",
    "Onbekende status. Kies uit: ",
    "Het gesprek kon niet worden verwijderd; de aanvraag is daarom ook nog ",
    "sorry, dat heb ik niet begrepen. kunt u het anders zeggen?",
    "Wilt u een afspraak met een cliëntondersteuner?",
])
def test_the_dutch_finder_sees_messages(text: str) -> None:
    assert looks_like_dutch_text(text)


@pytest.mark.parametrize("text", [
    "in_behandeling", "dordrecht", "uw gemeente", "Gesprekken", "tot en met",
    "intake %s not deleted: %s",
    r"^(?:nee |sorry |helaas )*(?:heb ik niet|geen)",
    "ik mijn mn jij jou jouw uw wij zij hij haar ons onze jullie mij het een niet wat",
    "OCO_TRACKER_STORE_URL must be a SQLAlchemy URL.",
    "at least one of phone and email is required",
    "/inform{\"gemeente\": \"dordrecht\"}",
])
def test_the_dutch_finder_lets_data_and_english_pass(text: str) -> None:
    assert not looks_like_dutch_text(text)


def test_no_dutch_text_in_python() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {node.value[:60]!r}"
        for path in _reader_facing_code()
        for node in _texts_in_code(_tree(path))
        if looks_like_dutch_text(node.value)
    ]
    assert found == [], "move these texts to domain.yml or a texts file (README, developer section)"


def _literal_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_actions_send_texts_from_the_domain_or_data_only() -> None:
    """``utter_message(text="...")`` or a button title written in Python: the text belongs
    in domain.yml (a response) or a data file."""
    found = []
    for path in PRODUCT_CODE:
        for node in ast.walk(_tree(path)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "utter_message"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            titles = [value for button in ast.walk(keywords.get("buttons") or ast.List(elts=[]))
                      if isinstance(button, ast.Dict)
                      for key, value in zip(button.keys, button.values, strict=True)
                      if isinstance(key, ast.Constant) and key.value == "title"]
            if _literal_text(keywords.get("text")) or any(_literal_text(t) for t in titles):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert found == []
