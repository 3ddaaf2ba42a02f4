"""bot/text.py: the one normalising of keyword nets, and Dutch lists ("A, B en C")."""

from __future__ import annotations

import pytest

from bot import life_domains
from bot.catalogue import is_served, load_catalogue, resolve
from bot.text import OR, join_dutch, normalise_text, tokenise

NORMALISED = [
    ("Cliëntondersteuning", "clientondersteuning"),
    ("cliënt-ondersteuning", "client ondersteuning"),
    ("M'n MOEDER!", "mn moeder"),
    ("m’n moeder", "mn moeder"),
    ("zzp'er   zonder    werk", "zzper zonder werk"),
    ("ik heb schulden!!!", "ik heb schulden"),
    ("Wat kost het?\nEn hoe lang duurt 't", "wat kost het en hoe lang duurt t"),
    ("café crème à la carte", "cafe creme a la carte"),
    ("  ", ""),
    ("", ""),
    ("UWV-uitkering (WW) gestopt", "uwv uitkering ww gestopt"),
    ("0612345678", "0612345678"),
    ("jeugdzorg/wmo", "jeugdzorg wmo"),
]


@pytest.mark.parametrize(("text", "normalised"), NORMALISED)
def test_normalise_text(text: str, normalised: str) -> None:
    assert normalise_text(text) == normalised
    assert tokenise(text) == normalised.split()


@pytest.mark.parametrize(("text", "_normalised"), NORMALISED)
def test_the_life_domain_lexicon_folds_text_the_same_way(text: str, _normalised: str) -> None:
    """bot/life_domains.py keeps its own copy until it imports bot.text (issue 15)."""
    assert life_domains.normalise_text(text) == normalise_text(text)
    assert life_domains.tokenise(text) == tokenise(text)


@pytest.mark.parametrize(("items", "joined"), [
    ([], ""),
    (["Dordrecht"], "Dordrecht"),
    (["Dordrecht", "Almere"], "Dordrecht en Almere"),
    (["Dordrecht", "Almere", "Papendrecht"], "Dordrecht, Almere en Papendrecht"),
    (["geld", "wonen", "werk", "zorg"], "geld, wonen, werk en zorg"),
    (("Almere", "Dordrecht"), "Almere en Dordrecht"),
])
def test_join_dutch(items, joined: str) -> None:
    assert join_dutch(items) == joined


def test_join_dutch_with_or() -> None:
    assert join_dutch(["nieuw", "in behandeling", "afgerond"], OR) == "nieuw, in behandeling of afgerond"


@pytest.mark.parametrize("slug", load_catalogue().slugs())
def test_every_catalogue_municipality_is_served(slug: str) -> None:
    assert resolve(slug) is load_catalogue().get(slug)
    assert is_served(slug)


@pytest.mark.parametrize("value", [None, "", "onbekend", "utrecht", "Dordrecht", " dordrecht", 42, ["dordrecht"],
                                   {"gemeente": "dordrecht"}, "nergenshuizen"])
def test_anything_else_is_not_served(value) -> None:
    assert resolve(value) is None
    assert not is_served(value)
