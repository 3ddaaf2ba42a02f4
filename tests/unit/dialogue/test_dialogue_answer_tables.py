"""Table-driven tests of read_answer: every row of tables/*.yml (also used by `make evaluate`)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.domain.dialogue.answers import KINDS, Reading, read_answer
from bot.ops.evaluation.first_try import TABLES_DIR, Case, check, load_cases

CASES = list(load_cases(TABLES_DIR))


def _id(case: Case) -> str:
    return f"{case.kind}:{'ok' if case.must_understand else 'refuse'}:{case.text[:40]}"


def test_the_tables_are_large_enough():
    understood = Counter(c.kind for c in CASES if c.must_understand)
    refused = Counter(c.kind for c in CASES if not c.must_understand)
    for kind in KINDS:
        assert understood[kind] >= 40, (kind, understood[kind])
        assert refused[kind] >= 20, (kind, refused[kind])


@pytest.mark.parametrize("case", [c for c in CASES if c.must_understand], ids=_id)
def test_understood(case: Case):
    passed, reading = check(case)
    assert passed, reading
    assert reading.understood and not reading.skip and reading.reason is None


@pytest.mark.parametrize("case", [c for c in CASES if not c.must_understand], ids=_id)
def test_refused(case: Case):
    passed, reading = check(case)
    assert passed, reading
    assert reading.value is None and not reading.understood


def test_reading_shape():
    reading = read_answer("name", "Bram")
    assert reading == Reading(kind="name", value="Bram", understood=True)
    with pytest.raises(ValueError):
        read_answer("colour", "blauw")
    with pytest.raises(ValueError):
        read_answer("choice", "bellen")


@pytest.mark.parametrize("kind", KINDS)
def test_skip_words_at_every_kind(kind: str):
    for text in ("sla over", "Overslaan", "skip", "ik sla deze vraag liever over"):
        reading = read_answer(kind, text, question="contact_preference")
        assert reading.skip and not reading.understood and reading.reason == "skip", (kind, text)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_at_every_kind(kind: str):
    for text in ("", "   ", None):
        reading = read_answer(kind, text, question="contact_preference")  # type: ignore[arg-type]
        assert reading == Reading(kind=kind, value=None, understood=False, reason="empty")
