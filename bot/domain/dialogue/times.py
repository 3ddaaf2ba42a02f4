"""Read a typed answer to "Wanneer kunnen we u het beste bereiken?".

Weekdays ("maandag", "ma-wo", "doordeweeks"), day parts ("'s middags", "morgenochtend",
"na schooltijd", "in de lunchpauze"), clock times ("na 5 uur", "tussen 9 en 12", "10:30")
and free text of a few words ("als mijn man slaapt") are kept as typed (trimmed, at most
200 characters). "Maakt niet uit", "wanneer u wilt", "altijd", "geen voorkeur" give the
canonical value ``NO_PREFERENCE``. A bare "ja", "nee", "ok" or "?" is not a time.
Word lists: data/answer_words.yml ("time").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.dialogue.words import fold_any_script, folded_set, phrase_pattern, words

# "9", "9 uur", "9u", "10:30", "17.00", "half 3", "kwart over 4" (normalised: no ":" or ".").
_CLOCK = re.compile(r"(?<!\d)(?:[01]?\d|2[0-4])(?:[:.h][0-5]\d)?\s*(?:uur|u|h)?(?!\d)")


@dataclass(frozen=True)
class TimeResult:
    value: str | None
    reason: str | None = None


@dataclass(frozen=True)
class _Lists:
    no_preference_value: str
    no_preference: re.Pattern[str]
    exact_words: frozenset[str]
    prefix_words: tuple[str, ...]
    not_times: frozenset[str]
    free_text_min_words: int
    max_length: int


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    raw = words()["time"]
    exact, prefixes = set(), []
    for word in raw["words"]:
        folded = fold_any_script(str(word).rstrip("*"))
        (prefixes.append(folded) if str(word).endswith("*") else exact.add(folded))
    return _Lists(
        no_preference_value=str(raw["no_preference_value"]),
        no_preference=phrase_pattern(raw["no_preference"]),
        exact_words=frozenset(exact),
        prefix_words=tuple(prefixes),
        not_times=folded_set(raw["not_times"]),
        free_text_min_words=int(raw["free_text_min_words"]),
        max_length=int(raw["max_length"]),
    )


NO_PREFERENCE = "geen voorkeur"


def _is_time_word(word: str, lists: _Lists) -> bool:
    return word in lists.exact_words or any(word.startswith(p) for p in lists.prefix_words)


def _near_time_word(word: str, lists: _Lists) -> bool:
    """A typo of a time word ("ochtent", "dinsdg"): one edit away, for words of 5 letters or more."""
    from rapidfuzz.distance import Levenshtein

    if len(word) < 5 or not word.isalpha():
        return False
    known = [w for w in (*lists.exact_words, *lists.prefix_words) if len(w) >= 5]
    return any(Levenshtein.distance(word[: len(stem) + 1], stem, score_cutoff=1) <= 1 for stem in known)


def has_time_words(text: str) -> bool:
    """True when ``text`` names a moment: a weekday, day part, clock time or period word."""
    lists = _lists()
    raw = text or ""
    folded = fold_any_script(raw)
    if any(_is_time_word(word, lists) for word in folded.split()):
        return True
    # Clock times on the raw text, so "10:30" and "17.00" keep their separator.
    return bool(_CLOCK.search(raw)) and not re.search(r"\d{5,}", raw.replace(" ", ""))


def read_time(text: str) -> TimeResult:
    """The preferred time as typed, ``NO_PREFERENCE``, or a reason it is not a time.

    Reasons: "empty", "unclear" (a bare "ja", "ok", "?", a name), "digits" (a phone number).
    Questions, skip words and contact details are handled by the caller.
    """
    lists = _lists()
    raw = (text or "").strip()
    folded = fold_any_script(raw)
    if not raw:
        return TimeResult(None, "empty")
    if not folded:
        return TimeResult(None, "unclear")
    if re.search(r"\d{6,}", re.sub(r"[\s\-]", "", raw)):
        return TimeResult(None, "digits")
    if folded in lists.not_times:
        return TimeResult(None, "unclear")
    timed = has_time_words(raw)
    if lists.no_preference.search(folded):
        remainder = lists.no_preference.sub(" ", folded).split()
        if not any(_is_time_word(w, lists) for w in remainder) and not _CLOCK.search(" ".join(remainder)):
            return TimeResult(lists.no_preference_value)
    if timed or any(_near_time_word(word, lists) for word in folded.split()):
        return TimeResult(raw[: lists.max_length].strip())
    from bot.domain.dialogue.yes_no import UNKNOWN, read_yes_no  # a longer yes/no answer is still no time

    answer = read_yes_no(raw).value
    if answer == UNKNOWN:  # "dat weet ik nog niet": no preference
        return TimeResult(lists.no_preference_value)
    if answer is None and len(folded.split()) >= lists.free_text_min_words:
        return TimeResult(raw[: lists.max_length].strip())
    return TimeResult(None, "unclear")
