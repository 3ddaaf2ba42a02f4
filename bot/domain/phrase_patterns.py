"""Phrase patterns kept as data: text folding, sentence splitting and a small macro syntax.

Used by the crisis detector (:mod:`bot.domain.safety`, ``data/safety.yml``) and the urgency detector
(:mod:`bot.domain.urgency`, ``data/urgency.yml``). Pure regular expressions: no model, no network.

Text folding (:func:`fold`): lower case; accents removed ("suïcide" -> "suicide", Polish "ż"
-> "z", "ł" -> "l", Turkish "ı" -> "i", "ş" -> "s"); Arabic letters are kept, without
vowel marks and with the alef forms made one ("أموت" -> "اموت", "ى" -> "ي"); apostrophes
dropped ("m'n" -> "mn", "'s middags" -> "s middags"); every other non-letter becomes a
space; single spaces. Then the `spelling` table of the data file replaces whole words
(typos: "nie" -> "niet", "zelfmoort" -> "zelfmoord").

Pattern syntax (a Python regular expression on folded text, plus three macros):

- ``{NAAM}``  one word (or phrase) of the word group NAAM, e.g. ``{SLAAN}`` for
  "slaat", "sloeg", "geslagen", ...; word groups are lists in the data file.
- ``{NAAM*}`` zero to four words of group NAAM, each followed by a space. Used for
  fillers: ``ik {WIL} {BIJWOORD*}dood`` matches "ik wil echt gewoon dood".
- ``<a-b>``   between a and b arbitrary words: ``heeft me <0-3> geslagen`` matches
  "heeft me gisteren weer geslagen". Write it between spaces, as if it were a word.
- ``<a-b zelf>`` between a and b words that are not about someone else (no "hij", "zij",
  "mijn", "de", "dat", ...): ``ik <0-5 zelf> dood`` matches "ik wil echt dood" but not
  "ik denk dat mijn vader dood gaat".

A pattern may also be a LIST of patterns: all must occur in the same sentence, in any order
(``[ '{ZELF}', '(?:dood|sterven)' ]``).

Every pattern must start and end on a whole word: the compiler adds ``(?<!\\w)`` before
and ``(?!\\w)`` after it, so ``mes`` never matches inside "mesthoop"; end a pattern on
``\\w*`` to allow any ending ("zelfmoord\\w*").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

# Letters that Unicode does not decompose into a base letter plus an accent.
_FOLD = str.maketrans({
    "ł": "l", "ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d",
    "ى": "ي", "ـ": "",  # Arabic alef maksura as ya; tatweel (stretching) removed
})
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NON_WORD = re.compile(r"[\W_]+")
# Sentence ends: . ! ? ; : and new lines (Arabic ؟ ۔ too); an ellipsis is not an end.
_ELLIPSIS = re.compile(r"\.{2,}|…")
_SENTENCE_END = re.compile(r"[.!?;:\n\r\u061F\u06D4]+|\s[-–—]+\s")
_CLAUSE_END = re.compile(r"[,\u060C]")

_GROUP = re.compile(r"\{([A-Z_]+)(\*?)\}")
_GAP = re.compile(r" ?<(\d+)-(\d+)( zelf)?> ?")
# Words that point at someone or something else: not allowed in a <a-b zelf> gap.
_OTHER = (
    "hij|zij|ze|jij|je|jullie|u|hem|haar|hun|hen|mijn|zijn|die|dat|de|het|een|dit|deze|"
    "iemand|niemand|men|mensen|er"
)


def fold(text: str) -> str:
    """Lower case, accents and punctuation removed, Arabic letters kept; single spaces."""
    lowered = (text or "").lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped)
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def fold_letters(pattern: str) -> str:
    """The letter folding of :func:`fold` for a regular expression: accents, "ł", "ı" and
    the Arabic alef forms, without touching case, spaces or regex syntax (all ASCII)."""
    translated = pattern.translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", translated)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def sentences(text: str) -> list[str]:
    """The raw sentences of a message (split on . ! ? ; : and new lines), without empties."""
    cleaned = _ELLIPSIS.sub(" ", text or "")
    return [part for part in _SENTENCE_END.split(cleaned) if part and part.strip()]


def clauses(sentence: str) -> list[str]:
    """The parts of one raw sentence between commas."""
    return [part for part in _CLAUSE_END.split(sentence) if part.strip()]


class Lexicon:
    """Word groups and spelling fixes from a data file; compiles patterns that use them.

    ``groups`` maps a group NAME (capitals) to its words or phrases (any case, folded
    here); ``spelling`` maps a wrongly written word to the right one. Raises ValueError
    for an unknown group name, an empty group or a pattern that is not a valid regex.
    """

    def __init__(
        self,
        groups: Mapping[str, Sequence[str]] | None = None,
        spelling: Mapping[str, str] | None = None,
        source: str = "",
    ) -> None:
        self.source = source
        self._groups: dict[str, str] = {}
        for name, words in (groups or {}).items():
            folded = sorted({fold(str(w)) for w in words or [] if fold(str(w))}, key=len,
                            reverse=True)
            if not folded:
                raise ValueError(f"{source}: word group {name} is empty")
            self._groups[name] = "(?:" + "|".join(re.escape(w) for w in folded) + ")"
        self._spelling = {fold(str(k)): fold(str(v)) for k, v in (spelling or {}).items()}
        self._spelling_re = None
        if self._spelling:
            keys = sorted(self._spelling, key=len, reverse=True)
            self._spelling_re = re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)"
            )

    def normalise(self, text: str) -> str:
        """Folded text with the spelling table applied (whole words only)."""
        folded = fold(text)
        if self._spelling_re is None:
            return folded
        fixed = self._spelling_re.sub(lambda m: self._spelling[m.group(0)], folded)
        return " ".join(fixed.split())

    def expand(self, pattern: str) -> str:
        """The plain regular expression for a pattern with macros (see module docstring)."""

        def group(match: re.Match[str]) -> str:
            name, star = match.group(1), match.group(2)
            if name not in self._groups:
                raise ValueError(f"{self.source}: unknown word group {{{name}}} in {pattern!r}")
            alternatives = self._groups[name]
            return f"(?:{alternatives} ){{0,4}}" if star else alternatives

        def gap(match: re.Match[str]) -> str:
            low, high = int(match.group(1)), int(match.group(2))
            if match.group(3):
                return f" (?:(?!(?:{_OTHER})(?!\\w))\\w+ ){{{low},{high}}}"
            return f" (?:\\w+ ){{{low},{high}}}"

        return _GAP.sub(gap, _GROUP.sub(group, fold_letters(pattern)))

    def compile(self, pattern: str | Sequence[str]) -> re.Pattern[str]:
        """One pattern, compiled, bounded by whole words.

        A list of patterns means "all of these somewhere in the same text, in any order"
        (each part bounded by whole words): ``[ik, '(?:dood|sterven)']``.
        """
        if isinstance(pattern, (list, tuple)):
            if not pattern:
                raise ValueError(f"{self.source}: empty pattern list")
            parts = "".join(
                rf"(?=.*?(?<!\w)(?:{self.expand(str(p))})(?!\w))" for p in pattern
            )
            expanded = rf"^{parts}.*"
        else:
            expanded = self.expand(str(pattern))
        try:
            return re.compile(rf"(?<!\w)(?:{expanded})(?!\w)")
        except re.error as error:
            raise ValueError(f"{self.source}: invalid pattern {pattern!r}: {error}") from error

    def compile_any(self, patterns: Iterable[str | Sequence[str]]) -> re.Pattern[str] | None:
        """All patterns as one alternation (faster than one by one); None for no patterns."""
        compiled = [self.compile(p) for p in patterns or []]  # validates each one
        if not compiled:
            return None
        return re.compile("|".join(f"(?:{c.pattern})" for c in compiled))
