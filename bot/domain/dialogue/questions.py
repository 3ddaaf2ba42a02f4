"""The questions the forms ask, read from data/questions.yml (one table for both processes).

The Rasa server uses it to know which question is pending when a message comes in; the action
server uses it in the one form base class (actions/forms.py) for retries and the way out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from bot.paths import DATA_DIR

QUESTIONS_FILE = DATA_DIR / "questions.yml"
KINDS = frozenset({"name", "phone", "email", "time", "yes_no", "choice", "gemeente", "free_text"})


@dataclass(frozen=True)
class Question:
    """One form question.

    ``form`` and ``slot`` name it (Rasa's form and requested_slot); ``kind`` says which reader
    of bot/domain/dialogue/answers.py reads its answer; ``choice`` and ``options`` are for choice
    questions (the data/answers.yml question and the option keys in button order).
    """

    form: str
    slot: str
    kind: str
    skippable: bool
    skip_value: str | None
    give_up: int
    choice: str | None = None
    options: tuple[str, ...] = ()


def _parse(raw: dict[str, Any]) -> dict[tuple[str, str], Question]:
    default_give_up = int((raw.get("defaults") or {}).get("give_up", 4))
    table: dict[tuple[str, str], Question] = {}
    for form, slots in (raw.get("forms") or {}).items():
        for slot, spec in slots.items():
            kind = spec.get("kind")
            if kind not in KINDS:
                raise ValueError(f"{QUESTIONS_FILE}: forms.{form}.{slot}.kind: unknown kind {kind!r}")
            skippable = bool(spec.get("skippable", False))
            if skippable and spec.get("skip_value") is None:
                raise ValueError(f"{QUESTIONS_FILE}: forms.{form}.{slot}: a skippable question needs skip_value")
            if kind == "choice" and not (spec.get("choice") and spec.get("options")):
                raise ValueError(f"{QUESTIONS_FILE}: forms.{form}.{slot}: a choice needs choice and options")
            table[(form, slot)] = Question(
                form=form,
                slot=slot,
                kind=kind,
                skippable=skippable,
                skip_value=spec.get("skip_value"),
                give_up=int(spec.get("give_up", default_give_up)),
                choice=spec.get("choice"),
                options=tuple(str(option) for option in spec.get("options") or ()),
            )
    return table


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], Question]:
    return _parse(yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8")))


def question_for(form: str | None, slot: str | None) -> Question | None:
    """The question ``slot`` of ``form``, or None when that form does not ask it (or none is asked)."""
    if not form or not slot:
        return None
    return _table().get((form, slot))


def questions_of(form: str) -> list[Question]:
    """All questions of one form, in the order of the data file."""
    return [question for (name, _), question in _table().items() if name == form]


@lru_cache(maxsize=1)
def _buttons() -> dict[str, str]:
    return dict(yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8")).get("buttons") or {})


def button_title(key: str) -> str:
    """The title of a button that actions add to a list they build ("skip" -> "Sla over").

    Raises KeyError for a key data/questions.yml does not define.
    """
    return _buttons()[key]
