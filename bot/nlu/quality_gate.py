"""Print accuracy and macro-F1 of an NLU evaluation and fail below the agreed minimum.

Reads the ``intent_report.json`` that ``rasa test nlu`` writes for the held-back test data
(tests/nlu/, never used for training).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def scores(report: dict) -> tuple[float, float]:
    """(accuracy, macro-F1) from a Rasa/scikit-learn classification report."""
    accuracy = float(report["accuracy"])
    macro_f1 = float(report["macro avg"]["f1-score"])
    return accuracy, macro_f1


def weakest_intents(report: dict, count: int = 5) -> list[tuple[str, float]]:
    per_intent = {
        name: values["f1-score"]
        for name, values in report.items()
        if isinstance(values, dict) and "f1-score" in values and not name.endswith(" avg")
    }
    return sorted(per_intent.items(), key=lambda item: item[1])[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--min-accuracy", type=float, default=0.90)
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    accuracy, macro_f1 = scores(report)
    print(f"NLU op de apart gehouden testdata: accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}")
    print("Zwakste intents: " + ", ".join(f"{name} {f1:.2f}" for name, f1 in weakest_intents(report)))
    if accuracy < args.min_accuracy:
        print(f"Te laag: accuracy {accuracy:.3f} < {args.min_accuracy:.2f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
