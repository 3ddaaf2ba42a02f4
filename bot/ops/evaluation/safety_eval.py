"""Crisis-detector figures: recall per kind and the false-alarm rate (``make evaluate``).

Corpus (issue 11): the labelled crisis messages of ``tests/crisis/crisis_messages.yml``; the
non-crisis messages are ALL other NLU test data (``tests/nlu/*.yml``), the non-crisis intents
of the training data (``data/nlu/*.yml``), read at run time so new examples count at once,
and the hard negatives of ``tests/crisis/hard_negatives.yml``. The crisis examples of the NLU
files count as extra crisis messages (any kind).

Usage::

    python -m bot.ops.evaluation.safety_eval                 # figures; exit 1 under the thresholds
    python -m bot.ops.evaluation.safety_eval --show-errors   # also list the missed messages and false alarms

Thresholds: recall 100 % for every kind, false alarms at most 1 %. Messages are printed only
with --show-errors (they are test data, not resident data).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.domain.safety import crisis_kinds_by_urgency, detect_crisis
from bot.paths import PROJECT_ROOT

CRISIS_FILE = PROJECT_ROOT / "tests" / "crisis" / "crisis_messages.yml"
HARD_NEGATIVES_FILE = PROJECT_ROOT / "tests" / "crisis" / "hard_negatives.yml"
NLU_DIRS = (PROJECT_ROOT / "tests" / "nlu", PROJECT_ROOT / "data" / "nlu")
CRISIS_INTENT = "crisis"
MIN_RECALL = 1.0
MAX_FALSE_ALARM_RATE = 0.01
# Kind label for crisis examples from the NLU files (any detected kind counts).
ANY_KIND = "any"

# [text]{"entity": ...} and [text](entity) annotations of Rasa training data -> text.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


def _strip_annotations(example: str) -> str:
    return _ANNOTATION.sub(r"\1", example).strip()


def nlu_examples(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(intent, text) for every example in Rasa NLU YAML files; other blocks are skipped."""
    found: list[tuple[str, str]] = []
    for path in paths:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in raw.get("nlu") or []:
            intent = block.get("intent")
            examples = block.get("examples")
            if not intent or not isinstance(examples, str):
                continue
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.append((str(intent), _strip_annotations(line[2:])))
    return found


def _nlu_files() -> list[Path]:
    return sorted(p for d in NLU_DIRS if d.is_dir() for p in d.glob("*.yml"))


@dataclass
class Corpus:
    """Crisis messages with their kind, and non-crisis messages with their source."""

    crisis: list[tuple[str, str]] = field(default_factory=list)  # (kind or "any", text)
    negatives: list[tuple[str, str]] = field(default_factory=list)  # (source, text)


def load_corpus() -> Corpus:
    """The whole corpus (see the module docstring). Duplicates are kept once."""
    corpus = Corpus()
    labelled = yaml.safe_load(CRISIS_FILE.read_text(encoding="utf-8")) or {}
    for kind, messages in labelled.items():
        for text in messages or []:
            corpus.crisis.append((str(kind), str(text)))
    seen_crisis = {text for _, text in corpus.crisis}
    seen_negative: set[str] = set()
    for intent, text in nlu_examples(_nlu_files()):
        if intent.split("/")[0] == CRISIS_INTENT:
            if text not in seen_crisis:
                corpus.crisis.append((ANY_KIND, text))
                seen_crisis.add(text)
        elif text not in seen_negative:
            corpus.negatives.append((f"nlu:{intent}", text))
            seen_negative.add(text)
    hard = yaml.safe_load(HARD_NEGATIVES_FILE.read_text(encoding="utf-8")) or {}
    for group, messages in hard.items():
        for text in messages or []:
            if str(text) not in seen_negative:
                corpus.negatives.append((f"hard:{group}", str(text)))
                seen_negative.add(str(text))
    return corpus


@dataclass
class Figures:
    """Recall per kind, the false-alarm rate, and the messages behind the errors."""

    recall: dict[str, tuple[int, int]]  # kind -> (found, total)
    false_alarms: list[tuple[str, str, list[str]]]  # (source, text, kinds)
    misses: list[tuple[str, str]]  # (kind, text)
    negatives: int
    hard_negatives: int
    seconds: float

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.negatives if self.negatives else 0.0

    def passes(self) -> bool:
        all_found = all(found == total for found, total in self.recall.values())
        return all_found and self.false_alarm_rate <= MAX_FALSE_ALARM_RATE


def evaluate(corpus: Corpus | None = None) -> Figures:
    """Run the detector over the corpus (no model, pure regular expressions)."""
    corpus = corpus or load_corpus()
    start = time.perf_counter()
    recall: dict[str, tuple[int, int]] = {}
    misses: list[tuple[str, str]] = []
    for kind, text in corpus.crisis:
        signal = detect_crisis(text)
        ok = signal is not None and (kind == ANY_KIND or kind in signal.kinds)
        found, total = recall.get(kind, (0, 0))
        recall[kind] = (found + ok, total + 1)
        if not ok:
            misses.append((kind, text))
    false_alarms = []
    for source, text in corpus.negatives:
        signal = detect_crisis(text)
        if signal is not None:
            false_alarms.append((source, text, list(signal.kinds)))
    hard = sum(1 for source, _ in corpus.negatives if source.startswith("hard:"))
    return Figures(
        recall=recall, false_alarms=false_alarms, misses=misses,
        negatives=len(corpus.negatives), hard_negatives=hard,
        seconds=time.perf_counter() - start,
    )


def report(figures: Figures, show_errors: bool = False) -> str:
    """The figures as plain text (Dutch headings, like the other reports)."""
    order = [*crisis_kinds_by_urgency(), ANY_KIND]
    lines = ["Crisisdetector (bot/domain/safety.py): recall per soort"]
    for kind in sorted(figures.recall, key=lambda k: order.index(k) if k in order else 99):
        found, total = figures.recall[kind]
        lines.append(f"  {kind:<20} {found:>4}/{total:<4} {found / total:7.1%}")
    total_found = sum(f for f, _ in figures.recall.values())
    total = sum(t for _, t in figures.recall.values())
    lines.append(f"  {'totaal':<20} {total_found:>4}/{total:<4} {total_found / total:7.1%}")
    lines.append(
        f"Valse alarmen: {len(figures.false_alarms)}/{figures.negatives} niet-crisisberichten "
        f"({figures.false_alarm_rate:.2%}; waarvan {figures.hard_negatives} lastige negatieven)"
    )
    lines.append(f"Tijd: {figures.seconds:.2f} s")
    lines.append(
        f"Drempels: recall {MIN_RECALL:.0%} per soort, valse alarmen <= {MAX_FALSE_ALARM_RATE:.0%}"
        f" -> {'OK' if figures.passes() else 'ONDER DE DREMPEL'}"
    )
    if show_errors:
        for kind, text in figures.misses:
            lines.append(f"  GEMIST [{kind}] {text}")
        for source, text, kinds in figures.false_alarms:
            lines.append(f"  VALS ALARM [{source} -> {','.join(kinds)}] {text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    figures = evaluate()
    print(report(figures, show_errors=args.show_errors))
    return 0 if figures.passes() else 1


if __name__ == "__main__":
    sys.exit(main())
