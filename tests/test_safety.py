"""Crisis keyword safety net."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety import CRISIS_KINDS, crisis_kinds_by_urgency, detect_crisis, helpline


def _kinds(text: str) -> list[str]:
    signal = detect_crisis(text)
    return signal.kinds if signal else []


@pytest.mark.parametrize(
    "text",
    [
        "Ik zie het niet meer zitten",
        "ik zie t echt niet meer ziten",
        "Ik zie het leven niet meer zitten.",
        "ik wil dood",
        "IK WIL DOOD",
        "ik wil gewoon dood",
        "was ik maar dood",
        "Ik wil er een eind aan maken",
        "ik wil een einde aan mijn leven maken",
        "ik wil niet meer leven",
        "ik wil er niet meer zijn",
        "Ik denk aan zelfmoord",
        "ik denk de laatste tijd aan zelf moord",
        "zelfmoort",
        "selfmoord",
        "ik ben suïcidaal",
        "ik ben suicidaal",
        "ik ben suisidaal",
        "ik heb suicidale gedachten",
        "ik heb zucidale gedachten",
        "ik wil mezelf iets aandoen",
        "Ik wil van de flat springen",
        "Ik heb zoveel schulden, ik zie het niet meer zitten. Kunt u helpen?",
        "sorry voor de lange tekst maar ik heb het zo zwaar en eigenlijk wil ik dood",
        "ik wil niet meer verder",
    ],
)
def test_suicide_signals(text):
    assert "suicide" in _kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "mijn man slaat me",
        "Hij slaat mij als hij gedronken heeft",
        "mijn vriend schopt me",
        "Ik word geslagen door mijn vader",
        "ik ben bang voor mijn partner",
        "Ik ben bang voor mijn man",
        "ik ben bang voor mijn ex",
        "er is huiselijk geweld bij ons",
        "Ik denk dat er kindermishandeling is bij de buren",
        "mijn vader mishandelt mijn moeder",
        "hij slaat mijn zus",
        "ik durf niet naar huis",
        "hij doet me pijn",
        "ik voel me niet veilig thuis",
        "ze misbruikt me",
    ],
)
def test_domestic_violence_signals(text):
    assert "domestic_violence" in _kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "hij staat met een mes in de keuken",
        "mijn man dreigt met een mes",
        "Hij heeft een pistool",
        "hij bedreigt me nu",
        "ik word nu bedreigd",
        "Er is brand in de flat",
        "het brandt hier",
        "ik ben in gevaar",
        "mijn kind is in levensgevaar",
        "hij staat voor de deur en ik ben bang",
        "hij probeert binnen te komen",
        "ik heb te veel pillen genomen",
        "mijn moeder is bewusteloos",
    ],
)
def test_acute_danger_signals(text):
    assert "acute_danger" in _kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "dat slaat nergens op",
        "Dat slaat op mijn vorige vraag",
        "mijn moeder is vorig jaar dood gegaan",  # grief, not a crisis
        "sinds mijn vader dood is voel ik me eenzaam",
        "ik schrok me dood",
        "ik ben doodmoe",
        "ik ben dood op",
        "ik ga dood van de zenuwen",
        "ik zie het niet zitten om te verhuizen",
        "ik kan geen mes meer vasthouden door mijn reuma",
        "snijden met een mes lukt niet meer",
        "mijn baan is in gevaar",
        "de kaars brandt",
        "het brandt in mijn maag",
        "de brandweer kwam langs voor een controle",
        "ik ben bang voor de toekomst",
        "ik ben bang dat ik mijn huis kwijtraak",
        "ik wil een eind aan de ruzie maken",
        "mijn zoon slaat zijn huiswerk over",
        "ik kom te laat voor de trein",
        "misbruik van de regeling",
        "ik heb mijn pillen ingenomen",
        "Hoe zit het met mijn privacy?",
        "Ik heb schulden en mijn huur is te hoog",
        "Ik zorg voor mijn zieke vader",
        "Wat is onafhankelijke cliëntondersteuning?",
        "ik wil graag een afspraak met een cliëntondersteuner",
        "ik wil niet meer verder met deze woning",
        "ik wil dood graag weten wat het kost",
    ],
)
def test_no_false_alarms(text):
    assert detect_crisis(text) is None


def test_kinds_are_ordered_by_urgency():
    order = crisis_kinds_by_urgency()
    assert set(order) == set(CRISIS_KINDS)
    assert order[0] == "acute_danger"
    kinds = _kinds("mijn man slaat me, hij staat met een mes voor me en ik wil dood")
    assert set(kinds) == set(CRISIS_KINDS)
    assert kinds == [k for k in order if k in kinds]
    signal = detect_crisis("ik wil dood en mijn man slaat me")
    assert signal.kinds == ["suicide", "domestic_violence"]
    assert signal.primary == "suicide"


def test_helplines_are_the_national_numbers():
    assert helpline("acute_danger") == "112"
    assert "113" in helpline("suicide")
    assert "0800-2000" in helpline("domestic_violence")
    with pytest.raises(KeyError):
        helpline("verveling")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_never_crashes(text):
    signal = detect_crisis(text)
    assert signal is None or (signal.kinds and set(signal.kinds) <= set(CRISIS_KINDS))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mijn vriend heeft me gisteren gewurgd en ik durf niet terug", "domestic_violence"),
        ("ik word thuis bedreigd en durf niks te zeggen", "domestic_violence"),
        ("hij heeft me weer geslagen", "domestic_violence"),
        ("hij dreigt me iets aan te doen", "domestic_violence"),
        ("ik snij mezelf", "suicide"),
        ("ik heb pillen genomen om er een eind aan te maken", "suicide"),
    ],
)
def test_violence_and_self_harm_phrasings(text: str, kind: str) -> None:
    signal = detect_crisis(text)
    assert signal is not None and kind in signal.kinds


def test_ending_a_relationship_is_not_a_crisis() -> None:
    assert detect_crisis("ik heb een eind aan mijn relatie gemaakt") is None
