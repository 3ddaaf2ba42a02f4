"""Word lists for the answer readers (data/answer_words.yml) and small text helpers.

Comparisons use ``bot.domain.text.normalise_text`` (lower case, accents removed, apostrophes
dropped, other punctuation as spaces) or, where text in other scripts must survive (names),
``fold_any_script``, which folds plain ASCII text the same way.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from bot.domain.text import normalise_text
from bot.paths import DATA_DIR

ANSWER_WORDS_FILE = DATA_DIR / "answer_words.yml"

__all__ = [
    "ANSWER_WORDS_FILE",
    "dutch_stop_words",
    "fold_any_script",
    "folded_set",
    "has_letters",
    "normalise_text",
    "normalised_set",
    "phrase_pattern",
    "words",
]


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    """The parsed data/answer_words.yml."""
    with ANSWER_WORDS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def dutch_stop_words() -> frozenset[str]:
    """spaCy's Dutch stop words (``spacy.lang.nl.stop_words.STOP_WORDS``), normalised.

    The module file is read directly, so spaCy (and the TensorFlow it may pull in) is not
    imported: these helpers stay fast in plain unit tests. Empty when spaCy is missing.
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / "nl" / "stop_words.py"
    if not path.exists():
        return frozenset()
    module_spec = importlib.util.spec_from_file_location("_oco_nl_stop_words", path)
    if module_spec is None or module_spec.loader is None:
        return frozenset()
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(normalise_text(word) for word in module.STOP_WORDS if normalise_text(word))


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of ``phrases`` as whole words in normalised text, longest first."""
    return _phrase_pattern(tuple(phrases))


@lru_cache(maxsize=256)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    normalised = sorted({normalise_text(p) for p in phrases if normalise_text(p)}, key=len, reverse=True)
    if not normalised:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in normalised) + r")(?!\w)")


def normalised_set(values: Iterable[Any]) -> frozenset[str]:
    """``normalise_text`` of each value (empty ones left out)."""
    return frozenset(normalise_text(str(v)) for v in values if normalise_text(str(v)))


_APOSTROPHES = re.compile(r"['’‘`´]")
# Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN_EXTRA = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ß": "ss", "æ": "ae", "œ": "oe"})
_NOT_A_LETTER = re.compile(r"[\W_]+", re.UNICODE)


def fold_any_script(text: str) -> str:
    """Like ``normalise_text`` but keeps letters of every script ("Олена" -> "олена") and spells
    Latin letters without a decomposition plainly ("Małgorzata" -> "malgorzata", "adım" ->
    "adim"); plain ASCII text folds exactly as ``normalise_text`` does."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower().translate(_LATIN_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped.lower())
    return " ".join(_NOT_A_LETTER.sub(" ", stripped).split())


def has_letters(text: str) -> bool:
    """True when ``text`` holds a letter or digit of any script (not only emoji or punctuation)."""
    return any(ch.isalnum() for ch in text or "")


def folded_set(values: Iterable[Any]) -> frozenset[str]:
    """``fold_any_script`` of each value (empty ones left out)."""
    return frozenset(fold_any_script(str(v)) for v in values if fold_any_script(str(v)))
