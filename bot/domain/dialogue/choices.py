"""Read a typed answer to a question asked with buttons (contact_preference, intake_decision, ...).

Matched, in this order: a button payload ('/inform{"contact_preference": "email"}'), the
option key itself ("telefoon"), a number or ordinal against the options in the order the
buttons were shown ("1", "de eerste", "nummer 2", "de laatste"), then the option's title
words and synonyms in data/answers.yml (through ``bot.domain.answers.interpret``). Questions whose
buttons are yes / no / weet ik niet (``question_aliases`` in data/answer_words.yml) fall back
to the yes/no reader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from bot.domain.answers import interpret
from bot.domain.answers import options as answer_options
from bot.domain.dialogue.words import normalise_text, normalised_set, words

_PAYLOAD = re.compile(r"^\s*/(?P<intent>[\w-]+)\s*(?P<entities>\{.*\})?\s*$", re.DOTALL)
_INTENT_VALUES = {"affirm": "ja", "deny": "nee"}


@dataclass(frozen=True)
class ChoiceResult:
    value: str | None
    reason: str | None = None


@dataclass(frozen=True)
class _Lists:
    aliases: dict[str, str]
    ordinals: tuple[tuple[int, tuple[str, ...]], ...]
    fillers: frozenset[str]


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    raw = words()["choice"]
    ordinals = []
    for number, phrases in raw["ordinals"].items():
        ordinals.append((int(number), tuple(normalise_text(str(p)) for p in phrases)))
    return _Lists(
        aliases={str(k): str(v) for k, v in raw["question_aliases"].items()},
        ordinals=tuple(ordinals),
        fillers=normalised_set(raw["ordinal_fillers"]),
    )


def question_options(question: str) -> list[str]:
    """The option keys of ``question`` in data/answers.yml (through the aliases)."""
    return answer_options(_lists().aliases.get(question, question))  # KeyError: unknown question


def _from_payload(text: str, allowed: Sequence[str]) -> str | None:
    match = _PAYLOAD.match(text)
    if not match:
        return None
    if match.group("entities"):
        try:
            entities = json.loads(match.group("entities"))
        except ValueError:
            return None
        if isinstance(entities, dict):
            for value in entities.values():
                if isinstance(value, str) and value in allowed:
                    return value
        return None
    value = _INTENT_VALUES.get(match.group("intent"))
    return value if value in allowed else None


def _ordinal(folded: str, shown: Sequence[str]) -> str | None:
    """The option a number or ordinal points at ("2", "de tweede", "nummer 2", "de laatste")."""
    lists = _lists()
    if not shown:
        return None
    rest = folded
    chosen: int | None = None
    for number, phrases in lists.ordinals:
        for phrase in sorted(phrases, key=len, reverse=True):
            pattern = re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)")
            if pattern.search(rest):
                if chosen is not None and chosen != number:
                    return None
                chosen = number
                rest = pattern.sub(" ", rest)
                break
    if chosen is None:
        digits = re.fullmatch(r"(?:\D*?)\b([1-9])\b(?:\D*)", folded)
        if digits:
            chosen = int(digits.group(1))
            rest = re.sub(r"\b[1-9]\b", " ", folded)
    if chosen is None or any(word not in lists.fillers for word in rest.split()):
        return None
    index = len(shown) - 1 if chosen == -1 else chosen - 1
    return shown[index] if 0 <= index < len(shown) else None


# A typing mistake in a longer word ("telefonish", "whatsap", "versturn") still picks its option.
TYPO_MIN_LENGTH = 5
TYPO_TWO_EDITS_MIN_LENGTH = 9


@lru_cache(maxsize=32)
def _synonym_words(key: str) -> dict[str, frozenset[str]]:
    """Single-word synonyms of each option of ``key`` in data/answers.yml (normalised)."""
    import yaml

    from bot.domain.answers import ANSWERS_FILE

    raw = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))[key]
    return {
        option: frozenset(n for n in (normalise_text(str(w)) for w in synonyms) if n and " " not in n)
        for option, synonyms in raw.items()
    }


def _typo_match(key: str, folded: str) -> str | None:
    """The one option whose single-word synonym is within one typing mistake of a typed word."""
    from rapidfuzz.distance import OSA  # Levenshtein with swapped letters as one mistake

    found = set()
    for word in folded.split():
        if len(word) < TYPO_MIN_LENGTH:
            continue
        limit = 2 if len(word) >= TYPO_TWO_EDITS_MIN_LENGTH else 1
        for option, synonyms in _synonym_words(key).items():
            if any(
                len(s) >= TYPO_MIN_LENGTH and OSA.distance(word, s, score_cutoff=limit) <= limit
                for s in synonyms
            ):
                found.add(option)
    return found.pop() if len(found) == 1 else None


def read_choice(text: str, question: str, options: Sequence[str] | None = None) -> ChoiceResult:
    """The option key for ``question`` that ``text`` chooses, or a reason.

    ``options``: the option keys in the order the buttons were shown (for "1", "de laatste");
    when given, only these keys can be the answer. Reasons: "empty", "no_match",
    "not_offered" (an option that was not on the buttons).
    """
    raw = (text or "").strip()
    if not raw:
        return ChoiceResult(None, "empty")
    key = _lists().aliases.get(question, question)
    try:
        all_options = answer_options(key)
    except KeyError:  # a question without synonyms in data/answers.yml: only keys and numbers
        key, all_options = "", list(options or [])
    allowed = list(options) if options else all_options
    value = _from_payload(raw, allowed)
    if value:
        return ChoiceResult(value)
    folded = normalise_text(raw)
    if not folded:
        return ChoiceResult(None, "no_match")
    if folded in allowed:
        return ChoiceResult(folded)
    value = _ordinal(folded, list(options) if options else [])
    if value:
        return ChoiceResult(value)
    from bot.domain.dialogue.yes_no import read_yes_no

    if key != "yes_no" and "onbekend" not in allowed and read_yes_no(raw).value == "onbekend":
        # "not sure", "ik weet niet of het klopt": doubt is no option ("sure", "klopt" inside it are no answer).
        return ChoiceResult(None, "no_match")
    value = interpret(key, raw) if key else None
    if value is None and key:
        value = _typo_match(key, folded)
    if value is None and key == "yes_no":
        value = read_yes_no(raw).value
    if value is None:
        return ChoiceResult(None, "no_match")
    if value not in allowed:
        return ChoiceResult(None, "not_offered")
    return ChoiceResult(value)
