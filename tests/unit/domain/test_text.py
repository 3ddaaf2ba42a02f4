"""bot/domain/text.py: the one normalising of keyword nets, and Dutch lists ("A, B en C")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.domain import text as text_module
from bot.domain.catalogue import is_served, load_catalogue, resolve
from bot.domain.text import OR, join_dutch, normalise_text, tokenise
from bot.paths import PROJECT_ROOT

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


def test_bot_text_is_the_only_place_that_defines_the_folding() -> None:
    """Every keyword net folds with bot.domain.text: no module keeps a copy of its own (issue 15)."""
    defined = sorted(
        f"{path.relative_to(PROJECT_ROOT)}:{node.name}"
        for path in (PROJECT_ROOT / "bot").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name in {"normalise_text", "tokenise"}
    )
    assert defined == [f"{Path(text_module.__file__).resolve().relative_to(PROJECT_ROOT)}:{name}"
                       for name in ("normalise_text", "tokenise")]


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
