"""Crisis detector: which kind of crisis a resident's message signals, from data/safety.yml.

It runs on every message next to the intent classifier (``bot.rasa_plugins.nlu.crisis_guard``), so a
resident in danger gets the right emergency number first even when the classifier misses
the ``crisis`` intent. Pure regular expressions on folded text (``bot.domain.phrase_patterns``):
the whole test corpus runs in about a second. It never logs or returns the message text.

How a message is read (the data file explains the sections):

1. The message is split into sentences, each sentence into clauses (commas).
2. Per sentence and per kind: ``uitzonderingen`` (figures of speech, kitchen knives, ...)
   are removed; ``ontkenningen`` (negated signals: "ik wil niet dood") are removed too, but
   a negation with a ``tegenspraak`` word ("maar soms", "wel eens") in the same sentence
   counts as a signal. Then the ``sterk`` patterns of the kind are searched: one hit is a
   crisis of that kind.
3. ``aaneen``: a phrase typed without spaces inside one word ("ikwilnietmeerleven").
4. A ``zwak`` pattern (a rope, a bridge, "dood" as a figure of speech) or a removed
   negation counts only when a distress signal (``nood``: "ik kan niet meer", "ik zie geen
   uitweg") stands somewhere in the same message. Decision (design/decisions.md, "Safety"):
   when in doubt, show the numbers gently rather than miss one.

Sources of the helplines: ../shared/sources/sociaal-domein-feiten.md §6.5 and §6.6.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.domain.phrase_patterns import Lexicon, clauses, sentences
from bot.paths import DATA_DIR, PROJECT_ROOT

SAFETY_FILE = DATA_DIR / "safety.yml"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
# A kind that only the classifier gives (the detector never does): all numbers, gently.
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class CrisisSignal:
    """The crisis kinds found in one message, most urgent first (never empty)."""

    kinds: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        """The most urgent kind."""
        return self.kinds[0]


@dataclass(frozen=True)
class CrisisAssessment:
    """What the detector saw in one message, for combining it with the classifier.

    ``signal``: the crisis found, or None. ``cleared``: an exception (figure of speech such
    as "ik schrok me dood") or a negation ("ik wil niet dood") was the only crisis wording,
    so the message is known NOT to be a crisis. ``risk``: the message holds crisis or
    distress vocabulary (a weak pattern, a distress signal or a `signaalwoorden` word), so a
    classifier that says `crisis` may be right where the patterns found nothing.
    """

    signal: CrisisSignal | None
    cleared: bool
    risk: bool


@dataclass(frozen=True)
class _Kind:
    name: str
    helpline: str
    number: str
    responses: tuple[str, ...]
    classifier_only: bool
    strong: re.Pattern[str] | None
    weak: re.Pattern[str] | None
    negations: re.Pattern[str] | None
    exceptions: re.Pattern[str] | None
    glued: tuple[str, ...]  # phrases without spaces, found inside one typed word


@dataclass(frozen=True)
class _Rules:
    lexicon: Lexicon
    kinds: tuple[_Kind, ...]
    all_numbers: str
    distress: re.Pattern[str] | None
    contrast: re.Pattern[str] | None
    risk_words: re.Pattern[str] | None


def _as_list(value: Any) -> list[Any]:
    """A YAML value as a list of patterns; an inner list (all must match) stays a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [[str(x) for x in v] if isinstance(v, list) else str(v) for v in value]


# A typed word this long may be several words without spaces ("ikwildood").
GLUED_MIN_LENGTH = 7


def _glued(lexicon: Lexicon, phrases: Any, where: str) -> tuple[str, ...]:
    found = []
    for phrase in _as_list(phrases):
        words = lexicon.normalise(str(phrase)).split()
        if len(words) < 2 or len("".join(words)) < GLUED_MIN_LENGTH:
            raise ValueError(f"{where}: {phrase!r} needs two or more words, {GLUED_MIN_LENGTH}+ letters")
        found.append("".join(words))
    return tuple(found)


@lru_cache(maxsize=4)
def _load(path: Path = SAFETY_FILE) -> _Rules:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = path.name
    lexicon = Lexicon(raw.get("woordgroepen"), raw.get("spelling"), source=source)
    declared = [entry["soort"] for entry in raw["soorten"]]
    if len(set(declared)) != len(declared):
        raise ValueError(f"{source}: a kind is listed twice in `soorten`")
    recognition = raw.get("herkenning") or {}
    unknown = set(recognition) - set(declared)
    if unknown:
        raise ValueError(f"{source}: `herkenning` names unknown kinds {sorted(unknown)}")
    kinds = []
    for entry in raw["soorten"]:
        name = entry["soort"]
        rules = recognition.get(name) or {}
        allowed = {"sterk", "zwak", "ontkenningen", "uitzonderingen", "aaneen"}
        if set(rules) - allowed:
            raise ValueError(f"{source}: {name} has unknown sections {sorted(set(rules) - allowed)}")
        responses = tuple(_as_list(entry.get("antwoorden")))
        if not responses:
            raise ValueError(f"{source}: {name} has no `antwoorden`")
        classifier_only = bool(entry.get("alleen_classifier", False))
        if not classifier_only and not rules.get("sterk"):
            raise ValueError(f"{source}: {name} has no `sterk` patterns")
        kinds.append(_Kind(
            name=name,
            helpline=str(entry.get("hulplijn", "")),
            number=str(entry.get("nummer") or entry.get("hulplijn") or name),
            responses=responses,
            classifier_only=classifier_only,
            strong=lexicon.compile_any(_as_list(rules.get("sterk"))),
            weak=lexicon.compile_any(_as_list(rules.get("zwak"))),
            negations=lexicon.compile_any(_as_list(rules.get("ontkenningen"))),
            exceptions=lexicon.compile_any(_as_list(rules.get("uitzonderingen"))),
            glued=_glued(lexicon, rules.get("aaneen"), f"{source}: {name}.aaneen"),
        ))
    return _Rules(
        lexicon=lexicon,
        kinds=tuple(kinds),
        all_numbers=str(raw["alle_nummers"]),
        distress=lexicon.compile_any(_as_list(raw.get("nood"))),
        contrast=lexicon.compile_any(_as_list(raw.get("tegenspraak"))),
        risk_words=lexicon.compile_any(_as_list(raw.get("signaalwoorden"))),
    )


def _kind_names() -> tuple[str, ...]:
    return tuple(kind.name for kind in _load().kinds)


# The closed list of kinds, most urgent first (declared in data/safety.yml `soorten`).
CRISIS_KINDS: tuple[str, ...] = _kind_names()


def crisis_kinds_by_urgency() -> list[str]:
    """All kinds the detector can report, most urgent first (without `unspecified`)."""
    return [kind.name for kind in _load().kinds if not kind.classifier_only]


def helpline(kind: str) -> str:
    """The national helpline for a crisis kind ("112", "113 of 0800-0113", ...); KeyError."""
    for entry in _load().kinds:
        if entry.name == kind:
            return entry.helpline
    raise KeyError(kind)


def _remove(pattern: re.Pattern[str] | None, text: str) -> tuple[str, bool]:
    if pattern is None:
        return text, False
    cleaned, count = pattern.subn(" ", text)
    return (" ".join(cleaned.split()), True) if count else (text, False)


@dataclass(frozen=True)
class _Sentence:
    text: str  # folded
    clauses: tuple[str, ...]  # folded parts between commas (only when there is a comma)


def _split(rules: _Rules, text: str) -> list[_Sentence]:
    normalise = rules.lexicon.normalise
    found = []
    for raw in sentences(text or ""):
        folded = normalise(raw)
        if not folded:
            continue
        parts = clauses(raw)
        extra = tuple(c for c in (normalise(p) for p in parts) if c) if len(parts) > 1 else ()
        found.append(_Sentence(folded, extra))
    return found


def _search(pattern: re.Pattern[str] | None, sentence: _Sentence) -> bool:
    """The pattern in the sentence or in one of its clauses (so `$` can end a clause)."""
    if pattern is None:
        return False
    return bool(pattern.search(sentence.text)) or any(pattern.search(c) for c in sentence.clauses)


def _clause_hit(rules: _Rules, kind: _Kind, clause: str) -> bool:
    """A strong pattern in one clause, after its exceptions and (uncontradicted) negations."""
    candidate, _ = _remove(kind.exceptions, clause)
    if kind.negations is not None and not (
        rules.contrast is not None and rules.contrast.search(candidate)
    ):
        candidate, _ = _remove(kind.negations, candidate)
    return kind.strong is not None and bool(kind.strong.search(candidate))


def assess_crisis(text: str) -> CrisisAssessment:
    """Read one message (see the module docstring); never raises on odd input."""
    if not isinstance(text, str):
        return CrisisAssessment(signal=None, cleared=False, risk=False)
    rules = _load()
    parts = _split(rules, text)
    if not parts:
        return CrisisAssessment(signal=None, cleared=False, risk=False)
    distress: bool | None = None  # computed only when a weak hit or a negation needs it
    long_words = {w for p in parts for w in p.text.split() if len(w) >= GLUED_MIN_LENGTH}
    found: list[str] = []
    cleared = False
    weak_seen = False
    for kind in rules.kinds:
        if kind.classifier_only:
            continue
        hit = any(g in word for g in kind.glued for word in long_words)
        for part in [] if hit else parts:
            candidate, excepted = _remove(kind.exceptions, part.text)
            negated = False
            if kind.negations is not None and kind.negations.search(candidate):
                if rules.contrast is not None and rules.contrast.search(candidate):
                    hit = True  # "ik wil niet dood, maar soms denk ik er wel aan"
                    break
                candidate, negated = _remove(kind.negations, candidate)
            if kind.strong is not None and (
                kind.strong.search(candidate)
                # per clause too ("$" ends a clause), unless an exception needed the sentence
                or (not excepted and any(_clause_hit(rules, kind, c) for c in part.clauses))
            ):
                hit = True
                break
            weak = _search(kind.weak, part)
            weak_seen = weak_seen or weak
            if weak or negated:
                if distress is None:
                    distress = any(_search(rules.distress, p) for p in parts)
                if distress:
                    hit = True
                    break
            cleared = cleared or excepted or negated
        if hit:
            found.append(kind.name)
    if distress is None and not found and not weak_seen:
        distress = any(_search(rules.distress, p) for p in parts)
    risk = bool(found) or bool(distress) or weak_seen or any(
        _search(rules.risk_words, p) for p in parts
    )
    signal = CrisisSignal(kinds=found) if found else None
    return CrisisAssessment(signal=signal, cleared=cleared and not found, risk=risk)


def detect_crisis(text: str) -> CrisisSignal | None:
    """A CrisisSignal (kinds most urgent first) when the message signals a crisis, else None."""
    return assess_crisis(text).signal


def _kinds_of(signal: CrisisSignal | Sequence[str] | None) -> list[str]:
    if signal is None:
        return []
    if isinstance(signal, CrisisSignal):
        return list(signal.kinds)
    return [str(kind) for kind in signal]


def crisis_response_names(signal: CrisisSignal | Sequence[str] | None) -> list[str]:
    """The domain.yml responses for a crisis, in the order to send them.

    One response per kind, most urgent first (mapping: `antwoorden` in data/safety.yml); a
    kind whose number (`nummer`) an earlier kind already gave is skipped (violence and child
    abuse both go to Veilig Thuis 0800-2000). Always ends with the all-numbers response. Accepts a
    CrisisSignal, a list of kind names (the ``crisis_kinds`` of a parse result) or None
    (the classifier said crisis without a kind: only the all-numbers response). Unknown
    kind names are ignored.
    """
    rules = _load()
    wanted = set(_kinds_of(signal))
    names: list[str] = []
    numbers: set[str] = set()
    for kind in rules.kinds:  # urgency order, whatever order the caller gave
        if kind.name not in wanted or kind.number in numbers:
            continue
        numbers.add(kind.number)
        names.extend(r for r in kind.responses if r not in names)
    if rules.all_numbers not in names:
        names.append(rules.all_numbers)
    return names


@lru_cache(maxsize=1)
def _domain_texts() -> dict[str, str]:
    raw = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    texts: dict[str, str] = {}
    for name, variants in (raw.get("responses") or {}).items():
        plain = [v for v in variants or [] if isinstance(v, dict) and v.get("text")]
        unconditional = [v for v in plain if not v.get("condition")]
        chosen = (unconditional or plain or [None])[0]
        if chosen is not None:
            texts[name] = str(chosen["text"])
    return texts


def crisis_reply_texts(signal: CrisisSignal | Sequence[str] | None) -> list[str]:
    """The Dutch texts of :func:`crisis_response_names`, read from domain.yml.

    For the channel layer when Rasa or a store is down: it can answer a crisis without the
    dialogue. The all-numbers text comes last. Raises KeyError when domain.yml lacks one of
    the responses (a test keeps them in step).
    """
    texts = _domain_texts()
    return [texts[name] for name in crisis_response_names(signal)]


def all_response_names() -> list[str]:
    """Every response name data/safety.yml refers to (for checks against domain.yml)."""
    rules = _load()
    names = [r for kind in rules.kinds for r in kind.responses]
    return [*dict.fromkeys(names), rules.all_numbers]


def explain(text: str) -> list[tuple[str, str]]:
    """(kind, section) pairs of every single pattern that matches a sentence: for debugging.

    Slow (one pattern at a time); used by tests and ``python -m bot.ops.evaluation.safety_eval --explain``.
    """
    raw = yaml.safe_load(SAFETY_FILE.read_text(encoding="utf-8"))
    lexicon = _load().lexicon
    hits = []
    parts: Iterable[str] = [lexicon.normalise(s) for s in sentences(text or "")]
    for kind, rules in (raw.get("herkenning") or {}).items():
        for section, patterns in rules.items():
            for pattern in _as_list(patterns):
                if any(lexicon.compile(pattern).search(p) for p in parts):
                    hits.append((kind, f"{section}: {pattern}"))
    for pattern in _as_list(raw.get("nood")):
        if any(lexicon.compile(pattern).search(p) for p in parts):
            hits.append(("nood", pattern))
    return hits
