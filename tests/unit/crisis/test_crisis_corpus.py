"""The crisis corpus (issue 11 item 2): 100 % recall per kind and at most 1 % false alarms.

Corpus: tests/crisis/crisis_messages.yml (labelled crisis messages), tests/crisis/
hard_negatives.yml, and all NLU test and training examples of the project (read at test time,
see bot/ops/evaluation/safety_eval.py). The detector runs without a model.
"""

from __future__ import annotations

import pytest

from bot.domain.safety import crisis_kinds_by_urgency
from bot.ops.evaluation.safety_eval import (
    ANY_KIND,
    MAX_FALSE_ALARM_RATE,
    evaluate,
    load_corpus,
    nlu_examples,
    report,
)
from bot.paths import PROJECT_ROOT

# The whole corpus (about 6,000 messages) is read once per module: `make test` runs it, `make unit` not.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def figures(corpus):
    return evaluate(corpus)


def test_corpus_is_big_enough(corpus) -> None:
    labelled = [kind for kind, _ in corpus.crisis if kind != ANY_KIND]
    assert len(labelled) >= 300
    assert set(labelled) == set(crisis_kinds_by_urgency())
    assert len(corpus.negatives) >= 1000
    hard = [source for source, _ in corpus.negatives if source.startswith("hard:")]
    assert len(hard) >= 250


def test_every_crisis_message_is_found_with_its_kind(figures) -> None:
    assert not figures.misses, report(figures, show_errors=True)


def test_false_alarms_at_most_one_percent(figures) -> None:
    assert figures.false_alarm_rate <= MAX_FALSE_ALARM_RATE, report(figures, show_errors=True)


def test_the_corpus_is_not_training_data(corpus) -> None:
    training = {
        text.lower().strip()
        for _, text in nlu_examples(sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")))
    }
    mine = [text for kind, text in corpus.crisis if kind != ANY_KIND]
    mine += [text for source, text in corpus.negatives if source.startswith("hard:")]
    assert not [text for text in mine if text.lower().strip() in training]
