"""NLU quality report: one HTML page from what `rasa test nlu --out results/nlu` writes.

    python -m bot.ops.reports.nlu results/nlu --out reports/nlu.html

Reads intent_report.json (scikit-learn classification report per intent),
intent_errors.json (the misclassified test sentences) and intent_confusion_matrix.png
(embedded as a data: URI).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.ops.reports.render import png_data_uri, write_report

SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


class ReportInputError(RuntimeError):
    """The results folder does not hold what `rasa test nlu` writes."""


@dataclass(frozen=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int
    confused_with: dict[str, int]


@dataclass(frozen=True)
class Misclassified:
    text: str
    expected: str
    predicted: str
    confidence: float | None


@dataclass(frozen=True)
class NluResults:
    accuracy: float
    macro_f1: float
    weighted_f1: float | None
    support: int
    intents: list[IntentScore]
    errors: list[Misclassified]
    confusion_matrix: str | None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportInputError(f"{path} ontbreekt: draai eerst `rasa test nlu`.") from None
    except ValueError as exc:
        raise ReportInputError(f"{path} is geen geldige JSON ({exc}).") from None


def _accuracy(report: dict[str, Any]) -> float:
    value = report.get("accuracy")
    if isinstance(value, (int, float)):
        return float(value)
    micro = report.get("micro avg") or {}  # scikit-learn writes this instead for subsets
    if "f1-score" in micro:
        return float(micro["f1-score"])
    raise ReportInputError("intent_report.json heeft geen 'accuracy'.")


def load_results(results_dir: Path) -> NluResults:
    """Read the files of one `rasa test nlu` run."""
    report = _read_json(results_dir / "intent_report.json")
    if not isinstance(report, dict) or "macro avg" not in report:
        raise ReportInputError("intent_report.json heeft niet de verwachte vorm.")
    intents = [
        IntentScore(
            intent=name,
            precision=float(scores.get("precision", 0.0)),
            recall=float(scores.get("recall", 0.0)),
            f1=float(scores.get("f1-score", 0.0)),
            support=int(scores.get("support", 0)),
            confused_with=dict(
                sorted((scores.get("confused_with") or {}).items(), key=lambda kv: -kv[1])
            ),
        )
        for name, scores in report.items()
        if name not in SUMMARY_KEYS and isinstance(scores, dict)
    ]
    intents.sort(key=lambda score: (score.f1, score.intent))  # weakest first
    errors_path = results_dir / "intent_errors.json"
    raw_errors = _read_json(errors_path) if errors_path.exists() else []
    errors = [
        Misclassified(
            text=str(item.get("text", "")),
            expected=str(item.get("intent", "")),
            predicted=str((item.get("intent_prediction") or {}).get("name", "")),
            confidence=(item.get("intent_prediction") or {}).get("confidence"),
        )
        for item in raw_errors
    ]
    errors.sort(key=lambda e: (e.expected, e.predicted, e.text))
    weighted = report.get("weighted avg") or {}
    return NluResults(
        accuracy=_accuracy(report),
        macro_f1=float(report["macro avg"]["f1-score"]),
        weighted_f1=float(weighted["f1-score"]) if "f1-score" in weighted else None,
        support=int(report["macro avg"].get("support", sum(i.support for i in intents))),
        intents=intents,
        errors=errors,
        confusion_matrix=png_data_uri(results_dir / "intent_confusion_matrix.png"),
    )


def build_report(results_dir: Path, out: Path) -> NluResults:
    """Write the HTML report and return what it shows."""
    results = load_results(results_dir)
    write_report("nlu.html", out, results=results, results_dir=str(results_dir))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="HTML-rapport van `rasa test nlu`.")
    parser.add_argument("results", type=Path, help="map met de uitvoer, bijv. results/nlu")
    parser.add_argument("--out", type=Path, default=Path("reports/nlu.html"))
    args = parser.parse_args(argv)
    try:
        results = build_report(args.results, args.out)
    except ReportInputError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    print(
        f"NLU-rapport: {args.out} (nauwkeurigheid {results.accuracy:.1%}, "
        f"macro-F1 {results.macro_f1:.3f}, {len(results.errors)} fout herkend)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
