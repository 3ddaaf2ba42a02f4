"""Conversation test report: one HTML page from what `rasa test core --out results/conversations` writes.

    python -m bot.ops.reports.conversations results/conversations tests/stories \
        --out reports/conversations.html [--fail-on-failure]

Every test conversation in the stories folder is listed as passed or failed. Rasa writes the
failed ones to failed_test_stories.yml with `# predicted: ...` comments on the wrong steps;
for those the page shows the turn where it went wrong, what the test expected and what
the assistant did. PyYAML drops comments, so that file is read line by line.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.ops.reports.render import write_report

FAILED_FILE = "failed_test_stories.yml"
USER_KINDS = ("intent", "user")

_STORY_LINE = re.compile(r"^-\s+story:\s*(?P<title>.*?)\s*$")
_STEP_LINE = re.compile(r"^  -\s+(?P<kind>[a-z_]+):\s*(?P<rest>.*)$")
_PREDICTED = re.compile(r"\s+#\s*predicted:\s*(?P<predicted>.*)$")
_SOURCE = re.compile(r"^(?P<name>.*) \((?P<source>[^()]*)\)$")


class ReportInputError(RuntimeError):
    """Rasa's output or the stories folder is missing or unreadable."""


@dataclass
class Step:
    """One step of a failed story as Rasa wrote it back."""

    kind: str
    value: str
    details: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    turn: int = 0

    @property
    def wrong(self) -> bool:
        return bool(self.predicted)


@dataclass
class Failure:
    """Where a test conversation went wrong first."""

    turn: int
    kind: str
    expected: str
    actual: str
    resident_text: str | None


@dataclass
class StoryResult:
    name: str
    source: str
    passed: bool
    steps: list[Step] = field(default_factory=list)
    failure: Failure | None = None

    @property
    def first_wrong(self) -> int | None:
        """Index of the first wrong step (for highlighting)."""
        return next((i for i, step in enumerate(self.steps) if step.wrong), None)


def _split_title(title: str) -> tuple[str, str]:
    match = _SOURCE.match(title)
    return (match["name"], match["source"]) if match else (title, "")


def _strip_comment(line: str) -> tuple[str, str | None]:
    match = _PREDICTED.search(line)
    if not match:
        return line.rstrip(), None
    return line[: match.start()].rstrip(), match["predicted"].strip()


def parse_failed_stories(text: str) -> list[tuple[str, str, list[Step]]]:
    """(name, source file, steps) for every story in failed_test_stories.yml."""
    stories: list[tuple[str, str, list[Step]]] = []
    steps: list[Step] = []
    turn = 0
    for raw in text.splitlines():
        story = _STORY_LINE.match(raw)
        if story:
            name, source = _split_title(story["title"])
            steps, turn = [], 0
            stories.append((name, source, steps))
            continue
        if not stories or not raw.strip() or raw.strip() == "steps:":
            continue
        line, predicted = _strip_comment(raw)
        step = _STEP_LINE.match(line)
        if step:
            if step["kind"] in USER_KINDS:
                turn += 1
            steps.append(Step(kind=step["kind"], value=step["rest"].strip(), turn=turn))
        elif steps:
            steps[-1].details.append(line.strip())
        if predicted and steps:
            steps[-1].predicted.append(predicted)
    return stories


def _user_texts(story: dict) -> list[str | None]:
    """The resident's text per turn of a test story (None when only an intent is given)."""
    texts: list[str | None] = []
    for step in story.get("steps") or []:
        if isinstance(step, dict) and ("intent" in step or "user" in step):
            user = step.get("user")
            texts.append(user.strip() if isinstance(user, str) else None)
    return texts


def load_test_stories(stories_dir: Path) -> list[tuple[str, str, list[str | None]]]:
    """(name, file name, user texts) of every test story, in file order."""
    files = [stories_dir] if stories_dir.is_file() else sorted(stories_dir.rglob("*.yml"))
    if not files:
        raise ReportInputError(f"Geen testgesprekken gevonden in {stories_dir}.")
    found = []
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ReportInputError(f"{path} is geen geldige YAML ({exc}).") from None
        for story in data.get("stories") or []:
            if isinstance(story, dict) and "story" in story:
                found.append((str(story["story"]), path.name, _user_texts(story)))
    return found


def _describe(step: Step) -> tuple[str, str]:
    """(what the test expected, what the assistant did) for a wrong step."""
    predicted = step.predicted[0]
    if step.kind in USER_KINDS:
        name, _, message = predicted.partition(": ")
        if name == step.value:
            return (f"intentie {step.value} met de entiteiten uit de test",
                    f"intentie {name}, maar andere entiteiten: {message}")
        return f"intentie {step.value}", f"intentie {name} ({message})"
    if step.kind == "action":
        return f"actie {step.value}", f"actie {predicted}"
    return f"{step.kind} {step.value}".strip(), predicted


def first_failure(steps: list[Step], user_texts: list[str | None]) -> Failure | None:
    """The first wrong step of a story."""
    for step in steps:
        if step.wrong:
            expected, actual = _describe(step)
            text = user_texts[step.turn - 1] if 0 < step.turn <= len(user_texts) else None
            return Failure(step.turn, step.kind, expected, actual, text)
    return None


def collect_results(results_dir: Path, stories_dir: Path) -> list[StoryResult]:
    """Every test story, passed or failed, failed ones with their first wrong turn."""
    failed_path = results_dir / FAILED_FILE
    if not failed_path.is_file():
        raise ReportInputError(
            f"{failed_path} ontbreekt: draai eerst `make test-conversations` "
            "(rasa test core zonder --fail-on-prediction-errors)."
        )
    failed = parse_failed_stories(failed_path.read_text(encoding="utf-8"))
    results: list[StoryResult] = []
    seen: set[tuple[str, str]] = set()
    failed_by_key = {(name, Path(source).name): steps for name, source, steps in failed}
    for name, filename, texts in load_test_stories(stories_dir):
        steps = failed_by_key.get((name, filename))
        seen.add((name, filename))
        if steps is None:
            results.append(StoryResult(name, filename, passed=True))
        else:
            results.append(
                StoryResult(name, filename, False, steps, first_failure(steps, texts))
            )
    for (name, filename), steps in failed_by_key.items():  # failed but not in the folder
        if (name, filename) not in seen:
            results.append(StoryResult(name, filename, False, steps, first_failure(steps, [])))
    return results


def build_report(results_dir: Path, stories_dir: Path, out: Path) -> list[StoryResult]:
    """Write the HTML page and return the results it shows."""
    results = collect_results(results_dir, stories_dir)
    failed = [r for r in results if not r.passed]
    write_report(
        "conversations.html",
        out,
        results=results,
        failed=failed,
        passed_count=len(results) - len(failed),
        stories_dir=str(stories_dir),
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="HTML-rapport van de gesprekstesten.")
    parser.add_argument("results", type=Path, help="uitvoer van rasa test core")
    parser.add_argument("stories", type=Path, help="map met testgesprekken, bijv. tests/stories")
    parser.add_argument("--out", type=Path, default=Path("reports/conversations.html"))
    parser.add_argument(
        "--fail-on-failure", action="store_true",
        help="eindig met code 1 als een testgesprek mislukt is",
    )
    args = parser.parse_args(argv)
    try:
        results = build_report(args.results, args.stories, args.out)
    except ReportInputError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.passed]
    print(f"Gespreksrapport: {args.out} ({len(results) - len(failed)} geslaagd, "
          f"{len(failed)} mislukt)")
    for result in failed:
        print(f"  MISLUKT: {result.name} ({result.source})")
    return 1 if failed and args.fail_on_failure else 0


if __name__ == "__main__":
    raise SystemExit(main())
