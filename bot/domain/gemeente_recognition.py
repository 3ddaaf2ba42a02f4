"""Recognise the resident's municipality in free text or as the answer to the question
"In welke gemeente woont u?".

Names, aliases, misspellings and villages come from data/gemeenten_nl.yml. Exact names are
found anywhere in a sentence; names that are also ordinary words ("buren", "best") need a
signal word before them ("in Buren", "gemeente Best") unless the text is a bare answer to
the municipality question. Misspellings are matched with rapidfuzz, only for longer words,
only where a municipality is expected, with the same first letter, and never when the typed
word is a common Dutch word (``wordfreq``: "bellen" is no misspelling of Beilen). A
municipality the website sent (``metadata_gemeente``) is only overridden by an exact name
after a cue about where the resident lives ("ik woon in Zwijndrecht"), see issue 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from bot.domain.catalogue import is_served, load_catalogue
from bot.domain.text import normalise_text, tokenise
from bot.paths import DATA_DIR

GEMEENTEN_FILE = DATA_DIR / "gemeenten_nl.yml"
FUZZY_MIN_LENGTH = 5  # shorter queries must match exactly
FUZZY_TWO_EDITS_MIN_LENGTH = 10  # two typing mistakes only in long names
# A typed word at least this frequent in Dutch (Zipf scale: 3 = once per million words) is an
# ordinary word, never a misspelled place: "bellen" (4.9), "middag" (4.5), "buiten" (5.1).
# Misspellings of names are rare: "dortrecht", "almera", "zierikze" are all below 2.
COMMON_WORD_ZIPF = 3.0
# Words right before the cue word that say where the resident lives ("ik woon in ...").
_RESIDENCE_VERBS = frozenset({"woon", "wonen", "woont", "woonde", "wonend", "woonachtig", "verhuisd", "wij", "ik"})
_RESIDENCE_CUES = frozenset({"gemeente", "woonplaats"})
_ARTICLES = frozenset({"de", "het", "den", "s"})


@dataclass(frozen=True)
class GemeenteMatch:
    slug: str
    naam: str
    served: bool


@dataclass(frozen=True)
class _Entry:
    slug: str
    naam: str
    ambiguous: bool


@dataclass(frozen=True)
class _Index:
    entries: dict[str, _Entry]  # normalised phrase -> municipality
    names: dict[str, str]  # slug -> official name
    max_words: int
    cue_words: frozenset[str]
    filler_words: frozenset[str]


@lru_cache(maxsize=1)
def _index() -> _Index:
    with GEMEENTEN_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    entries: dict[str, _Entry] = {}
    names: dict[str, str] = {}

    def add(phrase: str, slug: str, naam: str, ambiguous: bool) -> None:
        key = normalise_text(phrase)
        known = entries.get(key)
        if known is not None and known.slug != slug:
            raise ValueError(f"{GEMEENTEN_FILE}: {phrase!r} is used for {known.slug} and {slug}")
        if known is None or (known.ambiguous and not ambiguous):
            entries[key] = _Entry(slug=slug, naam=naam, ambiguous=ambiguous)

    for item in raw["gemeenten"]:
        slug, naam = item["slug"], item["naam"]
        if slug in names:
            raise ValueError(f"{GEMEENTEN_FILE}: duplicate slug {slug}")
        names[slug] = naam
        ambiguous = bool(item.get("dubbelzinnig", False))
        add(naam, slug, naam, ambiguous)
        add(slug.replace("-", " "), slug, naam, ambiguous)
        for alias in item.get("aliassen", []) or []:
            add(alias, slug, naam, False)
        for alias in item.get("dubbelzinnige_aliassen", []) or []:
            add(alias, slug, naam, True)
    context = raw.get("herkenning", {})
    return _Index(
        entries=entries,
        names=names,
        max_words=max(len(k.split()) for k in entries),
        cue_words=frozenset(normalise_text(w) for w in context.get("signaalwoorden", [])),
        filler_words=frozenset(normalise_text(w) for w in context.get("opvulwoorden", [])),
    )


def all_gemeenten() -> dict[str, str]:
    """Every Dutch municipality: slug -> official name."""
    return dict(_index().names)


def gemeente_naam(slug: str) -> str | None:
    """The official name for a slug, or None."""
    return _index().names.get(slug)


def served_gemeenten() -> list[tuple[str, str]]:
    """(slug, naam) of the municipalities this deployment serves, by name (for buttons)."""
    return sorted(((m.slug, m.naam) for m in load_catalogue()), key=lambda pair: pair[1])


def _match(entry: _Entry) -> GemeenteMatch:
    return GemeenteMatch(slug=entry.slug, naam=entry.naam, served=is_served(entry.slug))


def _exact_spans(words: list[str], index: _Index) -> list[tuple[int, int, _Entry]]:
    """Longest exact phrase matches, left to right, not overlapping."""
    found = []
    start = 0
    while start < len(words):
        for size in range(min(index.max_words, len(words) - start), 0, -1):
            entry = index.entries.get(" ".join(words[start : start + size]))
            if entry is not None:
                found.append((start, start + size, entry))
                start += size
                break
        else:
            start += 1
    return found


def _has_cue(words: list[str], start: int, index: _Index) -> bool:
    return start > 0 and words[start - 1] in index.cue_words


def _is_bare(words: list[str], start: int, end: int, index: _Index) -> bool:
    """Only filler words around the span: the text is an answer to the municipality question."""
    return all(w in index.filler_words for w in words[:start] + words[end:])


def is_common_word(query: str) -> bool:
    """True when ``query`` (normalised) is an ordinary Dutch word or phrase, per ``wordfreq``.

    A phrase counts as common when each of its words is ("de bild" is not: "bild" is rare).
    """
    parts = query.split()
    return bool(parts) and all(zipf_frequency(part, "nl") >= COMMON_WORD_ZIPF for part in parts)


def _fuzzy(query: str, index: _Index, include_ambiguous: bool) -> _Entry | None:
    """The single closest name within a small edit distance, or None when unclear.

    Strict: at least FUZZY_MIN_LENGTH letters, one edit (two from FUZZY_TWO_EDITS_MIN_LENGTH),
    the same first letter, and never for a common Dutch word.
    """
    if len(query) < FUZZY_MIN_LENGTH or is_common_word(query):
        return None
    max_distance = 1 if len(query) < FUZZY_TWO_EDITS_MIN_LENGTH else 2
    keys = [
        k for k, e in index.entries.items()
        if (include_ambiguous or not e.ambiguous) and k[:1] == query[:1]
    ]
    best = process.extract(query, keys, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=None)
    if not best:
        return None
    top = min(score for _, score, _ in best)
    slugs = {index.entries[key].slug for key, score, _ in best if score == top}
    if len(slugs) != 1:
        return None  # e.g. "rosendaal": Rozendaal or Roosendaal?
    return index.entries[next(key for key, score, _ in best if score == top)]


def _queries_after(words: list[str], position: int, index: _Index) -> list[str]:
    """Word groups right after a signal word, to try as misspelled names."""
    queries = []
    for size in range(1, min(index.max_words, len(words) - position) + 1):
        group = words[position : position + size]
        if group[0] in index.filler_words and group[0] not in _ARTICLES:
            break
        queries.append(" ".join(group))
    return queries


def _core(words: list[str], index: _Index) -> list[str]:
    """The answer without surrounding filler words (an article before a name is kept)."""
    keep = [i for i, w in enumerate(words) if w not in index.filler_words]
    if not keep:
        return []
    first, last = keep[0], keep[-1]
    if first > 0 and words[first - 1] in _ARTICLES:
        first -= 1
    return words[first : last + 1]


def _has_residence_cue(words: list[str], start: int, index: _Index) -> bool:
    """A cue that says the resident lives there: "ik woon in X", "gemeente X", "woonplaats X"."""
    if start == 0:
        return False
    if words[start - 1] in _RESIDENCE_CUES:
        return True
    return words[start - 1] in index.cue_words and any(
        w in _RESIDENCE_VERBS and w not in ("ik", "wij") for w in words[max(0, start - 4) : start - 1]
    )


def _recognise(text: str, expecting_answer: bool) -> tuple[_Entry, bool] | None:
    """The entry found and whether it was an exact name after a residence cue."""
    index = _index()
    words = tokenise(text)
    if not words:
        return None
    cued: list[tuple[_Entry, bool]] = []
    plain: list[tuple[_Entry, bool]] = []
    for start, end, entry in _exact_spans(words, index):
        if _has_cue(words, start, index):
            cued.append((entry, _has_residence_cue(words, start, index)))
        elif not entry.ambiguous or (expecting_answer and _is_bare(words, start, end, index)):
            plain.append((entry, False))
    if cued or plain:
        return (cued or plain)[0]

    # Misspellings: right after a signal word ("ik woon in Dortrecht") ...
    for position, word in enumerate(words[:-1]):
        if word in index.cue_words:
            for query in _queries_after(words, position + 1, index):
                entry = _fuzzy(query, index, include_ambiguous=True)
                if entry is not None:
                    return entry, False
    # ... or as the whole answer to the municipality question.
    if expecting_answer:
        core = _core(words, index)
        if 0 < len(core) <= index.max_words:
            entry = _fuzzy(" ".join(core), index, include_ambiguous=True)
            if entry is not None:
                return entry, False
    return None


def recognise_gemeente(
    text: str, expecting_answer: bool = False, metadata_gemeente: str | None = None
) -> GemeenteMatch | None:
    """The municipality named in `text`, or None.

    `expecting_answer`: the bot just asked for the municipality, so a bare name, an
    ambiguous name ("Best") or a misspelling ("Dortrecht") counts as the answer.
    `metadata_gemeente`: the slug the website sent (CONTRACT §3), if any. A different
    municipality is then only returned for an exact name after a cue about where the
    resident lives ("ik woon in Zwijndrecht", "gemeente Zwijndrecht"); a misspelling, a
    bare word or a place merely mentioned ("ik werk in Breda") never overrides it (issue 10:
    "bellen" overrode Dordrecht as the village Beilen). A form of "wonen" before the cue is
    all that is checked, so "mijn zus woont in Breda" still counts.
    """
    found = _recognise(text, expecting_answer)
    if found is None:
        return None
    entry, residence = found
    if metadata_gemeente and entry.slug != metadata_gemeente and not residence:
        return None
    return _match(entry)


def recognise_residence(text: str) -> GemeenteMatch | None:
    """The municipality the resident says they live in ("ik woon in Sliedrecht"), or None.

    Only an exact name after a cue about where the resident lives counts: a place merely
    mentioned ("mijn zus werkt in Breda") or a bare word never does.
    """
    found = _recognise(text, False)
    if found is None or not found[1]:
        return None
    return _match(found[0])
