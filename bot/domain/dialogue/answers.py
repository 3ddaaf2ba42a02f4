"""Read the resident's message as an answer to the question the assistant just asked.

Issue 10, "Question-aware answer reading": a one-word answer gives the intent classifier no
context ("Bram" became `affirm`, "maandag" `goodbye`), so while a question is pending the
message is first read by a parser for the expected kind. Interruptions (crisis, stop, a
request for a person, a question) are found by ``bot.domain.dialogue.signals.strong_signal``.

Kinds and values (``Reading.value``):

=========  ==================================================================================
name       the name as typed, lead-in ("mijn naam is", "ik ben") and trailing "hoor"/punctuation
           removed, capitals kept: "Mevrouw Verhoeven", "bram".
phone      E.164 (``bot.domain.contact_validation.normalise_phone``): "+31612345678".
email      lower case (``bot.domain.contact_validation.normalise_email``).
time       the text as typed (trimmed, at most 200 characters), or "geen voorkeur".
yes_no     "ja" | "nee" | "onbekend" (explicit words and a thumbs up only).
choice     the option key of ``question`` in data/answers.yml ("telefoon", "versturen", ...).
gemeente   the municipality slug (CONTRACT §5) from data/gemeenten_nl.yml.
free_text  the text as typed (trimmed).
=========  ==================================================================================

Skipping ("sla over", "overslaan", "skip", "liever niet zeggen", "anoniem"; the "/skip"
button payload is handled by the caller) gives ``Reading(skip=True, understood=False)`` at
every kind: whether a question may be skipped is the form's decision, not the reader's.

Reasons when not understood: "empty", "skip", "question", "unclear", "digits", "email",
"phone", "not_a_name", "sentence", "invalid" (a phone number: the count of digits is wrong),
"not_valid" (a phone number with the right count that is not in use), "no_contact" ("heb ik niet" at the phone or
e-mail question), "ambiguous", "no_match", "not_offered", "dont_know" (municipality).
The message text is never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from bot.domain.contact_validation import normalise_email, normalise_phone, phone_problem
from bot.domain.dialogue.choices import read_choice
from bot.domain.dialogue.names import read_name
from bot.domain.dialogue.signals import is_question
from bot.domain.dialogue.times import read_time
from bot.domain.dialogue.words import has_letters, normalise_text, phrase_pattern, words
from bot.domain.dialogue.yes_no import read_yes_no
from bot.domain.gemeente_recognition import recognise_gemeente

KINDS = ("name", "phone", "email", "time", "yes_no", "choice", "gemeente", "free_text")
# A skip phrase counts in a short message only ("ik sla deze vraag liever over").
_SKIP_MAX_WORDS = 7
_NO_CONTACT = re.compile(
    r"^(?:nee |sorry |helaas |dat )*(?:heb ik niet|heb ik geen|ik heb (?:er )?geen|heb geen|geen|niet|nee)"
    r"(?: (?:telefoon|mobiel|nummer|telefoonnummer|mail|email|e mail|mailadres|emailadres|e mailadres"
    r"|computer|internet|helaas|hoor|sorry))*$"
)


# Runs of four neighbouring keys ("asdfgh", "qwerty"): typed to get past a question, not a name.
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYBOARD_RUNS = frozenset(row[i : i + 4] for row in _KEYBOARD_ROWS for i in range(len(row) - 3))


def is_keyboard_mash(text: str) -> bool:
    """True for text with a run of four neighbouring letter keys, such as "asdfgh"."""
    letters = "".join(ch for ch in text.lower() if ch.isalpha())
    return any(letters[i : i + 4] in _KEYBOARD_RUNS for i in range(len(letters) - 3))


@dataclass(frozen=True)
class Reading:
    """What the answer reader understood.

    kind: one of KINDS; value: the canonical value when understood, else None;
    skip: the resident asked to skip; reason: why it was not understood (see module doc).
    """

    kind: str
    value: str | None
    understood: bool
    skip: bool = False
    reason: str | None = None


def _ok(kind: str, value: str) -> Reading:
    return Reading(kind=kind, value=value, understood=True)


def _no(kind: str, reason: str) -> Reading:
    return Reading(kind=kind, value=None, understood=False, reason=reason)


def wants_to_skip(text: str) -> bool:
    """True when a short message asks to skip the question (data/answer_words.yml, "skip")."""
    folded = normalise_text(text or "")
    if not folded or len(folded.split()) > _SKIP_MAX_WORDS:
        return False
    if not (phrase_pattern(tuple(words()["skip"])).search(folded) or any(p.search(folded) for p in _skip_patterns())):
        return False
    return not is_question(text)


@lru_cache(maxsize=1)
def _skip_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in words().get("skip_patterns") or [])


# Retries for common slips, tried only when the text as typed holds no valid value.
_PHONE_SLIPS = (
    (re.compile(r"(?<![\w])[oO](?=6\d)|(?<=\d)[oO](?=\d)"), "0"),  # letter O for zero: "O612345678"
    (re.compile(r"(?<=\d)_(?=\d)"), " "),  # "06_12345678"
    (re.compile(r"(?<![\d+])(6\d{8})(?!\d)"), r"0\1"),  # the leading 0 forgotten: "612345678"
)
_EMAIL_SLIPS = (
    (re.compile(r"\s*[(\[]\s*(?:at|apenstaartje)\s*[)\]]\s*", re.IGNORECASE), "@"),  # "bram(at)gmail.com"
    (re.compile(r"\s*@\s*"), "@"),  # "bram @ gmail.com"
    # "@gmail,com", "@gmail . com": only before a common top-level domain ("@gmail, dank u" stays wrong)
    (re.compile(r"(?<=@)([^\s@,]*?)\s*[,.]\s*(?=(?:nl|com|net|org|be|de|eu|info|uk|fr|pl|tr|es|it)\b)", re.IGNORECASE),
     r"\1."),
)


def _with_slips_fixed(text: str, slips: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, replacement in slips:
        text = pattern.sub(replacement, text)
    return text


def _read_contact(
    text: str,
    kind: str,
    normalise: Callable[[str], str | None],
    slips: tuple[tuple[re.Pattern[str], str], ...],
    other_kind: str,
    normalise_other: Callable[[str], str | None],
    attempted: Callable[[str], bool],
    invalid_reason: Callable[[str], str] = lambda _answer: "invalid",
) -> Reading:
    """An answer to the `kind` contact question ("phone" or "email"), read the same way for both.

    The value as `normalise` finds it, also after fixing the usual `slips`; else why not:
    the other contact kind (`other_kind`), a question, an `attempted` but invalid value (its
    reason from `invalid_reason`), an explicit "no contact" answer, or "unclear". Never raises.
    """
    value = normalise(text) or normalise(_with_slips_fixed(text, slips))
    if value:
        return _ok(kind, value)
    if normalise_other(text):
        return _no(kind, other_kind)
    if is_question(text):
        return _no(kind, "question")
    if attempted(text):
        return _no(kind, invalid_reason(text))
    if _NO_CONTACT.match(normalise_text(text)):
        return _no(kind, "no_contact")
    return _no(kind, "unclear")


def _phone_problem_reason(text: str) -> str:
    return "not_valid" if phone_problem(text) == "not_valid" else "invalid"


def _read_phone(text: str) -> Reading:
    # "invalid": the count of digits is wrong; "not_valid": the count is right, the number is not in use.
    return _read_contact(text, "phone", normalise_phone, _PHONE_SLIPS, "email", normalise_email,
                         attempted=lambda answer: any(ch.isdigit() for ch in answer),
                         invalid_reason=_phone_problem_reason)


def _read_email(text: str) -> Reading:
    return _read_contact(text, "email", normalise_email, _EMAIL_SLIPS, "phone", normalise_phone,
                         attempted=lambda answer: "@" in answer)


def _read_gemeente(text: str, metadata_gemeente: str | None) -> Reading:
    match = recognise_gemeente(text, expecting_answer=True, metadata_gemeente=metadata_gemeente)
    if match:
        return _ok("gemeente", match.slug)
    if is_question(text):
        return _no("gemeente", "question")
    if read_yes_no(text).value == "onbekend":
        return _no("gemeente", "dont_know")
    return _no("gemeente", "no_match")


def read_answer(
    kind: str,
    text: str,
    *,
    question: str | None = None,
    options: Sequence[str] | None = None,
    metadata_gemeente: str | None = None,
) -> Reading:
    """Read ``text`` as an answer of ``kind`` (see the module doc for values and reasons).

    question: for kind "choice", the question key in data/answers.yml (contact_preference,
      intake_decision, complexity, meeting_or_complaint, edit_field, wijkteam_contact, ...).
    options: for "choice", the option keys in the order the buttons were shown (numbers and
      "de laatste" refer to them; only these keys can be the answer).
    metadata_gemeente: for "gemeente", the slug the website sent; a word that merely looks
      like another place never overrides it.
    Raises ValueError for an unknown kind, or a "choice" without ``question``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}")
    raw = (text or "").strip()
    if not raw:
        return _no(kind, "empty")
    if wants_to_skip(raw):
        return Reading(kind=kind, value=None, understood=False, skip=True, reason="skip")
    if kind == "phone":
        return _read_phone(raw)
    if kind == "email":
        return _read_email(raw)
    if kind == "gemeente":
        return _read_gemeente(raw, metadata_gemeente)
    if kind == "free_text":
        return _ok(kind, raw) if has_letters(raw) else _no(kind, "unclear")
    if is_question(raw):
        return _no(kind, "question")
    if kind == "name":
        name = read_name(raw)
        if name.value is None and "," in raw:
            # "ik ben zijn zoon, Mehmet Yılmaz": the name after the explanation.
            after = read_name(raw.rsplit(",", 1)[1])
            name = after if after.value else name
        if name.value and is_keyboard_mash(name.value):
            return _no(kind, "not_a_name")
        return _ok(kind, name.value) if name.value else _no(kind, name.reason or "not_a_name")
    if kind == "time":
        if normalise_email(raw):
            return _no(kind, "email")
        found = read_time(raw)
        return _ok(kind, found.value) if found.value else _no(kind, found.reason or "unclear")
    if kind == "yes_no":
        answer = read_yes_no(raw)
        return _ok(kind, answer.value) if answer.value else _no(kind, answer.reason or "unclear")
    if not question:
        raise ValueError("a choice needs the question key")
    choice = read_choice(raw, question, options)
    return _ok(kind, choice.value) if choice.value else _no(kind, choice.reason or "no_match")
