"""Crisis keyword safety net: regular expressions from data/safety.yml.

It runs on every message next to the intent classifier, so a resident in danger gets the
emergency numbers even when the classifier misses the `crisis` intent. It never logs or
returns the message text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from bot.life_domains import normalise_text
from bot.paths import DATA_DIR

SAFETY_FILE = DATA_DIR / "safety.yml"
CRISIS_KINDS = ("acute_danger", "suicide", "domestic_violence")


@dataclass(frozen=True)
class _Category:
    kind: str
    helpline: str
    patterns: tuple[re.Pattern[str], ...]
    exceptions: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class CrisisSignal:
    """The crisis kinds found in one message, most urgent first."""

    kinds: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        return self.kinds[0]


@lru_cache(maxsize=1)
def _categories() -> tuple[_Category, ...]:
    with SAFETY_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    categories = []
    for entry in raw["categorieen"]:
        kind = entry["soort"]
        if kind not in CRISIS_KINDS:
            raise ValueError(f"{SAFETY_FILE}: unknown crisis kind {kind!r}")
        categories.append(
            _Category(
                kind=kind,
                helpline=str(entry.get("hulplijn", "")),
                patterns=tuple(re.compile(p) for p in entry.get("patronen") or []),
                exceptions=tuple(re.compile(p) for p in entry.get("uitzonderingen") or []),
            )
        )
    return tuple(categories)


def crisis_kinds_by_urgency() -> list[str]:
    """All crisis kinds, most urgent first (the order in data/safety.yml)."""
    return [c.kind for c in _categories()]


def helpline(kind: str) -> str:
    """The national helpline for a crisis kind ("112", "113 of 0800-0113", ...)."""
    for category in _categories():
        if category.kind == kind:
            return category.helpline
    raise KeyError(kind)


def detect_crisis(text: str) -> CrisisSignal | None:
    """A CrisisSignal when the message contains a crisis keyword, else None."""
    normalised = normalise_text(text or "")
    if not normalised:
        return None
    kinds = []
    for category in _categories():
        candidate = normalised
        for exception in category.exceptions:
            candidate = exception.sub(" ", candidate)
        if any(pattern.search(candidate) for pattern in category.patterns):
            kinds.append(category.kind)
    return CrisisSignal(kinds=kinds) if kinds else None
