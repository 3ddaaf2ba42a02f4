"""Procedure knowledge (retrieval intent ask_procedure): data and answer checks, no model.

Training examples: data/nlu/procedures.yml; held-out tests: tests/nlu/test_procedures.yml;
answers: data/nlu/responses/procedures.yml. The answers are written from the project's source
list ../shared/sources/sociaal-domein-feiten.md (outside this repository; the checks that read
it skip when it is missing, or set OCO_SOURCES_FILE).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from bot.domain.retrieval import retrieval_response
from bot.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
TRAIN_FILE = ROOT / "data" / "nlu" / "procedures.yml"
TEST_FILE = ROOT / "tests" / "nlu" / "test_procedures.yml"
RESPONSES_FILE = ROOT / "data" / "nlu" / "responses" / "procedures.yml"
SOURCES_FILE = Path(
    os.environ.get("OCO_SOURCES_FILE")
    or ROOT.parent / "shared" / "sources" / "sociaal-domein-feiten.md"
)
INTENT = "ask_procedure"
MIN_TOPICS, MIN_TRAIN, MIN_TEST = 40, 12, 4

ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")
URL = re.compile(r"https?://\S+")
# A term: a number (in digits or words) of days, weeks, months or years.
NUMBER = r"(?:\d+|een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)"
TERM = re.compile(rf"\b{NUMBER}\s+(?:dag|dagen|werkdagen|week|weken|maand|maanden|jaar)\b", re.I)
RIGHT = re.compile(r"\brecht\b", re.I)
INFORMAL = re.compile(r"\b(?:je|jij|jou|jouw|jullie)\b", re.I)
# Dutch phone numbers as written in texts: 0800-33 55555, 088-555 1000, 0800-8115; and 112/113.
PHONE = re.compile(r"(?<![\w-])0\d{2,3}[\s-]?\d[\d\s-]{3,}\d(?![\w-])")
SHORT_NUMBER = re.compile(r"(?<![\w-])11[0-9](?![\w-])")
AMOUNT = re.compile(r"€|\beuro\b|\d+,\d\d\b", re.I)


def _examples(path: Path) -> dict[str, list[str]]:
    """{topic: [plain example text]} for the ask_procedure/<topic> blocks of an NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        name = block.get("intent", "")
        if not name.startswith(f"{INTENT}/"):
            continue
        lines = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")]
        found.setdefault(name.split("/", 1)[1], []).extend(ANNOTATION.sub(r"\1", line).strip() for line in lines)
    return found


def _all_nlu_examples(folder: Path) -> dict[str, set[str]]:
    """{lower-case example: {intent names}} over every NLU file in a folder tree."""
    labels: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in block.get("examples", "").splitlines():
                if line.strip().startswith("- "):
                    text = ANNOTATION.sub(r"\1", line.strip()[2:]).strip().lower()
                    labels.setdefault(text, set()).add(block["intent"])
    return labels


TRAIN = _examples(TRAIN_FILE)
TEST = _examples(TEST_FILE)
RESPONSES: dict[str, list[dict]] = yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))["responses"]
ANSWERS = {name.split("/", 1)[1]: variants for name, variants in RESPONSES.items()}
ANSWER_VARIANTS = [(topic, variant) for topic, variants in sorted(ANSWERS.items()) for variant in variants]


def _body(text: str) -> str:
    """The answer without its "Bron:" line."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("Bron:"))


def _sources_text() -> str:
    if not SOURCES_FILE.is_file():
        pytest.skip(f"source list not found: {SOURCES_FILE}")
    return SOURCES_FILE.read_text(encoding="utf-8")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


# --- Examples ---------------------------------------------------------------------------

def test_at_least_forty_topics_with_enough_examples() -> None:
    assert len(TRAIN) >= MIN_TOPICS
    thin = {topic: len(lines) for topic, lines in TRAIN.items() if len(lines) < MIN_TRAIN}
    assert not thin, f"fewer than {MIN_TRAIN} training examples: {thin}"
    thin = {topic: len(TEST.get(topic, [])) for topic in TRAIN if len(TEST.get(topic, [])) < MIN_TEST}
    assert not thin, f"fewer than {MIN_TEST} held-out examples: {thin}"
    assert set(TEST) <= set(TRAIN), f"test topics without training data: {set(TEST) - set(TRAIN)}"


def test_held_out_examples_are_never_trained_on() -> None:
    trained = {text.lower() for lines in TRAIN.values() for text in lines}
    leaked = [text for lines in TEST.values() for text in lines if text.lower() in trained]
    assert not leaked
    everywhere = _all_nlu_examples(ROOT / "data")
    leaked = [text for lines in TEST.values() for text in lines if text.lower() in everywhere]
    assert not leaked, f"held-out examples found in data/: {leaked}"


def test_no_example_twice_and_no_conflicting_label_elsewhere() -> None:
    seen: dict[str, str] = {}
    for topic, lines in TRAIN.items():
        for text in lines:
            assert text.lower() not in seen, f"{text!r} in {topic} and {seen[text.lower()]}"
            seen[text.lower()] = topic
    labels = _all_nlu_examples(ROOT / "data")
    conflicts = {text: sorted(labels[text]) for text in seen if len(labels.get(text, ())) > 1}
    assert not conflicts, f"same example under two intents: {conflicts}"


# --- Answers ----------------------------------------------------------------------------

def test_every_topic_has_an_answer_and_every_answer_a_topic() -> None:
    assert all(name.startswith(f"utter_{INTENT}/") for name in RESPONSES)
    assert set(ANSWERS) == set(TRAIN), (
        f"topics without answer: {set(TRAIN) - set(ANSWERS)}; answers without topic: {set(ANSWERS) - set(TRAIN)}"
    )


@pytest.mark.parametrize(("topic", "variant"), ANSWER_VARIANTS, ids=[t for t, _ in ANSWER_VARIANTS])
def test_answer_is_short_formal_and_offers_a_person(topic: str, variant: dict) -> None:
    text = variant["text"]
    body = _body(text)
    titles = " ".join(button["title"] for button in variant.get("buttons", []))
    assert not INFORMAL.search(body + " " + titles), f"{topic}: use 'u', not 'je/jij/jouw'"
    sentences = [part for part in re.split(r"(?<=[.?!])\s+", body.strip()) if part]
    assert 2 <= len(sentences) <= 5, f"{topic}: {len(sentences)} sentences"
    assert not AMOUNT.search(body), f"{topic}: no amounts"
    payloads = [button["payload"] for button in variant.get("buttons", [])]
    assert "/request_human" in payloads, f"{topic}: no 'Ik wil iemand spreken' button"


@pytest.mark.parametrize(("topic", "variant"), ANSWER_VARIANTS, ids=[t for t, _ in ANSWER_VARIANTS])
def test_term_or_right_comes_with_a_source_line(topic: str, variant: dict) -> None:
    text = variant["text"]
    body = _body(text)
    bron = [line for line in text.splitlines() if line.startswith("Bron:")]
    if TERM.search(body) or RIGHT.search(body):
        assert bron, f"{topic}: states a term or a right without 'Bron:'"
    assert len(bron) <= 1
    if bron:
        assert text.endswith(bron[0]), f"{topic}: the 'Bron:' line comes last"
        assert URL.findall(bron[0]), f"{topic}: 'Bron:' without a link"


def test_source_links_come_from_the_source_list() -> None:
    allowed = {url.rstrip(".,;)`") for url in URL.findall(_sources_text())}
    for topic, variant in ANSWER_VARIANTS:
        for line in variant["text"].splitlines():
            if line.startswith("Bron:"):
                unknown = [url for url in URL.findall(line) if url not in allowed]
                assert not unknown, f"{topic}: link not in the source list: {unknown}"


def test_phone_numbers_only_from_the_checked_sources() -> None:
    checked = [line for line in _sources_text().splitlines() if "UNVERIFIED" not in line]
    allowed = {_digits(number) for line in checked for number in PHONE.findall(line)}
    allowed |= {number for line in checked for number in SHORT_NUMBER.findall(line)}
    for topic, variant in ANSWER_VARIANTS:
        body = _body(variant["text"])
        for number in PHONE.findall(body):
            assert _digits(number) in allowed, f"{topic}: phone number {number!r} is not in the sources"
        for number in SHORT_NUMBER.findall(body):
            assert number in allowed, f"{topic}: number {number!r} is not in the sources"


def test_no_answer_copies_the_sources() -> None:
    def words(text: str) -> list[str]:
        return re.findall(r"\w+", URL.sub(" ", text).lower())

    source = words(_sources_text())
    runs = {tuple(source[i:i + 8]) for i in range(len(source) - 7)}
    for topic, variant in ANSWER_VARIANTS:
        answer = words(_body(variant["text"]))
        copied = [" ".join(answer[i:i + 8]) for i in range(len(answer) - 7) if tuple(answer[i:i + 8]) in runs]
        assert not copied, f"{topic}: copied from the sources: {copied}"


def test_related_topic_buttons_send_a_trained_question() -> None:
    trained = {text.lower() for lines in TRAIN.values() for text in lines}
    for topic, variant in ANSWER_VARIANTS:
        for button in variant.get("buttons", []):
            payload = button["payload"]
            if not payload.startswith("/"):
                assert payload.lower() in trained, f"{topic}: button {button['title']!r} sends an untrained text"


# --- Wiring: pipeline, domain, rules, in-form answers --------------------------------------

def test_pipeline_has_a_response_selector_for_procedures() -> None:
    names = [step["name"] for step in yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]]
    selectors = [
        step for step in yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
        if step["name"] == "ResponseSelector"
    ]
    assert [step.get("retrieval_intent") for step in selectors] == [INTENT]
    assert names.index("ResponseSelector") > names.index("DIETClassifier")
    guard = next(index for index, name in enumerate(names) if name.endswith("CrisisGuard"))
    assert guard > names.index("ResponseSelector"), "the crisis net must overrule the classifiers"


def test_domain_and_rules_know_the_intent() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert INTENT in domain["intents"]
    assert INTENT in domain["x-not-an-answer"]
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    assert any(
        rule["steps"] == [{"intent": INTENT}, {"action": f"utter_{INTENT}"}] for rule in rules
    ), "one rule: ask_procedure -> utter_ask_procedure"
    forms = (ROOT / "data" / "rules_forms.yml").read_text(encoding="utf-8")
    faq_block = forms.split("&faq_intents", 1)[1].split("- action:", 1)[0]
    assert f"- intent: {INTENT}" in faq_block


@pytest.mark.parametrize(
    ("parse_data", "expected"),
    [
        (
            {"response_selector": {INTENT: {"response": {"utter_action": "utter_ask_procedure/bezwaar_termijn"}}}},
            "utter_ask_procedure/bezwaar_termijn",
        ),
        ({"response_selector": {"all_retrieval_intents": [INTENT]}}, None),
        ({"response_selector": {INTENT: {"response": {"utter_action": "utter_greet"}}}}, None),
        ({"response_selector": {INTENT: {"response": {"utter_action": None}}}}, None),
        ({"intent": {"name": INTENT}}, None),
        ({}, None),
    ],
)
def test_retrieval_response_reads_the_selector_output(parse_data: dict, expected: str | None) -> None:
    assert retrieval_response(parse_data, INTENT) == expected
