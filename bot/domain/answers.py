"""Understand a typed answer to a button question (keywords in data/answers.yml)."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from bot.domain.text import normalise_text
from bot.paths import DATA_DIR

ANSWERS_FILE = DATA_DIR / "answers.yml"


@lru_cache(maxsize=1)
def _options() -> dict[str, dict[str, re.Pattern[str]]]:
    raw = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))
    compiled: dict[str, dict[str, re.Pattern[str]]] = {}
    for question, options in raw.items():
        if question == "schema_version":
            continue
        compiled[question] = {
            option: re.compile(
                # Longest phrases first: at one position the regex takes the first alternative.
                r"(?<!\w)(?:"
                + "|".join(re.escape(normalise_text(word)) for word in sorted(words, key=len, reverse=True))
                + r")(?!\w)"
            )
            for option, words in options.items()
        }
    return compiled


def interpret(question: str, text: str) -> str | None:
    """The option of ``question`` that ``text`` names, or None (nothing, or a tie).

    The option with the longest matching phrase wins, so "klopt niet" means no.
    """
    folded = normalise_text(text or "")
    if not folded:
        return None
    best: dict[str, int] = {}
    for option, pattern in _options()[question].items():
        lengths = [len(match.group(0)) for match in pattern.finditer(folded)]
        if lengths:
            best[option] = max(lengths)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def options(question: str) -> list[str]:
    return list(_options()[question])
