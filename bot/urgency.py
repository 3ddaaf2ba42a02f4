"""Is a resident's question urgent? A short keyword list in data/urgency.yml decides."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from bot.life_domains import normalise_text
from bot.paths import DATA_DIR

URGENCY_FILE = DATA_DIR / "urgency.yml"


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    words = yaml.safe_load(URGENCY_FILE.read_text(encoding="utf-8"))["woorden"]
    alternatives = "|".join(re.escape(normalise_text(word)) for word in words)
    return re.compile(rf"\b(?:{alternatives})\b")


def is_urgent(text: str) -> bool:
    """True when the text contains one of the urgency words."""
    return bool(text) and bool(_pattern().search(normalise_text(text)))
