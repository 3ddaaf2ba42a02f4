"""Read a typed answer to "Wat is uw naam?".

Any plausible personal name is accepted, from every origin common in the Netherlands:
a first name alone, titles (mevrouw, dhr.), initials ("J. de Vries"), particles ("van der",
"El", "bin"), hyphens, apostrophes ("D'Angelo") and diacritics ("Ayşe Yılmaz"). Only what is
clearly not a name is refused: digits, an e-mail address, a question, a sentence about the
situation, an answer to another question ("bellen", "maandag", "ja"), or only function words.
The name is returned as the resident typed it (capitals kept), without lead-in words such as
"mijn naam is" and without trailing punctuation or "hoor". Word lists: data/answer_words.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.dialogue.words import dutch_stop_words, fold_any_script, folded_set, words

# A name word: letters, inner hyphens / apostrophes / dots ("Jan-Willem", "D'Angelo", "A.B.").
_LETTERS = r"(?:[^\W\d_]|[\u0300-\u036f])+"  # letters of any script, with combining accents
_TOKEN = re.compile(rf"{_LETTERS}(?:[-'’‘`.]{_LETTERS})*[.]?|['’‘`]{_LETTERS}", re.UNICODE)
_CLAUSE_BREAK = re.compile(r"[,;:!?()\n/]|\s[-–—]\s|\b(?:en|maar|want|omdat|als|of|dus)\b", re.IGNORECASE)
# A dash with spaces around it: a clause break ("Jan - bel me na 5"), or the hyphen of a double
# surname typed with spaces ("van der Kamp - Sedney", "de Vries – Jansen").
_SPACED_DASH = re.compile(r"\s[-–—]\s")
# At most this many words after a spaced dash make the second part of a double surname.
_SURNAME_PART_MAX_WORDS = 4
_EMOJI_OR_SYMBOL = re.compile(r"[^\w\u0300-\u036f\s'’‘`.,;:!?()\-–—/\"]", re.UNICODE)
_STOP_WORDS_THAT_ARE_NAMES = frozenset({"ben", "wil", "al", "men", "mag", "bent"})


@dataclass(frozen=True)
class NameResult:
    value: str | None
    reason: str | None = None


@dataclass(frozen=True)
class _Lists:
    prefixes: tuple[tuple[str, ...], ...]
    greetings: frozenset[str]
    suffixes: tuple[tuple[str, ...], ...]
    titles: frozenset[str]
    particles: frozenset[str]
    not_names: frozenset[str]
    roles: frozenset[str]
    max_words: int
    max_length: int


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    raw = words()["name"]

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        found = {tuple(fold_any_script(p).split()) for p in raw[key] if fold_any_script(p)}
        return tuple(sorted(found, key=len, reverse=True))

    return _Lists(
        prefixes=phrases("prefixes"),
        greetings=folded_set(raw["greetings"]),
        suffixes=phrases("suffixes"),
        titles=folded_set(raw["titles"]),
        particles=folded_set(raw["particles"]),
        not_names=folded_set(raw["not_names"]),
        roles=folded_set(raw["roles"]),
        max_words=int(raw["max_words"]),
        max_length=int(raw["max_length"]),
    )


@dataclass(frozen=True)
class _Token:
    surface: str
    folded: str
    start: int
    end: int


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    found = []
    for match in _TOKEN.finditer(text):
        folded = fold_any_script(match.group(0))
        if folded:
            found.append(_Token(match.group(0), folded, match.start() + offset, match.end() + offset))
    return found


def _strip_lead(tokens: list[_Token], lists: _Lists) -> tuple[list[_Token], bool]:
    """Drop greetings and a lead-in ("hallo, ik ben ..."); True when a lead-in was found."""
    lead_in = False
    changed = True
    while tokens and changed:
        changed = False
        while tokens and tokens[0].folded in lists.greetings and len(tokens) > 1:
            tokens = tokens[1:]
            changed = True
        folded = [t.folded for t in tokens]
        for prefix in lists.prefixes:
            if tuple(folded[: len(prefix)]) == prefix and len(folded) > len(prefix):
                tokens = tokens[len(prefix) :]
                lead_in = changed = True
                break
    return tokens, lead_in


def _strip_tail(tokens: list[_Token], lists: _Lists) -> list[_Token]:
    changed = True
    while tokens and changed:
        changed = False
        folded = [t.folded for t in tokens]
        for suffix in lists.suffixes:
            if len(folded) > len(suffix) and tuple(folded[-len(suffix) :]) == suffix:
                tokens = tokens[: -len(suffix)]
                changed = True
                break
    return tokens


def _first_clause(text: str) -> tuple[str, int, bool]:
    """The text up to the first clause break; its offset; True when more text followed.

    A spaced dash before the second part of a double surname is no break
    ("Ricardo van der Kamp - Sedney").
    """
    for match in _CLAUSE_BREAK.finditer(text):
        head = text[: match.start()]
        if not _tokens(head):
            continue
        if _SPACED_DASH.fullmatch(match.group(0)) and _surname_part_follows(head, text[match.end() :]):
            continue
        return head, 0, bool(fold_any_script(text[match.end() :]))
    return text, 0, False


def _surname_part_follows(head: str, rest: str) -> bool:
    """True when ``rest`` starts with a surname part: name words (particles allowed), no place."""
    lists = _lists()
    following = _CLAUSE_BREAK.search(rest)
    segment = rest[: following.start()] if following else rest
    tokens = _tokens(segment)
    if not tokens or len(tokens) > _SURNAME_PART_MAX_WORDS or tokens[-1].folded in lists.particles:
        return False
    if any(ch.isdigit() for ch in segment):
        return False
    if len(tokens) == 1 and tokens[0].folded in _municipality_names():
        return False  # "Jan de Vries - Almere"
    capitals = any(ch.isupper() for ch in head)
    stop_words = dutch_stop_words()
    for token in tokens:
        if token.folded in lists.particles:
            continue
        if token.folded in stop_words or token.folded in lists.not_names or token.folded in lists.roles:
            return False
        if capitals and not token.surface[:1].isupper():
            return False
    return True


def _split_sentence(text: str, lists: _Lists) -> str:
    """Cut at ". " when it ends a sentence, not after an initial or a title ("dhr. Jansen")."""
    for match in re.finditer(r"\.\s+", text):
        before = _tokens(text[: match.start() + 1])
        if before and len(before[-1].folded) > 2 and before[-1].folded not in lists.titles:
            return text[: match.start()]
    return text


def _value(text: str, tokens: list[_Token]) -> str:
    value = text[tokens[0].start : tokens[-1].end].strip()
    if value.endswith(".") and len(tokens[-1].folded) > 1 and tokens[-1].folded not in _lists().titles:
        value = value[:-1]
    return re.sub(r"\s+", " ", value).strip(" \"-–—").rstrip("'’‘`")


def read_name(text: str) -> NameResult:
    """The name in ``text`` as typed, or a reason why it is not a name.

    Reasons: "empty", "digits", "email", "sentence", "not_a_name", "unclear". Questions and
    skip words are handled by the caller (bot.domain.dialogue.answers.read_answer).
    """
    lists = _lists()
    raw = (text or "").strip()
    if not raw:
        return NameResult(None, "empty")
    if not fold_any_script(raw):
        return NameResult(None, "unclear")
    if "@" in raw:
        return NameResult(None, "email")
    if len(raw) > lists.max_length * 2:
        return NameResult(None, "sentence")
    body = _EMOJI_OR_SYMBOL.sub(" ", raw)
    body = _split_sentence(body, lists)
    all_tokens = _tokens(body)
    if not all_tokens:
        return NameResult(None, "digits" if any(ch.isdigit() for ch in raw) else "unclear")
    if fold_any_script(body) in lists.not_names:
        return NameResult(None, "not_a_name")
    tokens, lead_in = _strip_lead(all_tokens, lists)
    # Cut off what follows the name ("ik ben Fatima en bel me maar 's avonds").
    start = tokens[0].start if tokens else 0
    head, _, more = _first_clause(body[start:])
    if more:
        head_tokens = _tokens(head, start)
        rest_tokens = [t for t in tokens if t.start >= start + len(head)]
        # "Verhoeven, Anja": two parts that are both names stay together.
        if not (len(rest_tokens) <= 2 and _names_only(rest_tokens, lists) and "," in body and not lead_in):
            tokens = head_tokens
    tokens = _strip_place(_strip_tail(tokens, lists))
    if not tokens:
        return NameResult(None, "not_a_name")
    # Digits within the name part ("Jan 2", "0612345678"); "Jeroen, bel na 5" keeps "Jeroen".
    if any(ch.isdigit() for ch in body[tokens[0].start : tokens[-1].end]) or (
        not more and any(ch.isdigit() for ch in body)
    ):
        return NameResult(None, "digits")
    title_case = len(tokens) <= 3 and not lead_in and all(t.surface[:1].isupper() for t in tokens)
    return _judge(body, tokens, lists, long_message=len(all_tokens) >= 6, title_case=title_case)


def _strip_place(tokens: list[_Token]) -> list[_Token]:
    """Drop "uit Almere" / "in Dordrecht" / "te Goes" after the name (an exact municipality name)."""
    from bot.domain.gemeente_recognition import recognise_gemeente

    for index in range(len(tokens) - 1, 0, -1):
        if tokens[index].folded in ("uit", "in", "te") and index + 1 < len(tokens):
            place = " ".join(t.folded for t in tokens[index:])
            if recognise_gemeente(place) is not None:
                return tokens[:index]
    return tokens


# A word this frequent in Dutch (Zipf) and this rare in the other languages wordfreq knows is
# an ordinary Dutch word, not a name: names occur in every language's texts ("Gijs" is 1.5
# outside Dutch, "Truus" 1.3, "Kees" 2.6), Dutch nouns do not ("huisarts" 0, "buurvrouw" 0).
DUTCH_WORD_MIN_ZIPF = 3.5
OTHER_LANGUAGES_MAX_ZIPF = 1.0
_OTHER_LANGUAGES = ("en", "de", "fr", "tr", "pl", "es", "it")


@lru_cache(maxsize=4096)
def _dutch_only_word(word: str) -> bool:
    from wordfreq import zipf_frequency

    if zipf_frequency(word, "nl") < DUTCH_WORD_MIN_ZIPF:
        return False
    return all(zipf_frequency(word, lang) <= OTHER_LANGUAGES_MAX_ZIPF for lang in _OTHER_LANGUAGES)


@lru_cache(maxsize=1)
def _municipality_names() -> frozenset[str]:
    """Official municipality names that are not ordinary words (data/gemeenten_nl.yml)."""
    import yaml

    from bot.domain.gemeente_recognition import GEMEENTEN_FILE

    raw = yaml.safe_load(GEMEENTEN_FILE.read_text(encoding="utf-8"))
    return frozenset(
        fold_any_script(item["naam"]) for item in raw["gemeenten"] if not item.get("dubbelzinnig", False)
    )


def _names_only(tokens: list[_Token], lists: _Lists) -> bool:
    return bool(tokens) and all(
        t.surface[:1].isupper() and t.folded not in dutch_stop_words() and t.folded not in lists.not_names
        for t in tokens
    )


def _judge(body: str, tokens: list[_Token], lists: _Lists, long_message: bool, title_case: bool) -> NameResult:
    """Accept or refuse the name part. ``title_case``: a short answer with every word
    capitalised ("Li Na", "Ben Al"): function words there are read as name words."""
    folded_all = " ".join(t.folded for t in tokens)
    if folded_all in lists.not_names:
        return NameResult(None, "not_a_name")
    stop_words = dutch_stop_words()
    name_words = []
    function_words = 0
    for index, token in enumerate(tokens):
        word = token.folded
        if word in lists.titles and index < len(tokens) - 1:
            continue
        if word in lists.particles and 0 < len(tokens) - 1 and index < len(tokens) - 1:
            continue  # "van der Berg", "El Amrani": a particle before another word
        if word in lists.roles:
            return NameResult(None, "sentence" if long_message else "not_a_name")
        if word in stop_words and not title_case and not (
            len(tokens) == 1 and word in _STOP_WORDS_THAT_ARE_NAMES
        ):
            function_words += 1
            continue
        if word in lists.not_names and len(tokens) <= 2:
            return NameResult(None, "not_a_name")
        name_words.append(token)
    if function_words:
        return NameResult(None, "sentence" if len(tokens) >= 4 or long_message else "not_a_name")
    if not name_words:
        return NameResult(None, "not_a_name")
    if len(name_words) > lists.max_words:
        return NameResult(None, "sentence")
    if any(len(t.folded) > 30 for t in name_words):
        return NameResult(None, "unclear")
    if len(name_words) == len(tokens) and all(_dutch_only_word(t.folded) for t in name_words):
        return NameResult(None, "not_a_name")  # "huisarts", "momentje", "heel moeilijk"
    if len(tokens) == 1 and tokens[0].folded in _municipality_names():
        return NameResult(None, "not_a_name")  # "Dordrecht" typed at the name question
    value = _value(body, tokens)
    if len(value) > lists.max_length:
        return NameResult(None, "sentence")
    return NameResult(value)
