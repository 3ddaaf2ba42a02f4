"""strong_signal, sentence_signals and the priority table (data/priorities.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.domain.dialogue.signals import (
    interrupting_signals,
    is_question,
    priority_order,
    sentence_signals,
    strong_signal,
)

TABLE = yaml.safe_load((Path(__file__).parent / "tables" / "signals.yml").read_text(encoding="utf-8"))
INTERRUPTING = TABLE["interrupting"]
ANSWERS = TABLE["answers"]


def test_the_table_is_large_enough():
    assert len(INTERRUPTING) + len(ANSWERS) >= 60
    assert len(ANSWERS) >= 30


def test_priority_order_is_data():
    assert priority_order() == ["crisis", "stop", "request_human", "complaint", "question", "situation"]
    assert interrupting_signals() == ["crisis", "stop", "request_human", "question"]


@pytest.mark.parametrize("row", INTERRUPTING, ids=[r["text"] for r in INTERRUPTING])
def test_interrupting(row):
    assert strong_signal(row["text"], intent=row.get("intent")) == row["signal"]


@pytest.mark.parametrize("row", ANSWERS, ids=[f"{r['text']}|{r.get('intent')}" for r in ANSWERS])
def test_answer_attempts_do_not_interrupt(row):
    assert strong_signal(row["text"], intent=row.get("intent")) is None


@pytest.mark.parametrize("text", ["", "   ", None])
def test_nothing(text):
    assert strong_signal(text) is None  # type: ignore[arg-type]
    assert sentence_signals(text) == []  # type: ignore[arg-type]


def test_the_classifier_alone_is_no_crisis_but_counts_with_a_distress_word():
    assert strong_signal("morgenochtend", intent="crisis") is None
    assert strong_signal("ik ben zo bang dat hij terugkomt", intent="crisis") == "crisis"
    assert strong_signal("ik ben zo bang dat hij terugkomt", intent="describe_situation") is None


def test_higher_priority_wins():
    # crisis before stop, stop before a question, a person before a question
    assert strong_signal("stop, ik wil dood") == "crisis"
    assert strong_signal("ik wil stoppen, wat moet ik doen?") == "stop"
    assert strong_signal("kan ik iemand spreken?") == "request_human"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ik heb schulden. Ik ben het niet eens met de beschikking. Kan iemand mij bellen?",
         ["request_human", "complaint", "question", "situation"]),
        ("Mijn pgb is afgewezen en daar ben ik het niet mee eens", ["complaint", "situation"]),
        ("Ik heb een vraag over de huur. Wat kost een cliëntondersteuner?", ["question", "situation"]),
        ("Ik wil niet meer leven, stop maar", ["crisis", "stop"]),
        ("Bram", []),
    ],
)
def test_sentence_signals_in_priority_order(text, expected):
    assert sentence_signals(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wat kost het", True),
        ("wat kost het?", True),
        ("waarom?", True),
        ("wat?", True),
        ("is het gratis", True),
        ("kan ik dat later aanpassen", True),
        ("heeft u mijn adres nodig?", True),
        ("dat kost toch niks?", True),
        ("ja?", False),
        ("Bram?", False),
        ("maandag?", False),
        ("'s middags?", False),
        ("Jan de Vries?", False),
        ("?", False),
        ("???", False),
        ("wanneer u wilt", False),
        ("wat u wilt", False),
        ("weet ik niet", False),
        ("weet ik niet uit mijn hoofd", False),
        ("heb ik al", False),
        ("heb ik niet", False),
        ("wil ik niet zeggen", False),
        ("ga je gang", False),
        ("is goed", False),
        ("wanneer bereikbaar", False),
        ("na 5 uur?", False),
    ],
)
def test_is_question(text, expected):
    assert is_question(text) is expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("mijn huishoudelijke hulp is zomaar verlaagd", True),
        ("ik ben zo boos op de gemeente", True),
        ("die beslissing over mijn indicatie klopt echt niet", True),
        ("ik wil bezwaar maken tegen de beschikking", True),
        ("waar kan ik een klacht indienen over de thuiszorg", True),
        ("de buren hebben klachten van de buren gekregen over geluid", False),
        ("ik heb rugklachten en kan niet meer werken", False),
        ("mijn uitkering is gestopt omdat ik werk heb gevonden", False),
        ("ik wil niet klagen, maar het is zwaar", False),
    ],
)
def test_complaint_signal(text, complaint):
    assert ("complaint" in sentence_signals(text)) is complaint
    assert strong_signal(text) != "complaint"  # a complaint never interrupts an answer
