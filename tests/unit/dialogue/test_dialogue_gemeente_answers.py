"""Municipality answers: every municipality and place of data/gemeenten_nl.yml, common words
that are never a municipality, and the website's municipality that a look-alike never overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.domain.dialogue.answers import read_answer
from bot.domain.gemeente_recognition import GEMEENTEN_FILE, is_common_word, recognise_gemeente

TABLES = Path(__file__).parent / "tables"
COMMON = yaml.safe_load((TABLES / "common_words.yml").read_text(encoding="utf-8"))
RAW = yaml.safe_load(GEMEENTEN_FILE.read_text(encoding="utf-8"))


def _names() -> dict[str, list[tuple[str, str]]]:
    """Per province: (what a resident may type, slug) for every name, alias and place in the data file."""
    found: dict[str, list[tuple[str, str]]] = {}
    for item in RAW["gemeenten"]:
        slug = item["slug"]
        rows = found.setdefault(item["provincie"], [])
        rows.append((item["naam"], slug))
        rows.append((slug.replace("-", " "), slug))
        for alias in [*(item.get("aliassen") or []), *(item.get("dubbelzinnige_aliassen") or [])]:
            rows.append((alias, slug))
    return found


NAMES = _names()


def test_the_data_file_is_covered():
    assert len(RAW["gemeenten"]) == 342
    assert len(NAMES) == 12
    assert sum(len(rows) for rows in NAMES.values()) > 342 * 2


@pytest.mark.parametrize("province", sorted(NAMES))
def test_every_name_and_place_is_an_answer(province: str):
    wrong = []
    for text, slug in NAMES[province]:
        for typed in (text, text.lower(), text.upper(), f"{text}.", f"ik woon in {text}", f"gemeente {text}"):
            reading = read_answer("gemeente", typed)
            if not (reading.understood and reading.value == slug):
                wrong.append((typed, slug, reading.value))
    assert not wrong


@pytest.mark.parametrize("text", COMMON["never_municipality"])
def test_common_words_are_never_a_municipality(text: str):
    assert len(COMMON["never_municipality"]) >= 150
    assert recognise_gemeente(text) is None
    assert recognise_gemeente(text, expecting_answer=True) is None
    assert recognise_gemeente(f"ik wil {text}") is None
    assert recognise_gemeente(text, expecting_answer=True, metadata_gemeente="dordrecht") is None
    assert not read_answer("gemeente", text).understood


@pytest.mark.parametrize("text", COMMON["ordinary_word_municipalities"])
def test_ordinary_word_municipalities_only_at_the_question(text: str):
    slug = text.lower()
    assert recognise_gemeente(text) is None  # e.g. the answer to the name or time question
    assert recognise_gemeente(f"ik heb {text.lower()} gedaan") is None
    assert read_answer("gemeente", text).value == slug
    assert read_answer("gemeente", text.lower()).value == slug
    assert recognise_gemeente(f"ik woon in {text}").slug == slug


@pytest.mark.parametrize(
    "word", ["bellen", "middag", "morgen", "buiten", "mailen", "wonen", "helpen", "beter", "tellen", "ballen"]
)
def test_frequent_words_are_common(word: str):
    assert is_common_word(word)


@pytest.mark.parametrize("word", ["dortrecht", "almera", "zierikze", "papendrect", "amsterdm", "roterdam"])
def test_misspellings_are_not_common(word: str):
    assert not is_common_word(word)
    assert recognise_gemeente(word, expecting_answer=True) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bellen", None),  # the reported bug: read as Beilen (Midden-Drenthe)
        ("Beilen", None),  # a real place, but the website said Dordrecht and no cue
        ("Zwijndrecht", None),
        ("ik werk in Rotterdam", None),
        ("mijn dochter zit op school in Breda", None),
        ("dortrecht", "dordrecht"),
        ("Dordrecht", "dordrecht"),
        ("ik woon in Zwijndrecht", "zwijndrecht"),
        ("wij wonen in Papendrecht", "papendrecht"),
        ("gemeente Zwijndrecht", "zwijndrecht"),
        ("woonplaats Sliedrecht", "sliedrecht"),
        ("ik woon in Zwijndreht", None),  # a misspelling never overrides
    ],
)
def test_the_websites_municipality_is_not_overridden_by_a_look_alike(text: str, expected: str | None):
    for expecting in (False, True):
        match = recognise_gemeente(text, expecting_answer=expecting, metadata_gemeente="dordrecht")
        assert (match.slug if match else None) == expected, (text, expecting)
    reading = read_answer("gemeente", text, metadata_gemeente="dordrecht")
    assert reading.value == expected


def test_without_metadata_old_callers_keep_working():
    assert recognise_gemeente("Zwijndrecht").slug == "zwijndrecht"
    assert recognise_gemeente("ik woon in Dortrecht").slug == "dordrecht"
    assert recognise_gemeente("Beilen").slug == "midden-drenthe"
