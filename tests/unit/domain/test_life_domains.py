"""Life-domain detection from residents' own words."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.life_domains import (
    LIFE_DOMAINS,
    LIFE_DOMAINS_FILE,
    Pattern,
    detect_life_domains,
    life_domain_label,
    normalise_text,
)

CONTRACT_DOMAINS = {
    "wonen",
    "werk",
    "geld",
    "zorg",
    "jeugd",
    "onderwijs",
    "welzijn",
    "wmo",
    "mantelzorg",
}


def test_canonical_values_and_labels():
    assert set(LIFE_DOMAINS) == CONTRACT_DOMAINS
    assert len(LIFE_DOMAINS) == len(CONTRACT_DOMAINS)
    raw = yaml.safe_load(LIFE_DOMAINS_FILE.read_text(encoding="utf-8"))
    for entry in raw["levensgebieden"]:
        assert life_domain_label(entry["waarde"]) == entry["label"]
    assert life_domain_label("geld") == "Geld en schulden"
    assert life_domain_label("wonen") == "Wonen"
    with pytest.raises(KeyError):
        life_domain_label("sport")


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("Ik heb schulden en weet niet meer hoe ik moet betalen", "geld"),
        ("ik heb een schuld bij de belastingdienst", "geld"),
        ("De rekeningen stapelen zich op", "geld"),
        ("mijn energierekening is veel te hoog", "geld"),
        ("Ik krijg steeds aanmaningen en nu komt de deurwaarder", "geld"),
        ("Ik heb shulden", "geld"),
        ("mijn uitkering is gestopt", "geld"),
        ("ik moet mijn huis uit", "wonen"),
        ("We hebben een huurachterstand en de woningcorporatie belt steeds", "wonen"),
        ("Ik ben dakloos", "wonen"),
        ("er zit schimmel in mijn woning", "wonen"),
        ("Ik ben mijn baan kwijt", "werk"),
        ("ik ben ontslagen en zoek werk", "werk"),
        ("hoe kom ik weer aan het werk na mijn ziekte", "werk"),
        ("Ik ben erg somber en heb last van angst", "zorg"),
        ("mijn man is verslaafd aan alcohol", "zorg"),
        ("Mijn moeder heeft dementie", "zorg"),
        ("Ik wacht al maanden op de GGZ", "zorg"),
        ("Mijn zoon van 14 spijbelt en ik weet niet hoe ik hem moet opvoeden", "jeugd"),
        ("Ik zoek jeugdhulp voor mijn dochter", "jeugd"),
        ("ik heb problemen met de opvoeding van mijn kinderen", "jeugd"),
        ("Mijn kind zit al maanden thuis en kan niet naar school", "onderwijs"),
        ("Hij krijgt geen passend onderwijs", "onderwijs"),
        ("Ik wil graag Nederlands leren", "onderwijs"),
        ("Ik voel me zo eenzaam sinds mijn man is overleden", "welzijn"),
        ("ik voel me heel eensaam", "welzijn"),
        ("ik zoek vrijwilligerswerk", "welzijn"),
        ("Is er dagbesteding voor mij?", "welzijn"),
        ("Ik kan het huishouden niet meer alleen", "wmo"),
        ("Ik heb hulp in huis nodig", "wmo"),
        ("Ik heb een scootmobiel nodig", "wmo"),
        ("Kan ik een traplift aanvragen via de Wmo?", "wmo"),
        ("Hoe regel ik vervoer naar het ziekenhuis?", "wmo"),
        ("ik zorg voor mijn vader en ik ben overbelast", "mantelzorg"),
        ("Ik ben mantelzorger van mijn zus", "mantelzorg"),
        ("Ik moet de hele dag voor mijn zieke moeder zorgen", "mantelzorg"),
    ],
)
def test_each_domain_in_realistic_sentences(text, domain):
    assert domain in detect_life_domains(text)


def test_several_domains_in_one_sentence_in_stable_order():
    text = "Ik heb schulden, mijn huur is te hoog en mijn zoon gaat niet meer naar school"
    assert detect_life_domains(text) == ["wonen", "geld", "jeugd", "onderwijs"]
    assert detect_life_domains("school en schulden en schulden") == ["geld", "onderwijs"]


def test_case_accents_and_punctuation_do_not_matter():
    plain = detect_life_domains("ik voel me geisoleerd en heb SCHULDEN!!!")
    assert plain == detect_life_domains("Ik voel me geïsoleerd en heb schulden.")
    assert plain == ["geld", "welzijn"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hallo",
        "Wat is onafhankelijke cliëntondersteuning?",
        "Hoe werkt dat precies?",
        "Dat geldt ook voor mij",
        "Ik voel me schuldig",
        "Het is mijn eigen schuld",
        "Ik maak me zorgen",
        "Is het gratis?",
        "Dank u wel",
        "Ik wil iemand spreken",
        "schoon",
    ],
)
def test_no_domain(text):
    assert detect_life_domains(text) == []


def test_exceptions_only_hide_their_own_words():
    # "hulp in huis" is Wmo, not housing; a real housing word still counts.
    assert detect_life_domains("ik heb hulp in huis nodig") == ["wmo"]
    assert "wonen" in detect_life_domains("ik heb hulp in huis nodig en zoek een woning")
    assert detect_life_domains("mijn schuld") == []
    assert detect_life_domains("mijn schulden") == ["geld"]


def test_pattern_syntax():
    words = normalise_text("de energierekening en rekeningen").split()
    assert Pattern.parse("*rekening").spans(words)
    assert Pattern.parse("rekening*").spans(words)
    assert not Pattern.parse("rekening").spans(words)
    assert Pattern.parse("*ergie*").spans(words)
    assert Pattern.parse("voor mijn ? zorgen").spans("voor mijn vader zorgen".split())
    # One typo only for long words.
    assert Pattern.parse("dagbesteding").spans(["dagbesteeding"])
    assert not Pattern.parse("huur").spans(["hur"])
    with pytest.raises(ValueError):
        Pattern.parse("?")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_never_crashes_and_returns_canonical_values(text):
    found = detect_life_domains(text)
    assert len(found) == len(set(found))
    assert found == [d for d in LIFE_DOMAINS if d in found]
