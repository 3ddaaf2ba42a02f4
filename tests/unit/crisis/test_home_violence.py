"""Indirect descriptions of violence at home (a tester's misses): hiding, doors, fear, drink.

The detector reads every message on its own, also when it is the whole answer to a form
question, so these checks call ``detect_crisis`` on the bare message. The wider corpus is in
tests/crisis/crisis_messages.yml (domestic_violence and child_abuse, "ninth batch").
"""

from __future__ import annotations

import pytest

from bot.domain.safety import crisis_response_names, detect_crisis

# The four messages the tester reported, and the kind each must give.
TESTER_MISSES = [
    (
        "domestic_violence",
        "als mijn vriend gedronken heeft moet ik me met de kleine opsluiten in de badkamer… "
        "hij heeft de deur kapot gemaakt",
    ),
    ("domestic_violence", "nee het gaat erom dat ik bang ben voor hem"),
    ("domestic_violence", "hij slaat soms"),
    (
        "domestic_violence",
        "mn stiefvader is weer dronken en gooit met spullen, mn moeder huilt… wat moet ik doen",
    ),
]

# A child or teen about a parent: child_abuse (Veilig Thuis, child response).
CHILD = [
    "ik ben 14 en als mijn vader dronken is sluit ik me op in mijn kamer",
    "mijn moeder gooit dingen naar me als ze boos is ik ben 13",
    "wij verstoppen ons onder het bed als papa dronken is",
    "mijn zoontje van 4 verstopt zich in de kast als zijn vader thuiskomt",
]

# Look-alikes that must stay quiet (more in tests/crisis/hard_negatives.yml, home_lookalikes).
NOT_CRISIS = [
    "ik sluit me op in mijn kamer om te studeren",
    "de deur is kapot en de verhuurder doet niks",
    "hij slaat de bal",
    "mijn zoon van 3 slaat soms als hij moe is, is dat normaal",
    "mijn man slaat vaak de boodschappen in",
    "hij drinkt weleens een biertje",
    "mijn moeder huilt omdat de hond dood is",
    "we zijn gevlucht uit syrie en zoeken een huis",
    "sinds de verbouwing slapen we bij de buren, mijn man is boos op de aannemer",
    "mijn dochter sluit zich op in haar kamer als ze boos is",
]


@pytest.mark.parametrize(("kind", "text"), TESTER_MISSES)
def test_tester_misses_are_found_with_their_kind(kind: str, text: str) -> None:
    signal = detect_crisis(text)
    assert signal is not None and kind in signal.kinds
    assert "utter_crisis_violence" in crisis_response_names(signal)


@pytest.mark.parametrize("text", CHILD)
def test_a_child_about_a_parent_is_child_abuse(text: str) -> None:
    signal = detect_crisis(text)
    assert signal is not None and "child_abuse" in signal.kinds


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_look_alikes_stay_quiet(text: str) -> None:
    assert detect_crisis(text) is None
