"""Urgent situations that are not a crisis, from data/urgency.yml (issue 11 item 5).

Kinds (most urgent first): ``homeless_tonight``, ``eviction``, ``energy_water_cutoff``,
``no_food_money``, ``benefits_stopped``. An urgent message marks the intake ``urgent``
(docs/contract.md §6) and gets a first answer that says what to do now (the ``antwoord`` of its
kind: a domain.yml response). Words such as "spoed" or "deurwaarder" make a message urgent
without a kind (``algemeen`` in the data file). Pure regular expressions on folded text
(:mod:`bot.domain.phrase_patterns`); the text is never logged or returned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.domain.phrase_patterns import Lexicon, sentences
from bot.paths import DATA_DIR

URGENCY_FILE = DATA_DIR / "urgency.yml"


@dataclass(frozen=True)
class UrgencySignal:
    """The urgent situations found in one message, most urgent first (never empty)."""

    kinds: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        """The most urgent kind."""
        return self.kinds[0]


@dataclass(frozen=True)
class _Kind:
    name: str
    response: str
    strong: re.Pattern[str] | None
    exceptions: re.Pattern[str] | None


@dataclass(frozen=True)
class _Rules:
    lexicon: Lexicon
    kinds: tuple[_Kind, ...]
    general: re.Pattern[str] | None
    rule_question: re.Pattern[str] | None
    personal: re.Pattern[str] | None


@lru_cache(maxsize=2)
def _load(path: Path = URGENCY_FILE) -> _Rules:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    lexicon = Lexicon(raw.get("woordgroepen"), raw.get("spelling"), source=path.name)
    kinds = []
    seen: set[str] = set()
    for entry in raw["soorten"]:
        name = entry["soort"]
        if name in seen:
            raise ValueError(f"{path.name}: kind {name} listed twice")
        seen.add(name)
        if not entry.get("sterk") or not entry.get("antwoord"):
            raise ValueError(f"{path.name}: {name} needs `sterk` patterns and an `antwoord`")
        kinds.append(_Kind(
            name=name,
            response=str(entry["antwoord"]),
            strong=lexicon.compile_any(entry.get("sterk")),
            exceptions=lexicon.compile_any(entry.get("uitzonderingen") or []),
        ))
    words = [lexicon.normalise(str(w)) for w in raw.get("algemeen") or []]
    general = lexicon.compile_any([re.escape(w) for w in words if w])
    return _Rules(
        lexicon=lexicon, kinds=tuple(kinds), general=general,
        rule_question=lexicon.compile_any(raw.get("regelvragen") or []),
        personal=lexicon.compile_any(raw.get("persoonlijk") or []),
    )


def _only_about_rules(rules: _Rules, sentence: str) -> bool:
    """A question about the rules that says nothing about the writer's own situation."""
    if rules.rule_question is None or not rules.rule_question.search(sentence):
        return False
    return rules.personal is None or not rules.personal.search(sentence)


# The closed list of urgent kinds, most urgent first (data/urgency.yml `soorten`).
URGENCY_KINDS: tuple[str, ...] = tuple(kind.name for kind in _load().kinds)


def detect_urgency(text: str) -> UrgencySignal | None:
    """An UrgencySignal (kinds most urgent first) for an urgent situation, else None.

    Only the kinds with their own answer count here; "spoed" alone gives None (but
    :func:`is_urgent` is True). A sentence that only asks about the rules ("huisuitzetting
    regels") does not count. Never raises on odd input.
    """
    rules = _load()
    parts = [p for p in (rules.lexicon.normalise(s) for s in sentences(text or "")) if p]
    parts = [p for p in parts if not _only_about_rules(rules, p)]
    found = []
    for kind in rules.kinds:
        for sentence in parts:
            candidate = sentence
            if kind.exceptions is not None:
                candidate = " ".join(kind.exceptions.sub(" ", candidate).split())
            if kind.strong is not None and kind.strong.search(candidate):
                found.append(kind.name)
                break
    return UrgencySignal(kinds=found) if found else None


def is_urgent(text: str) -> bool:
    """True when the message describes an urgent situation or holds an urgency word."""
    if not text:
        return False
    if detect_urgency(text) is not None:
        return True
    rules = _load()
    folded = rules.lexicon.normalise(text)
    return rules.general is not None and bool(rules.general.search(folded))


def urgent_response_names(signal: UrgencySignal | Sequence[str] | None) -> list[str]:
    """The domain.yml responses for the urgent kinds, most urgent first, each once.

    Accepts an UrgencySignal, a list of kind names, or None (gives []). Unknown names are
    ignored.
    """
    if signal is None:
        return []
    wanted = set(signal.kinds if isinstance(signal, UrgencySignal) else signal)
    return [kind.response for kind in _load().kinds if kind.name in wanted]
