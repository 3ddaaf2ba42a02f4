"""Figure for `make evaluate`: the share of typed answers read right on the first try.

``python -m bot.ops.evaluation.first_try [--tables DIR] [--min 0.95]`` reads the answer tables of
tests/unit/dialogue/tables/*.yml (the same tables the unit tests use) and prints, per answer
kind, the share of the must-understand answers read with the expected value, and the share
of must-refuse answers refused (with the expected reason, or as a skip). It exits 1 when any
kind is below ``--min`` (issue 10: target 0.98, failing below 0.95). It prints no message
text unless ``--show-failures`` is given (the tables are made-up test data, not resident text).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from bot.paths import PROJECT_ROOT

TABLES_DIR = PROJECT_ROOT / "tests" / "unit" / "dialogue" / "tables"
TARGET = 0.98
MINIMUM = 0.95
# "=" as expected value: the text as typed, trimmed.
AS_TYPED = "="


@dataclass(frozen=True)
class Case:
    """One row of an answer table."""

    kind: str
    text: str
    must_understand: bool
    value: str | None = None
    reason: str | None = None
    skip: bool = False
    question: str | None = None
    options: tuple[str, ...] | None = None
    metadata_gemeente: str | None = None

    def expected_value(self) -> str | None:
        return self.text.strip() if self.value == AS_TYPED else self.value


def _case(kind: str, row: dict[str, Any], must_understand: bool) -> Case:
    options = row.get("options")
    return Case(
        kind=kind,
        text=str(row.get("text", "")),
        must_understand=must_understand,
        value=None if row.get("value") is None else str(row["value"]),
        reason=row.get("reason"),
        skip=bool(row.get("skip", False)),
        question=row.get("question"),
        options=tuple(str(o) for o in options) if options else None,
        metadata_gemeente=row.get("metadata_gemeente"),
    )


def load_cases(tables_dir: Path = TABLES_DIR) -> Iterator[Case]:
    """Every row of every answer table (files with a top-level ``kind``)."""
    for path in sorted(tables_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        kind = raw.get("kind")
        if not kind:
            continue
        for row in raw.get("understood") or []:
            yield _case(kind, row, True)
        for row in raw.get("refused") or []:
            yield _case(kind, row, False)


def check(case: Case) -> tuple[bool, Any]:
    """(passed, the Reading) for one table row."""
    from bot.domain.dialogue.answers import read_answer

    reading = read_answer(
        case.kind, case.text, question=case.question, options=case.options,
        metadata_gemeente=case.metadata_gemeente,
    )
    if case.must_understand:
        return reading.understood and reading.value == case.expected_value(), reading
    if case.skip:
        return reading.skip and not reading.understood, reading
    passed = not reading.understood and not reading.skip
    if case.reason:
        passed = passed and reading.reason == case.reason
    return passed, reading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=Path, default=TABLES_DIR)
    parser.add_argument("--min", type=float, default=MINIMUM, dest="minimum")
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args(argv)

    totals: dict[str, dict[str, list[int]]] = {}
    failures = []
    for case in load_cases(args.tables):
        passed, reading = check(case)
        group = "understood" if case.must_understand else "refused"
        counts = totals.setdefault(case.kind, {"understood": [0, 0], "refused": [0, 0]})[group]
        counts[0] += int(passed)
        counts[1] += 1
        if not passed:
            failures.append((case, reading))
    if not totals:
        print(f"no answer tables in {args.tables}", file=sys.stderr)
        return 1

    print(f"Answers read right on the first try (target {TARGET:.2f}, minimum {args.minimum:.2f})")
    print(f"{'kind':<10} {'understood':>18} {'refused right':>18}")
    below = []
    for kind in sorted(totals):
        cells = []
        for group in ("understood", "refused"):
            good, total = totals[kind][group]
            share = good / total if total else 1.0
            cells.append(f"{share:.3f} ({good}/{total})")
            if share < args.minimum:
                below.append(f"{kind} {group}")
        print(f"{kind:<10} {cells[0]:>18} {cells[1]:>18}")
    if args.show_failures:
        for case, reading in failures:
            print(f"  FAIL {case.kind}: {case.text!r} -> {reading}")
    if below:
        print("Below the minimum: " + ", ".join(below), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
