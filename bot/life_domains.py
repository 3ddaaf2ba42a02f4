"""Life-domain (levensgebied) detection from a resident's own words.

The keywords live in data/life_domains.yml (syntax explained there). Text and keywords are
normalised the same way (lower case, no accents, punctuation to spaces) and compared word by
word, so "Schulden!", "schuld" and "rekeningen" all work; long words also match with one typo.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import yaml
from rapidfuzz.distance import Levenshtein

from bot.paths import DATA_DIR

LIFE_DOMAINS_FILE = DATA_DIR / "life_domains.yml"
# Only words this long (keyword core and text word) are matched with one typo.
FUZZY_MIN_KEYWORD = 7
FUZZY_MIN_WORD = 6

_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_text(text: str) -> str:
    """Lower case, accents removed, apostrophes dropped, other punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub("", stripped.lower())
    return " ".join(_NON_WORD.sub(" ", stripped).split())


def tokenise(text: str) -> list[str]:
    return normalise_text(text).split()


@dataclass(frozen=True)
class _Term:
    """One word of a keyword pattern."""

    core: str
    prefix: bool = False  # "woord*"
    suffix: bool = False  # "*woord"
    wildcard: bool = False  # "?"

    @classmethod
    def parse(cls, raw: str) -> _Term:
        if raw == "?":
            return cls(core="", wildcard=True)
        starts, ends = raw.startswith("*"), raw.endswith("*")
        core = normalise_text(raw.strip("*"))
        if not core or " " in core:
            raise ValueError(f"invalid keyword word {raw!r}")
        return cls(core=core, prefix=ends, suffix=starts)

    def matches(self, word: str, fuzzy: bool = True) -> bool:
        if self.wildcard:
            return True
        core = self.core
        if self.prefix and self.suffix:
            return core in word
        if self.prefix:
            if word.startswith(core):
                return True
        elif self.suffix:
            return word.endswith(core)
        elif word == core:
            return True
        if not fuzzy or len(core) < FUZZY_MIN_KEYWORD or len(word) < FUZZY_MIN_WORD:
            return False
        if self.prefix:
            lengths = range(len(core) - 1, len(core) + 2)
            return any(Levenshtein.distance(core, word[:n], score_cutoff=1) <= 1 for n in lengths)
        return Levenshtein.distance(core, word, score_cutoff=1) <= 1


@dataclass(frozen=True)
class Pattern:
    """A keyword or phrase: a sequence of terms."""

    source: str
    terms: tuple[_Term, ...]

    @classmethod
    def parse(cls, source: str) -> Pattern:
        # Split on spaces and punctuation but keep the "*" and "?" markers.
        raw_words = [w for w in re.split(r"[^\w*?]+", source.lower()) if w]
        terms: list[_Term] = []
        for raw in raw_words:
            if raw in {"?", "*"} or raw.strip("*?"):
                terms.append(_Term.parse(raw if raw != "*" else "?"))
        if not terms or all(t.wildcard for t in terms):
            raise ValueError(f"invalid keyword {source!r}")
        return cls(source=source, terms=tuple(terms))

    def spans(self, words: list[str | None], fuzzy: bool = True) -> list[tuple[int, int]]:
        """All (start, end) word spans where the pattern matches; None words never match."""
        size = len(self.terms)
        found = []
        for start in range(len(words) - size + 1):
            window = words[start : start + size]
            pairs = zip(self.terms, window, strict=True)
            if all(w is not None and t.matches(w, fuzzy) for t, w in pairs):
                found.append((start, start + size))
        return found


def find_spans(patterns: list[Pattern], words: list[str | None], fuzzy: bool = True):
    """(pattern, span) pairs for every match of any pattern."""
    return [(p, span) for p in patterns for span in p.spans(words, fuzzy)]


def mask(words: list[str | None], patterns: list[Pattern]) -> list[str | None]:
    """The words with every match of `patterns` replaced by None (exact matching only)."""
    masked = list(words)
    for _pattern, (start, end) in find_spans(patterns, words, fuzzy=False):
        for i in range(start, end):
            masked[i] = None
    return masked


@dataclass(frozen=True)
class LifeDomain:
    value: str
    label: str
    keywords: tuple[Pattern, ...]
    exceptions: tuple[Pattern, ...]


@lru_cache(maxsize=1)
def load_life_domains() -> tuple[LifeDomain, ...]:
    """The domains in data/life_domains.yml, in file order."""
    with LIFE_DOMAINS_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    domains = []
    for entry in raw["levensgebieden"]:
        domains.append(
            LifeDomain(
                value=entry["waarde"],
                label=entry["label"],
                keywords=tuple(Pattern.parse(k) for k in entry.get("trefwoorden", [])),
                exceptions=tuple(Pattern.parse(k) for k in entry.get("uitzonderingen", [])),
            )
        )
    values = [d.value for d in domains]
    if len(set(values)) != len(values):
        raise ValueError(f"{LIFE_DOMAINS_FILE}: duplicate life domain")
    return tuple(domains)


LIFE_DOMAINS: list[str] = [d.value for d in load_life_domains()]


def life_domain_label(value: str) -> str:
    """The Dutch button label of a canonical life domain; KeyError for an unknown value."""
    for domain in load_life_domains():
        if domain.value == value:
            return domain.label
    raise KeyError(value)


def detect_life_domains(text: str) -> list[str]:
    """Canonical life domains mentioned in `text`, in the fixed order of LIFE_DOMAINS."""
    words: list[str | None] = list(tokenise(text))
    if not words:
        return []
    found = []
    for domain in load_life_domains():
        candidate = mask(words, list(domain.exceptions)) if domain.exceptions else words
        if any(p.spans(candidate) for p in domain.keywords):
            found.append(domain.value)
    return found
