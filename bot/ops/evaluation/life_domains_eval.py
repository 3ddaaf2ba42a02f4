"""Recall and precision of the life-domain lexicon on a labelled set of situation messages.

    python -m bot.ops.evaluation.life_domains_eval [--data tests/life_domains/situations.yml] [-v]

Reads the labelled messages (``situaties: [{tekst, domeinen}]``), runs
``bot.domain.life_domains.detect_life_domains`` on each, and prints recall and precision per domain
and overall (micro average over all (message, domain) pairs, and the macro average over the
domains). Exits 1 when the overall recall is below 0.90 or the overall precision below 0.85
(issue 14), 2 when the data file is invalid. Prints no message text unless ``-v`` is given
(the set is the project's own, not residents' data).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.domain.life_domains import detect_life_domains, life_domain_values
from bot.paths import PROJECT_ROOT

DEFAULT_DATA = PROJECT_ROOT / "tests" / "life_domains" / "situations.yml"
MIN_RECALL = 0.90
MIN_PRECISION = 0.85


@dataclass(frozen=True)
class Example:
    text: str
    domains: frozenset[str]


@dataclass
class Counts:
    """True positives, false positives and false negatives of one domain."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


@dataclass
class Report:
    per_domain: dict[str, Counts]
    errors: list[tuple[Example, list[str]]] = field(default_factory=list)

    @property
    def total(self) -> Counts:
        return Counts(
            tp=sum(c.tp for c in self.per_domain.values()),
            fp=sum(c.fp for c in self.per_domain.values()),
            fn=sum(c.fn for c in self.per_domain.values()),
        )

    @property
    def macro_recall(self) -> float:
        used = [c for c in self.per_domain.values() if c.tp + c.fn]
        return sum(c.recall for c in used) / len(used) if used else 1.0

    @property
    def macro_precision(self) -> float:
        used = [c for c in self.per_domain.values() if c.tp + c.fp]
        return sum(c.precision for c in used) / len(used) if used else 1.0

    def passes(self, min_recall: float = MIN_RECALL, min_precision: float = MIN_PRECISION) -> bool:
        total = self.total
        return total.recall >= min_recall and total.precision >= min_precision


def load_examples(path: Path = DEFAULT_DATA) -> list[Example]:
    """The labelled messages of `path`; ValueError for an unknown domain or a missing field."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    known = set(life_domain_values())
    examples = []
    for index, entry in enumerate(raw.get("situaties") or []):
        text, domains = entry.get("tekst"), entry.get("domeinen")
        if not isinstance(text, str) or not isinstance(domains, list):
            raise ValueError(f"{path.name}: situatie {index} needs `tekst` and a list `domeinen`")
        unknown = set(domains) - known
        if unknown:
            raise ValueError(f"{path.name}: situatie {index} has unknown domain(s) {sorted(unknown)}")
        examples.append(Example(text=text, domains=frozenset(domains)))
    if not examples:
        raise ValueError(f"{path.name}: no situaties")
    return examples


def evaluate(examples: list[Example]) -> Report:
    """Compare detect_life_domains with the labels, per domain."""
    report = Report(per_domain={value: Counts() for value in life_domain_values()})
    for example in examples:
        found = detect_life_domains(example.text)
        for value in life_domain_values():
            expected, got = value in example.domains, value in found
            counts = report.per_domain[value]
            if expected and got:
                counts.tp += 1
            elif got:
                counts.fp += 1
            elif expected:
                counts.fn += 1
        if set(found) != example.domains:
            report.errors.append((example, found))
    return report


def print_report(report: Report, examples: int, verbose: bool = False, out=None) -> None:
    out = out or sys.stdout
    print(f"Levensgebieden op {examples} gelabelde situaties", file=out)
    print(f"  {'domein':<11} {'recall':>7} {'precisie':>9} {'tp':>5} {'fp':>4} {'fn':>4}", file=out)
    for value, c in report.per_domain.items():
        print(f"  {value:<11} {c.recall:7.3f} {c.precision:9.3f} {c.tp:5d} {c.fp:4d} {c.fn:4d}", file=out)
    total = report.total
    print(
        f"  {'totaal':<11} {total.recall:7.3f} {total.precision:9.3f} {total.tp:5d} {total.fp:4d} {total.fn:4d}"
        f"   (macro: recall {report.macro_recall:.3f}, precisie {report.macro_precision:.3f})",
        file=out,
    )
    if verbose:
        for example, found in report.errors:
            print(f"  - {example.text!r}: verwacht {sorted(example.domains)}, gevonden {found}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--min-recall", type=float, default=MIN_RECALL)
    parser.add_argument("--min-precision", type=float, default=MIN_PRECISION)
    parser.add_argument("-v", "--verbose", action="store_true", help="print the messages that differ")
    args = parser.parse_args(argv)
    try:
        examples = load_examples(args.data)
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"Ongeldige testdata: {error}", file=sys.stderr)
        return 2
    report = evaluate(examples)
    print_report(report, len(examples), verbose=args.verbose)
    if not report.passes(args.min_recall, args.min_precision):
        total = report.total
        print(
            f"Te laag: recall {total.recall:.3f} (minimaal {args.min_recall:.2f}), "
            f"precisie {total.precision:.3f} (minimaal {args.min_precision:.2f})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
