"""Print accuracy and macro-F1 of an NLU evaluation and fail below the agreed minimum.

Reads the ``intent_report.json`` that ``rasa test nlu`` writes for the held-back test data
(tests/nlu/, never used for training), and the ``intent_errors.json`` next to it.

Two accuracies are printed. The first is Rasa's, over the training labels. The second is the
one the contract sees (docs/contract.md §4, issue 14): a combined intent such as
``describe_situation+request_human`` reaches /model/parse as its leading part by the priority
table (data/priorities.yml, bot.domain.dialogue.turn.split_intent) with the rest in
``secondary_intents``; so a prediction counts as right when its leading part is the leading
part of the expected label. The gate (``--min-accuracy``, 0.93 in ``make evaluate``, issue 14) applies
to the contract accuracy.
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


def leading_intent(intent: str) -> str:
    """The contract intent a (combined) label reaches /model/parse as."""
    if "+" not in intent:
        return intent
    try:
        from bot.domain.dialogue.turn import split_intent
    except ImportError:  # without the turn reading the first part leads
        return intent.split("+")[0]
    return split_intent(intent)[0]


def contract_accuracy(report: dict, errors: list[dict]) -> float:
    """Accuracy when combined intents are read as their leading part (see module doc)."""
    total = int(report["weighted avg"]["support"])
    wrong = 0
    for error in errors:
        predicted = str((error.get("intent_prediction") or {}).get("name"))
        if leading_intent(str(error.get("intent"))) != leading_intent(predicted):
            wrong += 1
    return 1.0 - wrong / total if total else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--min-accuracy", type=float, default=0.93)
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    errors_file = args.report.with_name("intent_errors.json")
    errors = json.loads(errors_file.read_text(encoding="utf-8")) if errors_file.exists() else None
    accuracy, macro_f1 = scores(report)
    print(f"NLU op de apart gehouden testdata: accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}")
    gated = accuracy
    if errors is not None:
        gated = contract_accuracy(report, errors)
        print(f"Accuracy zoals het contract het ziet (gecombineerde intents als hun leidende deel): {gated:.3f}")
    print("Zwakste intents: " + ", ".join(f"{name} {f1:.2f}" for name, f1 in weakest_intents(report)))
    if gated < args.min_accuracy:
        print(f"Te laag: accuracy {gated:.3f} < {args.min_accuracy:.2f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
