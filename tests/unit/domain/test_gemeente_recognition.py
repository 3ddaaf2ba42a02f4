"""Municipality recognition: names, aliases, misspellings, villages, ambiguous words."""

from __future__ import annotations

import re
import unicodedata

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue import load_catalogue
from bot.domain.gemeente_recognition import (
    GEMEENTEN_FILE,
    all_gemeenten,
    gemeente_naam,
    is_served,
    recognise_gemeente,
    served_gemeenten,
)


def _raw() -> dict:
    return yaml.safe_load(GEMEENTEN_FILE.read_text(encoding="utf-8"))


def _slugify(name: str) -> str:
    """The slug rule of docs/contract.md §5, written independently of the bot's code."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = plain.replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def test_the_list_holds_all_municipalities_of_2025():
    gemeenten = _raw()["gemeenten"]
    assert len(gemeenten) == 342
    assert len({g["slug"] for g in gemeenten}) == 342
    assert len({g["provincie"] for g in gemeenten}) == 12
    for g in gemeenten:
        assert g["slug"] == _slugify(g["naam"]), g["naam"]
    names = all_gemeenten()
    assert names["s-hertogenbosch"] == "'s-Hertogenbosch"
    assert names["sudwest-fryslan"] == "Súdwest-Fryslân"
    assert gemeente_naam("s-gravenhage") == "'s-Gravenhage"
    assert gemeente_naam("atlantis") is None


def test_served_flags_follow_the_catalogue_files():
    served = served_gemeenten()
    assert [slug for slug, _ in served] == sorted(load_catalogue().slugs())
    assert all(naam == load_catalogue().get(slug).naam for slug, naam in served)
    assert all(is_served(slug) for slug, _ in served)
    assert not is_served("utrecht")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Dordrecht", "dordrecht"),
        ("Ik woon in Dordrecht en heb schulden", "dordrecht"),
        ("ik woon in dordt", "dordrecht"),
        ("DORDT", "dordrecht"),
        ("Papendrecht", "papendrecht"),
        ("wij wonen in papendrecht sinds kort", "papendrecht"),
        ("Almere", "almere"),
        ("ik woon in Almere Buiten", "almere"),
        ("almere-haven", "almere"),
        ("Schouwen-Duiveland", "schouwen-duiveland"),
        ("schouwen duiveland", "schouwen-duiveland"),
        ("Ik woon in Zierikzee", "schouwen-duiveland"),
        ("Brouwershaven", "schouwen-duiveland"),
        ("renesse", "schouwen-duiveland"),
        ("Bruinisse", "schouwen-duiveland"),
        ("Burgh-Haamstede", "schouwen-duiveland"),
        ("Nieuwerkerk", "schouwen-duiveland"),
        ("Den Haag", "s-gravenhage"),
        ("ik woon in 's-Gravenhage", "s-gravenhage"),
        ("den bosch", "s-hertogenbosch"),
        ("'s-Hertogenbosch", "s-hertogenbosch"),
        ("Súdwest-Fryslân", "sudwest-fryslan"),
        ("sudwest fryslan", "sudwest-fryslan"),
        ("Nieuwerkerk aan den IJssel", "zuidplas"),
        ("Bergen op Zoom", "bergen-op-zoom"),
        ("ik kom uit Rotterdam", "rotterdam"),
        ("gemeente Utrecht", "utrecht"),
        ("Capelle aan den IJssel", "capelle-aan-den-ijssel"),
    ],
)
def test_names_aliases_and_villages(text, slug):
    match = recognise_gemeente(text)
    assert match is not None and match.slug == slug
    assert match.naam == gemeente_naam(slug)
    assert match.served == is_served(slug)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("dortrecht", "dordrecht"),
        ("Dordrect", "dordrecht"),
        ("almeere", "almere"),
        ("Almera", "almere"),
        ("papendrect", "papendrecht"),
        ("schouwen duivenland", "schouwen-duiveland"),
        ("zierikze", "schouwen-duiveland"),
        ("amsterdm", "amsterdam"),
        ("de bild", "de-bilt"),
        ("gemeente roterdam", "rotterdam"),
    ],
)
def test_misspellings_as_an_answer(text, slug):
    match = recognise_gemeente(text, expecting_answer=True)
    assert match is not None and match.slug == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("ik woon in Dortrecht", "dordrecht"),
        ("Hallo, ik woon in de gemeente papendrect en heb een vraag", "papendrecht"),
        ("wij wonen in amsterdm", "amsterdam"),
    ],
)
def test_misspellings_after_a_signal_word_in_free_text(text, slug):
    match = recognise_gemeente(text)
    assert match is not None and match.slug == slug


def test_served_is_true_only_for_catalogue_municipalities():
    assert recognise_gemeente("Almere").served
    other = recognise_gemeente("Lelystad")
    assert other is not None and other.slug == "lelystad" and not other.served


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("ik woon in Buren", "buren"),
        ("gemeente Best", "best"),
        ("ik woon in Goes", "goes"),
        ("Ik kom uit Putten", "putten"),
        ("wonend te Ede", "ede"),
        ("in Huizen", "huizen"),
        ("woonplaats Oss", "oss"),
    ],
)
def test_ambiguous_names_with_context(text, slug):
    match = recognise_gemeente(text)
    assert match is not None and match.slug == slug


@pytest.mark.parametrize(
    "text",
    [
        "ik heb ruzie met mijn buren",
        "ik doe mijn best",
        "dat is het beste",
        "we moeten putten uit onze spaarcenten",
        "ik kamp met schulden",
        "het leek me goed",
        "Ik woon in Nederland",
    ],
)
def test_ambiguous_names_without_context_are_not_municipalities(text):
    assert recognise_gemeente(text) is None


@pytest.mark.parametrize(("text", "slug"), [("Buren", "buren"), ("Best", "best"), ("goes", "goes")])
def test_bare_ambiguous_name_counts_only_as_an_answer(text, slug):
    assert recognise_gemeente(text) is None
    match = recognise_gemeente(text, expecting_answer=True)
    assert match is not None and match.slug == slug
    assert recognise_gemeente(f"ik woon in {text}", expecting_answer=True).slug == slug


def test_long_sentence_with_an_ambiguous_word_is_no_answer():
    assert recognise_gemeente("ik heb ruzie met mijn buren", expecting_answer=True) is None
    assert recognise_gemeente("ik doe echt mijn best", expecting_answer=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ja",
        "nee",
        "weet ik niet",
        "Ik woon in een flat",
        "ik zit in de schulden",
        "ik woon in armoede",
        "ik ben in behandeling",
        "ik ben in de war",
        "Ik heb een vraag over mijn huur",
        "Wat is onafhankelijke cliëntondersteuning?",
        "rosendaal",  # Rozendaal or Roosendaal: too unclear to guess
        "ik woon in Bergen",  # two municipalities are called Bergen
    ],
)
def test_no_municipality(text):
    assert recognise_gemeente(text) is None
    assert recognise_gemeente(text, expecting_answer=True) is None


def test_short_words_are_never_fuzzy_matched():
    # "Epe" and "Ede" differ by one letter from many short words; only exact names count.
    for text in ("ape", "eden", "ese", "mede", "oost"):
        assert recognise_gemeente(f"ik woon in {text}") is None


def test_alias_keys_do_not_clash():
    seen: dict[str, str] = {}
    for g in _raw()["gemeenten"]:
        for alias in [*(g.get("aliassen") or []), *(g.get("dubbelzinnige_aliassen") or [])]:
            assert seen.setdefault(alias, g["slug"]) == g["slug"], alias


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes(text):
    for expecting in (False, True):
        match = recognise_gemeente(text, expecting_answer=expecting)
        assert match is None or match.slug in all_gemeenten()


@pytest.mark.parametrize("text", ["bellen", "middag", "mailen", "morgen", "buiten", "tellen"])
def test_common_words_are_no_misspelled_places(text):
    # Issue 10: "bellen" at the contact question was read as Beilen (Midden-Drenthe).
    assert recognise_gemeente(text, expecting_answer=True) is None
    assert recognise_gemeente(f"ik woon in {text}") is None


def test_a_look_alike_never_overrides_the_websites_municipality():
    assert recognise_gemeente("Beilen", expecting_answer=True, metadata_gemeente="dordrecht") is None
    assert recognise_gemeente("dortrecht", expecting_answer=True, metadata_gemeente="dordrecht").slug == "dordrecht"
    assert recognise_gemeente("ik woon in Zwijndrecht", metadata_gemeente="dordrecht").slug == "zwijndrecht"
