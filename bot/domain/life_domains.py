"""Life-domain (levensgebied) detection from a resident's own words.

The keywords and the context rules live in data/life_domains.yml (syntax explained there).
Text and keywords are normalised the same way (``bot.domain.text.normalise_text``: lower case, no
accents, punctuation to spaces) and compared word by word, so "Schulden!", "schuld" and
"rekeningen" all work; long words also match with one typo.

Detection runs in two steps:

1. keywords: every domain whose keywords occur (minus its exceptions) is found;
2. context rules, in file order: a rule whose conditions hold adds a domain ("my wife has MS
   and I do everything" is mantelzorg) or drops one when it was only found through words
   that do not count in that context (working full time next to caring for a parent is
   mantelzorg, not a question about work).

Public API: ``detect_life_domains(text) -> list[str]`` (canonical values, docs/contract.md §5, in
file order), ``find_life_domain_spans(text) -> list[DomainSpan]`` (the same values with the
character span of the words that gave them away), ``life_domain_values()``,
``life_domain_label(value)``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.domain.text import normalise_text, tokenise
from bot.paths import DATA_DIR

LIFE_DOMAINS_FILE = DATA_DIR / "life_domains.yml"
# Only words this long (keyword core and text word) are matched with one typo.
FUZZY_MIN_KEYWORD = 7
FUZZY_MIN_WORD = 6

# A word of the original text: letters/digits, apostrophes inside ("m'n", "zzp'er") allowed.
_WORD = re.compile(r"[^\W_]+(?:['’‘`´][^\W_]+)*")


def _words_with_offsets(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Normalised words and, for each, the (start, end) character span in `text`."""
    words: list[str] = []
    offsets: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        for word in normalise_text(match.group()).split():
            words.append(word)
            offsets.append(match.span())
    return words, offsets


@dataclass(frozen=True)
class _Term:
    """One word of a keyword pattern."""

    core: str
    prefix: bool = False  # "woord*"
    suffix: bool = False  # "*woord"
    wildcard: bool = False  # "?"
    alternatives: tuple[str, ...] = ()  # "mijn|me|mn"
    exact_only: bool = False  # "=woord": never with a typo

    @classmethod
    def parse(cls, raw: str) -> _Term:
        if raw == "?":
            return cls(core="", wildcard=True)
        if raw.startswith("=") and len(raw) > 1:
            term = cls.parse(raw[1:])
            return cls(term.core, term.prefix, term.suffix, term.wildcard, term.alternatives, exact_only=True)
        if "|" in raw:
            options = tuple(normalise_text(option) for option in raw.split("|"))
            if not all(options) or any(" " in option or "*" in option for option in options):
                raise ValueError(f"invalid keyword alternatives {raw!r}")
            return cls(core=options[0], alternatives=options)
        starts, ends = raw.startswith("*"), raw.endswith("*")
        core = normalise_text(raw.strip("*"))
        if not core or " " in core:
            raise ValueError(f"invalid keyword word {raw!r}")
        return cls(core=core, prefix=ends, suffix=starts)

    def matches(self, word: str, fuzzy: bool = True) -> bool:
        if self.wildcard:
            return True
        if self.alternatives:
            return word in self.alternatives
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
        if not fuzzy or self.exact_only or len(core) < FUZZY_MIN_KEYWORD or len(word) < FUZZY_MIN_WORD:
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
        # Split on spaces and punctuation but keep the "*", "?" and "|" markers.
        raw_words = [w for w in re.split(r"[^\w*?|=]+", source.lower()) if w]
        terms: list[_Term] = []
        for raw in raw_words:
            if raw in {"?", "*"} or raw.strip("*?|="):
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


def find_spans(patterns: list[Pattern] | tuple[Pattern, ...], words: list[str | None], fuzzy: bool = True):
    """(pattern, span) pairs for every match of any pattern."""
    return [(p, span) for p in patterns for span in p.spans(words, fuzzy)]


def mask(words: list[str | None], patterns: list[Pattern] | tuple[Pattern, ...]) -> list[str | None]:
    """The words with every match of `patterns` replaced by None (exact matching only)."""
    masked = list(words)
    for _pattern, (start, end) in find_spans(patterns, words, fuzzy=False):
        for i in range(start, end):
            masked[i] = None
    return masked


def first_span(patterns: tuple[Pattern, ...], words: list[str | None]) -> tuple[int, int] | None:
    """The earliest (start, end) word span where any of `patterns` matches, or None."""
    spans = [span for _pattern, span in find_spans(patterns, words)]
    return min(spans) if spans else None


class _TermIndex:
    """Which terms a word matches, found through dictionaries instead of trying every term.

    Gives the same answers as ``_Term.matches`` (exact, "woord*", "*woord", "*woord*",
    alternatives, one typo for long words) for all terms of the lexicon at once.
    """

    def __init__(self, terms: list[_Term]) -> None:
        self.ids: dict[_Term, int] = {}
        self.exact: dict[str, set[int]] = defaultdict(set)
        self.prefix: dict[str, set[int]] = defaultdict(set)
        self.suffix: dict[str, set[int]] = defaultdict(set)
        self.infix: list[tuple[str, int]] = []
        self.fuzzy_whole: dict[int, list[tuple[str, int]]] = defaultdict(list)
        self.fuzzy_prefix: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for term in terms:
            if term in self.ids or term.wildcard:
                continue
            tid = self.ids[term] = len(self.ids)
            if term.alternatives:
                for option in term.alternatives:
                    self.exact[option].add(tid)
            elif term.prefix and term.suffix:
                self.infix.append((term.core, tid))
            elif term.suffix:
                self.suffix[term.core].add(tid)
            elif term.prefix:
                self.prefix[term.core].add(tid)
                if len(term.core) >= FUZZY_MIN_KEYWORD and not term.exact_only:
                    self.fuzzy_prefix[len(term.core)].append((term.core, tid))
            else:
                self.exact[term.core].add(tid)
                if len(term.core) >= FUZZY_MIN_KEYWORD and not term.exact_only:
                    self.fuzzy_whole[len(term.core)].append((term.core, tid))

    @lru_cache(maxsize=8192)  # noqa: B019 - one index for the life of the process
    def lookup(self, word: str) -> tuple[frozenset[int], frozenset[int]]:
        """(ids matched exactly, ids matched allowing one typo) for `word`."""
        found: set[int] = set(self.exact.get(word, ()))
        for end in range(1, len(word) + 1):
            found |= self.prefix.get(word[:end], set())
        for start in range(len(word)):
            found |= self.suffix.get(word[start:], set())
        found |= {tid for core, tid in self.infix if core in word}
        exact = frozenset(found)
        if len(word) < FUZZY_MIN_WORD:
            return exact, exact
        fuzzy = set(found)
        for length in range(len(word) - 1, len(word) + 2):
            fuzzy |= self._close(word, self.fuzzy_whole.get(length))
        for length, entries in self.fuzzy_prefix.items():
            for n in range(length - 1, length + 2):
                if n <= len(word):
                    fuzzy |= self._close(word[:n], entries)
        return exact, frozenset(fuzzy)

    @staticmethod
    def _close(word: str, entries: list[tuple[str, int]] | None) -> set[int]:
        if not entries:
            return set()
        cores = [core for core, _tid in entries]
        hits = process.extract(word, cores, scorer=Levenshtein.distance, score_cutoff=1, limit=None)
        return {entries[index][1] for _core, _score, index in hits}


class _Words:
    """The words of a text with the term ids each matches; masked words match nothing."""

    def __init__(self, index: _TermIndex, words: list[str | None]) -> None:
        self.index = index
        self.matches: list[tuple[frozenset[int], frozenset[int]] | None] = [
            index.lookup(word) if word is not None else None for word in words
        ]

    def masked(self, positions: set[int]) -> _Words:
        copy = object.__new__(_Words)
        copy.index = self.index
        copy.matches = [None if i in positions else m for i, m in enumerate(self.matches)]
        return copy


class PatternSet:
    """A group of patterns, indexed by their first term, matched against _Words."""

    def __init__(self, patterns: tuple[Pattern, ...], index: _TermIndex) -> None:
        self.patterns = patterns
        self.index = index
        self.by_first: dict[int, list[tuple[int | None, ...]]] = defaultdict(list)
        self.wild_first: list[tuple[int | None, ...]] = []
        for pattern in patterns:
            ids = tuple(None if t.wildcard else index.ids[t] for t in pattern.terms)
            if ids[0] is None:
                self.wild_first.append(ids)
            else:
                self.by_first[ids[0]].append(ids)

    def spans(self, words: _Words, fuzzy: bool = True) -> list[tuple[int, int]]:
        """All (start, end) word spans where one of the patterns matches, in text order."""
        slot = 1 if fuzzy else 0
        found = []
        matches = words.matches
        for start, first in enumerate(matches):
            if first is None:
                continue
            candidates = [ids for tid in first[slot] for ids in self.by_first.get(tid, ())]
            candidates += self.wild_first
            for ids in candidates:
                end = start + len(ids)
                if end > len(matches):
                    continue
                if all(
                    matches[start + i] is not None and (tid is None or tid in matches[start + i][slot])
                    for i, tid in enumerate(ids)
                ):
                    found.append((start, end))
        return found

    def first_span(self, words: _Words) -> tuple[int, int] | None:
        spans = self.spans(words)
        return min(spans) if spans else None

    def mask(self, words: _Words) -> _Words:
        """The words with every exact match of these patterns masked."""
        if not self.patterns:
            return words
        positions = {i for start, end in self.spans(words, fuzzy=False) for i in range(start, end)}
        return words.masked(positions) if positions else words


@dataclass(frozen=True)
class LifeDomain:
    value: str
    label: str
    keywords: tuple[Pattern, ...]
    exceptions: tuple[Pattern, ...]

    def span(self, words: list[str | None], extra_exceptions: tuple[Pattern, ...] = ()) -> tuple[int, int] | None:
        """Where a keyword of this domain occurs (ignoring its exceptions), or None."""
        exceptions = self.exceptions + extra_exceptions
        candidate = mask(words, exceptions) if exceptions else words
        return first_span(self.keywords, candidate)


@dataclass
class _CompiledDomain:
    value: str
    keywords: PatternSet
    exceptions: PatternSet

    def span(self, words: _Words, extra: PatternSet | None = None) -> tuple[int, int] | None:
        candidate = self.exceptions.mask(words)
        if extra is not None:
            candidate = extra.mask(candidate)
        return self.keywords.first_span(candidate)


@dataclass(frozen=True)
class ContextRule:
    """A rule of `contextregels` in data/life_domains.yml (see the comments there).

    The rule holds when one of `if_found` was found (or `if_found` is empty), none of
    `unless_found` was, every group of `all_of` occurs in the text and none of `none_of`.
    Then `add` is found too, `drop` is dropped, and `domain` is dropped when its keywords only
    occur inside the phrases `ignore`.
    """

    explanation: str
    if_found: tuple[str, ...] = ()
    unless_found: tuple[str, ...] = ()
    all_of: tuple[tuple[Pattern, ...], ...] = ()
    none_of: tuple[Pattern, ...] = ()
    add: str | None = None
    drop: str | None = None
    domain: str | None = None
    ignore: tuple[Pattern, ...] = ()

    def holds(self, found: dict[str, tuple[int, int]], words: list[str | None]) -> tuple[int, int] | None:
        """The span of the words that made the rule hold, or None when it does not hold."""
        if self.if_found and not any(value in found for value in self.if_found):
            return None
        if any(value in found for value in self.unless_found):
            return None
        if self.none_of and first_span(self.none_of, words):
            return None
        spans = []
        for group in self.all_of:
            span = first_span(group, words)
            if span is None:
                return None
            spans.append(span)
        if spans:
            return min(spans)
        return min(found[value] for value in self.if_found if value in found) if self.if_found else (0, 0)


@dataclass
class _CompiledRule:
    rule: ContextRule
    all_of: list[PatternSet]
    none_of: PatternSet
    ignore: PatternSet

    def holds(self, found: dict[str, tuple[int, int]], words: _Words) -> tuple[int, int] | None:
        rule = self.rule
        if rule.if_found and not any(value in found for value in rule.if_found):
            return None
        if any(value in found for value in rule.unless_found):
            return None
        if self.none_of.patterns and self.none_of.first_span(words):
            return None
        spans = []
        for group in self.all_of:
            span = group.first_span(words)
            if span is None:
                return None
            spans.append(span)
        if spans:
            return min(spans)
        return min(found[value] for value in rule.if_found if value in found)


@dataclass(frozen=True)
class Lexicon:
    domains: tuple[LifeDomain, ...]
    rules: tuple[ContextRule, ...]

    @property
    def compiled(self) -> tuple[_TermIndex, list[_CompiledDomain], list[_CompiledRule]]:
        return _compile(self)


@lru_cache(maxsize=4)
def _compile(lexicon: Lexicon) -> tuple[_TermIndex, list[_CompiledDomain], list[_CompiledRule]]:
    """The lexicon's patterns indexed for fast matching (built once per lexicon)."""
    patterns: list[Pattern] = []
    for domain in lexicon.domains:
        patterns += [*domain.keywords, *domain.exceptions]
    for rule in lexicon.rules:
        patterns += [*(p for group in rule.all_of for p in group), *rule.none_of, *rule.ignore]
    index = _TermIndex([t for p in patterns for t in p.terms])
    domains = [
        _CompiledDomain(d.value, PatternSet(d.keywords, index), PatternSet(d.exceptions, index))
        for d in lexicon.domains
    ]
    rules = [
        _CompiledRule(
            rule=r,
            all_of=[PatternSet(group, index) for group in r.all_of],
            none_of=PatternSet(r.none_of, index),
            ignore=PatternSet(r.ignore, index),
        )
        for r in lexicon.rules
    ]
    return index, domains, rules


def _patterns(raw: list[str] | None, groups: dict[str, tuple[Pattern, ...]], where: str) -> tuple[Pattern, ...]:
    """Patterns from a list of keyword strings; "@name" inserts the word group `name`."""
    patterns: list[Pattern] = []
    for item in raw or []:
        if not isinstance(item, str):
            raise ValueError(f"{where}: keywords must be strings, not {item!r}")
        if item.startswith("@"):
            if item[1:] not in groups:
                raise ValueError(f"{where}: unknown word group {item!r}")
            patterns.extend(groups[item[1:]])
        else:
            patterns.append(Pattern.parse(item))
    return tuple(patterns)


def _rule(entry: dict[str, Any], groups: dict[str, tuple[Pattern, ...]], values: set[str]) -> ContextRule:
    where = f"{LIFE_DOMAINS_FILE.name}: contextregel {entry.get('uitleg', '?')!r}"
    all_of = []
    for group in entry.get("alle", []) or []:
        all_of.append(_patterns([group] if isinstance(group, str) else group, groups, where))
    ignore = entry.get("negeer") or {}
    rule = ContextRule(
        explanation=str(entry.get("uitleg", "")),
        if_found=tuple(entry.get("als_gevonden", []) or []),
        unless_found=tuple(entry.get("niet_als_gevonden", []) or []),
        all_of=tuple(all_of),
        none_of=_patterns(entry.get("geen"), groups, where),
        add=entry.get("voeg_toe"),
        drop=entry.get("verwijder"),
        domain=ignore.get("domein"),
        ignore=_patterns(ignore.get("woorden"), groups, where),
    )
    named = [*rule.if_found, *rule.unless_found, rule.add, rule.drop, rule.domain]
    unknown = [value for value in named if value is not None and value not in values]
    if unknown:
        raise ValueError(f"{where}: unknown life domain(s) {unknown}")
    if not (rule.add or rule.drop or rule.domain):
        raise ValueError(f"{where}: the rule does nothing (voeg_toe, verwijder or negeer)")
    if not (rule.if_found or rule.all_of):
        raise ValueError(f"{where}: the rule has no condition (als_gevonden or alle)")
    return rule


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The domains and context rules of data/life_domains.yml; ValueError when it is invalid."""
    with LIFE_DOMAINS_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    groups: dict[str, tuple[Pattern, ...]] = {}
    for name, keywords in (raw.get("woordgroepen") or {}).items():
        groups[name] = _patterns(keywords, groups, f"{LIFE_DOMAINS_FILE.name}: woordgroep {name}")
    domains = []
    for entry in raw["levensgebieden"]:
        where = f"{LIFE_DOMAINS_FILE.name}: {entry['waarde']}"
        domains.append(
            LifeDomain(
                value=entry["waarde"],
                label=entry["label"],
                keywords=_patterns(entry.get("trefwoorden"), groups, where),
                exceptions=_patterns(entry.get("uitzonderingen"), groups, where),
            )
        )
    values = [d.value for d in domains]
    if len(set(values)) != len(values):
        raise ValueError(f"{LIFE_DOMAINS_FILE}: duplicate life domain")
    rules = tuple(_rule(entry, groups, set(values)) for entry in raw.get("contextregels") or [])
    return Lexicon(domains=tuple(domains), rules=rules)


def load_life_domains() -> tuple[LifeDomain, ...]:
    """The domains in data/life_domains.yml, in file order."""
    return load_lexicon().domains


LIFE_DOMAINS: list[str] = [d.value for d in load_life_domains()]


def life_domain_values() -> list[str]:
    """The canonical life-domain values (docs/contract.md §5) in the file's (button) order."""
    return list(LIFE_DOMAINS)


def life_domain_label(value: str) -> str:
    """The Dutch button label of a canonical life domain; KeyError for an unknown value."""
    for domain in load_life_domains():
        if domain.value == value:
            return domain.label
    raise KeyError(value)


class DomainSpan(NamedTuple):
    """A life domain found in a text: canonical value and character span [start, end)."""

    value: str
    start: int
    end: int


def _detect(raw_words: list[str | None]) -> dict[str, tuple[int, int]]:
    """Canonical value -> word span of the evidence, in file order of the domains."""
    index, domains, rules = load_lexicon().compiled
    words = _Words(index, raw_words)
    found: dict[str, tuple[int, int]] = {}
    for domain in domains:
        span = domain.span(words)
        if span is not None:
            found[domain.value] = span
    by_value = {d.value: d for d in domains}
    for compiled in rules:
        span = compiled.holds(found, words)
        if span is None:
            continue
        rule = compiled.rule
        if rule.add and rule.add not in found:
            found[rule.add] = span
        if rule.drop:
            found.pop(rule.drop, None)
        if rule.domain and rule.domain in found:
            still = by_value[rule.domain].span(words, compiled.ignore)
            if still is None:
                del found[rule.domain]
            else:
                found[rule.domain] = still
    return {value: found[value] for value in LIFE_DOMAINS if value in found}


def find_life_domain_spans(text: str) -> list[DomainSpan]:
    """The life domains of `text` with the character span of the words that showed them.

    Same values and order as detect_life_domains(text). The span is the first keyword of the
    domain (or the first words of the context rule that added it), as offsets into `text`.
    """
    words, offsets = _words_with_offsets(text)
    if not words:
        return []
    result = []
    for value, (start, end) in _detect(list(words)).items():
        end = max(end, start + 1)
        result.append(DomainSpan(value, offsets[start][0], offsets[end - 1][1]))
    return result


def detect_life_domains(text: str) -> list[str]:
    """Canonical life domains mentioned in `text`, in the fixed order of LIFE_DOMAINS."""
    words: list[str | None] = list(tokenise(text))
    if not words:
        return []
    return list(_detect(words))
