"""Strong signals that interrupt an expected answer, in the order of data/priorities.yml.

While the assistant waits for an answer (a name, a time, yes/no, ...), only these interrupt:
crisis, an explicit stop, an explicit request for a person, an explicit question. Everything
else is an answer attempt for the reader of the expected kind (bot/domain/dialogue/answers.py).
The same table orders the signals of a long message (``sentence_signals``).

Source of the rule: issue 10 ("Only strong signals interrupt an expected answer, in a
documented priority order kept as data") and ../shared/design/decisions.md ("One
priority table, in data"). Nothing here logs or returns the message text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot.domain.life_domains import detect_life_domains
from bot.domain.text import normalise_text
from bot.paths import DATA_DIR

PRIORITIES_FILE = DATA_DIR / "priorities.yml"
KNOWN_SIGNALS = ("crisis", "stop", "request_human", "complaint", "question", "situation")

_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s*|\s+(?=(?:maar|want|en) (?:ik|u|kan|wie|wat|hoe|waarom))")


@dataclass(frozen=True)
class _Signal:
    name: str
    interrupts: bool
    patterns: tuple[re.Pattern[str], ...]
    exceptions: tuple[re.Pattern[str], ...]
    hint_words: frozenset[str]
    dissatisfaction: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class _QuestionRules:
    question_words: frozenset[str]
    inversion_verbs: frozenset[str]
    subjects: frozenset[str]
    answer_after_inversion: frozenset[str]
    question_cues: frozenset[str]
    exclamations: frozenset[str]
    clause_subjects: frozenset[str]
    about_the_question: tuple[re.Pattern[str], ...] = ()


def _words(raw: object) -> frozenset[str]:
    return frozenset(normalise_text(str(w)) for w in (raw or []) if normalise_text(str(w)))


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[_Signal, ...], _QuestionRules]:
    with PRIORITIES_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    signals = []
    question_rules = None
    for entry in raw["signals"]:
        name = entry["name"]
        if name not in KNOWN_SIGNALS:
            raise ValueError(f"{PRIORITIES_FILE}: unknown signal {name!r}")
        signals.append(
            _Signal(
                name=name,
                interrupts=bool(entry.get("interrupts", False)),
                patterns=tuple(re.compile(p) for p in entry.get("patterns") or []),
                exceptions=tuple(re.compile(p) for p in entry.get("uitzonderingen") or []),
                hint_words=_words(entry.get("hint_words")),
                dissatisfaction=tuple(re.compile(p) for p in entry.get("dissatisfaction") or []),
            )
        )
        if name == "question":
            question_rules = _QuestionRules(
                question_words=_words(entry.get("question_words")),
                inversion_verbs=_words(entry.get("inversion_verbs")),
                subjects=_words(entry.get("subjects")),
                answer_after_inversion=_words(entry.get("answer_after_inversion")),
                question_cues=_words(entry.get("question_cues")),
                exclamations=_words(entry.get("exclamations")),
                clause_subjects=_words(entry.get("clause_subjects")),
                about_the_question=tuple(re.compile(p) for p in entry.get("about_the_question") or []),
            )
    names = [s.name for s in signals]
    if sorted(names) != sorted(KNOWN_SIGNALS) or question_rules is None:
        raise ValueError(f"{PRIORITIES_FILE}: needs exactly the signals {KNOWN_SIGNALS}")
    return tuple(signals), question_rules


def _signal(name: str) -> _Signal:
    return next(s for s in _table()[0] if s.name == name)


def priority_order() -> list[str]:
    """All signal names, highest priority first (data/priorities.yml)."""
    return [s.name for s in _table()[0]]


def interrupting_signals() -> list[str]:
    """The signals that interrupt an expected answer, highest priority first."""
    return [s.name for s in _table()[0] if s.interrupts]


def _lexical(signal: _Signal, folded: str) -> bool:
    candidate = folded
    for exception in signal.exceptions:
        candidate = exception.sub(" ", candidate)
    candidate = " ".join(candidate.split())
    return any(p.search(candidate) for p in signal.patterns)


def _detect_crisis(text: str) -> bool:
    # Imported here: bot.domain.safety is loaded (and checks data/safety.yml) on first use only.
    from bot.domain.safety import detect_crisis

    return detect_crisis(text) is not None


def _crisis(text: str, intent: str | None) -> bool:
    if _detect_crisis(text):
        return True
    if intent == "crisis":
        # The classifier alone is a weak hint: it needs a distress word in the message.
        return bool(set(normalise_text(text).split()) & _signal("crisis").hint_words)
    return False


def is_question(text: str) -> bool:
    """True when ``text`` is an explicit question (rules in data/priorities.yml, "question").

    A question mark counts after words that make a question ("wie leest dat?"), not after a
    bare answer ("ja?", "Bram?", "maandag?", "'s middags?"); "?" alone is no question. Without
    a question mark: a clause that starts with a question word followed by a verb ("wat kost
    het", "ik heb al een wijkcoach, wat heb ik dan aan oco"; not the clause "wanneer u wilt"),
    a clause that starts with a verb followed by its subject ("kan ik ...", "ik ben student,
    mag ik ..."; not "weet ik niet"), or an indirect question ("ik wil weten ...").
    """
    rules = _table()[1]
    raw = (text or "").strip()
    folded = normalise_text(raw)
    tokens = folded.split()
    if not tokens:
        return False
    has_mark = "?" in raw
    if any(p.search(folded) for p in _signal("question").patterns):
        return True
    clauses = [normalise_text(part).split() for part in _CLAUSE.split(raw)]
    clauses = [clause for clause in clauses if clause]
    if len(clauses) > 1 and any(_clause_asks(clause, rules, has_mark=False, later=True) for clause in clauses[1:]):
        return True
    if _clause_asks(tokens, rules, has_mark):
        return True
    if has_mark and len(tokens) >= 2:
        return any(word in rules.question_cues for word in tokens)
    return False


_CLAUSE = re.compile(r"[,;:.!?()\n]+")


def _clause_asks(tokens: list[str], rules: _QuestionRules, has_mark: bool, later: bool = False) -> bool:
    """True when a clause starts like a question: a question word or an inverted verb.

    ``later``: a clause after the first; an inverted verb then needs a pronoun as subject
    ("..., kan ik ..."), since a later clause often drops "ik" ("..., kan de huur niet betalen")."""
    first = tokens[0]
    if first in rules.question_words:
        if len(tokens) == 1:
            return True
        rest = tokens[1:]
        if first == "wat" and rest[0] in rules.exclamations:
            return False  # "wat fijn", "wat een gedoe"
        if first == "hoe" and rest[0] in ("laat", "lang", "vaak", "snel", "ver", "zit", "zo"):
            rest = rest[1:]
        elif first == "wat" and rest[0] == "voor":
            rest = rest[1:]
        if has_mark:
            return True
        if not rest or rest[0] in rules.subjects:
            return False  # "wanneer u wilt", "wat jullie willen": a clause, not a question
        return len(tokens) >= 3 or rest[0] in rules.inversion_verbs
    subjects = rules.clause_subjects if later else rules.subjects
    if first in rules.inversion_verbs and len(tokens) >= 2 and tokens[1] in subjects:
        rest = tokens[2:]
        if not rest:
            return has_mark
        if all(word in rules.answer_after_inversion for word in rest):
            return has_mark and len(rest) > 1
        # "weet ik niet uit mijn hoofd", "heb ik al gedaan": an answer unless asked with "?".
        return has_mark or rest[0] not in rules.answer_after_inversion
    return False


def strong_signal(text: str, *, intent: str | None = None) -> str | None:
    """While a question is pending: 'crisis' | 'stop' | 'request_human' | 'question' | None.

    None means: read the message as an answer attempt. Checked in the order of
    data/priorities.yml; the first interrupting signal found wins. ``intent`` is the
    classifier's intent, a weak hint only: ``crisis`` counts with a distress word
    (``hint_words``), other intents are ignored. "sla over" is an answer attempt (the form
    handles skipping); "nee wacht, ik wil toch wel gebeld worden" is request_human.
    """
    folded = normalise_text(text or "")
    if not folded:
        return None
    for signal in _table()[0]:
        if not signal.interrupts:
            continue
        if signal.name == "crisis":
            found = _crisis(text, intent)
        elif signal.name == "question":
            found = is_question(text)
        else:
            found = _lexical(signal, folded)
        if found:
            return signal.name
    return None


def sentence_parts(text: str) -> list[str]:
    """The sentences of a message: split after . ! ? and line ends, and before "maar/want/en ik ..."."""
    return [part for part in _SENTENCE_END.split(text or "") if part and normalise_text(part)]



def sentence_signals(text: str) -> list[str]:
    """The signals found anywhere in a (long) message, highest priority first, each once.

    Unlike ``strong_signal`` this also reports the non-interrupting ones: 'complaint' and
    'situation' (a life domain of data/life_domains.yml or a situation pattern).
    """
    folded = normalise_text(text or "")
    if not folded:
        return []
    sentences = sentence_parts(text)
    found = []
    for signal in _table()[0]:
        if signal.name == "crisis":
            hit = _detect_crisis(text)
        elif signal.name == "question":
            hit = any(is_question(s) for s in sentences)
        elif signal.name == "situation":
            hit = bool(detect_life_domains(text)) or _lexical(signal, folded)
        else:
            hit = _lexical(signal, folded)
        if hit:
            found.append(signal.name)
    return found


def complaint_statement(text: str) -> bool:
    """True when a clause of ``text`` that is not itself a question says the resident is unhappy.

    Uses the complaint signal's ``dissatisfaction`` patterns of data/priorities.yml ("ik ben
    het niet eens met ...", "dat is onterecht", "ik wil bezwaar maken"), after its
    ``uitzonderingen``. A how-question about objecting ("tot wanneer kan ik bezwaar maken",
    "is het een klacht als ik het niet eens ben met het besluit") is a procedure question and
    says False: issue 14 counts it as ``ask_procedure``.
    """
    complaint = _signal("complaint")
    for part in _CLAUSE.split(text or ""):
        folded = normalise_text(part)
        if not folded or is_question(part):
            continue
        candidate = folded
        for exception in complaint.exceptions:
            candidate = exception.sub(" ", candidate)
        candidate = " ".join(candidate.split())
        if any(p.search(candidate) for p in complaint.dissatisfaction):
            return True
    return False


def asks_about_the_question(text: str) -> bool:
    """True for a question about the assistant's own question ("wat bedoelt u met beheerder?").

    Patterns: ``about_the_question`` of the question signal in data/priorities.yml.
    """
    folded = normalise_text(text or "")
    return bool(folded) and any(p.search(folded) for p in _table()[1].about_the_question)
