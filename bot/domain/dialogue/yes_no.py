"""Read a typed answer to a yes/no question (consent, "zal ik vragen of ...").

Explicit words only: "ja", "is goed", "akkoord", "ja hoor", "doe maar", "nee dank u",
"liever niet", typing mistakes ("jaa", "neej"), a thumbs up (any skin tone). "?", "hmm",
"...", other emoji and questions are never consent. "weet ik niet" / "misschien" give
"onbekend". Word lists: data/answer_words.yml ("yes_no").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.dialogue.words import fold_any_script, folded_set, words
from bot.domain.vocabulary import JA as YES
from bot.domain.vocabulary import NEE as NO
from bot.domain.vocabulary import ONBEKEND as UNKNOWN

# Skin tones, variation selectors and joiners that may follow an emoji.
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d]")
_QUESTION_WORDS = frozenset({"wie", "wat", "waarom", "hoe", "waar", "wanneer", "welke", "hoeveel", "hoezo"})
# Words that take the answer back ("nee wacht, ik wil toch wel gebeld worden"): no yes/no.
_CHANGE_OF_MIND = re.compile(r"\b(?:wacht|bedenk|bedacht|alsnog)\b")
# A longer message counts only when it starts with the answer and stays this short.
_MAX_WORDS_WITH_EXTRA = 12


@dataclass(frozen=True)
class YesNoResult:
    value: str | None
    reason: str | None = None


@dataclass(frozen=True)
class _Lists:
    options: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    neutral: frozenset[str]
    typos: dict[str, str]
    yes_emoji: frozenset[str]


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    raw = words()["yes_no"]
    options = []
    neutral = folded_set(raw["neutral"])
    for option in (YES, NO, UNKNOWN):
        # Neutral words are dropped from phrases and messages alike: "nu even niet" = "nu niet".
        phrases = {tuple(w for w in fold_any_script(p).split() if w not in neutral) for p in raw[option]}
        phrases.discard(())
        options.append((option, tuple(sorted(phrases, key=len, reverse=True))))
    return _Lists(
        options=tuple(options),
        neutral=neutral,
        typos={fold_any_script(str(k)): fold_any_script(str(v)) for k, v in raw["typos"].items()},
        yes_emoji=frozenset(raw["yes_emoji"]),
    )


def _fix_word(word: str, lists: _Lists) -> str:
    if word in lists.typos:
        return lists.typos[word]
    squeezed = re.sub(r"(.)\1{2,}", r"\1\1", word)  # "jaaaa" -> "jaa", "neeee" -> "nee"
    if squeezed in lists.typos:
        return lists.typos[squeezed]
    return squeezed


def _emoji_answer(raw: str, lists: _Lists) -> str | None:
    """YES for a message of only thumbs-up emoji; "" for other emoji or symbols only."""
    plain = _EMOJI_MODIFIERS.sub("", raw)
    symbols = [ch for ch in plain if not ch.isspace() and unicodedata.category(ch) in ("So", "Sk", "Cn")]
    if not symbols:
        return None
    if all(ch in lists.yes_emoji for ch in symbols):
        return YES
    return ""


def read_yes_no(text: str) -> YesNoResult:
    """"ja", "nee" or "onbekend", or a reason: "empty", "unclear", "question", "ambiguous", "sentence"."""
    lists = _lists()
    raw = (text or "").strip()
    if not raw:
        return YesNoResult(None, "empty")
    all_words = [_fix_word(w, lists) for w in fold_any_script(raw).split()]
    emoji = _emoji_answer(raw, lists)
    if emoji is not None and not all_words:
        return YesNoResult(YES) if emoji == YES else YesNoResult(None, "unclear")
    if not all_words:
        return YesNoResult(None, "unclear")  # "?", "...", "!!"
    joined = " ".join(all_words)
    if len(all_words) > 1 and (
        _CHANGE_OF_MIND.search(joined)
        or (all_words[0] in ("nee", "neen", "no") and "toch wel" in joined)
        or (all_words[0] == "ja" and re.search(r"\btoch niet\b", joined))
    ):
        return YesNoResult(None, "ambiguous")
    folded_words = [w for w in all_words if w not in lists.neutral]
    if not folded_words:
        return YesNoResult(None, "unclear")  # "hoor", "dank u"
    found: list[tuple[int, str]] = []  # (position, option)
    covered = [False] * len(folded_words)
    position = 0
    while position < len(folded_words):
        best: tuple[int, str] | None = None
        for option, phrases in lists.options:
            for phrase in phrases:
                if tuple(folded_words[position : position + len(phrase)]) == phrase:
                    if best is None or len(phrase) > best[0]:
                        best = (len(phrase), option)
                    break
        if best is None:
            position += 1
            continue
        found.append((position, best[1]))
        for index in range(position, position + best[0]):
            covered[index] = True
        position += best[0]
    extra = [w for w, done in zip(folded_words, covered, strict=True) if not done]
    if any(w in _QUESTION_WORDS for w in extra):
        return YesNoResult(None, "question")
    options = {option for _, option in found}
    if emoji == YES:
        options.add(YES)
    if not options:
        return YesNoResult(None, "unclear")
    if len(options) > 1:
        return YesNoResult(None, "ambiguous")
    if extra and (not covered[0] or len(all_words) > _MAX_WORDS_WITH_EXTRA):
        return YesNoResult(None, "sentence")
    return YesNoResult(options.pop())
