"""Which language a resident writes in, when that is clear, and the texts for other languages.

``detect_language(text) -> str | None`` answers an ISO 639-1 code ("nl", "en", "tr", "ar",
"pl", "de", "fr", "uk", "ru") only when it is confident, else None:

- Arabic and Cyrillic script are unambiguous: two letters of it, and most of the letters
  in the message, are enough ("مرحبا" is Arabic). Cyrillic is Ukrainian or Russian.
- Latin script needs at least three words and twelve letters, so a name ("Mehmet",
  "Agnieszka Kowalska") or a short "hello" is never read as another language; up to four
  words that all start with a capital are a name ("Fatima El Amrani").
- Dutch with a few English words stays Dutch: two Dutch function words that make up at
  least a fifth of the words mean Dutch ("ik heb een meeting met de gemeente").
- Otherwise the lingua detector (``lingua-language-detector``, only the languages above
  loaded, built once) must be at least 0.75 sure, or, for English, the message must have
  several English function words and no Dutch ones.

Never call this on an answer to a question the bot asked (a name, a street, a time):
see ../shared/design/decisions.md ("Language detection never runs on an answer to an
expected question"). The texts per language live in data/languages.yml
(``language_texts(code)``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from bot.domain.text import normalise_text
from bot.paths import DATA_DIR

LANGUAGES_FILE = DATA_DIR / "languages.yml"
DUTCH = "nl"
# Codes this module can answer; the lingua languages are named in _detector().
SUPPORTED = ("nl", "en", "tr", "ar", "pl", "de", "fr", "uk", "ru")
MIN_WORDS = 3
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.75
# A short message of capitalised words only is a name ("Fatima El Amrani", "Nguyen Van An").
MAX_NAME_WORDS = 4

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RUSSIAN_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")
_LETTER = re.compile(r"[^\W\d_]")
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[#@]\w+")

# Short words that only (or almost only) Dutch uses; a Dutch sentence has several.
DUTCH_WORDS = frozenset(
    # Left out on purpose: words that are common in English, German, French, Polish or
    # Turkish too (je, de, en, te, me, we, is, was, die, wie, er, hier, hallo, dank, dit,
    # u, ben, kan, met, zo, al, op).
    """
    ik mijn mn m'n jij jou jouw uw wij zij hij haar ons onze jullie mij het een niet wat
    hoe waar waarom wanneer welke voor dat deze heb hebt heeft hebben bent zijn kunt kunnen
    wil wilt willen moet moeten mogen graag geen nog ook naar bij maar wel dan daar om aan
    uit van heel veel weet weten goed bedankt alstublieft aub hoi gemeente hulp vraag vragen
    iemand spreken bellen kosten gratis betalen brief
    """.split()
)
# Words that mark English when no Dutch words are present.
ENGLISH_WORDS = frozenset(
    """
    i my me you your the a an is are am was what how who where when why which can could
    do does did need help please hello hi thanks thank to of for with and not this that it
    have has get got speak talk someone person call cost free pay letter municipality
    """.split()
)


@lru_cache(maxsize=1)
def _detector() -> Any:
    """The lingua detector for the supported languages (built once; models load lazily)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.DUTCH, Language.ENGLISH, Language.TURKISH, Language.ARABIC, Language.POLISH,
        Language.GERMAN, Language.FRENCH, Language.UKRAINIAN, Language.RUSSIAN,
    ]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def warm_up() -> None:
    """Build the detector and load its models now (a second or two), not on a first message."""
    for sample in ("dit is een zin in het nederlands", "this is an english sentence", "to jest zdanie"):
        detect_language(sample)


def _code(language: Any) -> str:
    return language.iso_code_639_1.name.lower()


def _cyrillic(text: str) -> str:
    if _UKRAINIAN_ONLY.search(text):
        return "uk"
    if _RUSSIAN_ONLY.search(text):
        return "ru"
    values = _detector().compute_language_confidence_values(text)
    for value in values:
        code = _code(value.language)
        if code in {"uk", "ru"}:
            return code
    return "uk"


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language of `text` when confident, else None (see module doc)."""
    if not isinstance(text, str):
        return None
    cleaned = _NOISE.sub(" ", text).strip()
    letters = _LETTER.findall(cleaned)
    if not letters:
        return None
    arabic = len(_ARABIC.findall(cleaned))
    cyrillic = len(_CYRILLIC.findall(cleaned))
    if arabic >= 2 and arabic * 2 > len(letters):
        return "ar"
    if cyrillic >= 2 and cyrillic * 2 > len(letters):
        return _cyrillic(cleaned)
    words = normalise_text(cleaned).split()
    raw_words = [w.lower() for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", cleaned)]
    if len(words) < MIN_WORDS or len(letters) < MIN_LETTERS:
        return None
    if len(raw_words) <= MAX_NAME_WORDS and all(w[:1].isupper() for w in re.findall(r"[^\W\d_]+", cleaned)):
        return None  # "Fatima El Amrani": a name, not French
    dutch = sum(1 for w in raw_words if w in DUTCH_WORDS)
    if dutch >= 2 and dutch * 5 >= len(raw_words):
        return DUTCH
    values = _detector().compute_language_confidence_values(cleaned)
    if values:
        top = values[0]
        code = _code(top.language)
        if top.value >= MIN_CONFIDENCE and code in SUPPORTED:
            return code
    english = sum(1 for w in raw_words if w in ENGLISH_WORDS)
    if dutch == 0 and english >= 2 and english * 4 >= len(raw_words):
        return "en"
    return None


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8")) or {}
    languages = raw.get("talen") or {}
    required = {"naam", "intro", "telefoon", "terugbellen", "crisis", "knop_terugbellen"}
    for code, entry in languages.items():
        missing = required - set(entry or {})
        if missing:
            raise ValueError(f"{LANGUAGES_FILE.name}: {code} misses {sorted(missing)}")
    return {code: dict(entry) for code, entry in languages.items()}


def language_codes_with_texts() -> list[str]:
    """The languages data/languages.yml has a fixed text for."""
    return list(_texts())


def language_texts(code: str) -> dict[str, str] | None:
    """The fixed texts for language `code` (keys as in data/languages.yml), or None."""
    return _texts().get(code)
