"""Crisis detector (bot/domain/safety.py) and its glue: API, data file, domain texts, classifier guard.

The big corpus (300+ crisis messages, 1,000+ non-crisis messages) is in tests/crisis/; this
file checks the contract others rely on, with table-driven cases of each kind of fault.
"""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.safety import (
    CRISIS_KINDS,
    UNSPECIFIED,
    CrisisSignal,
    all_response_names,
    assess_crisis,
    crisis_kinds_by_urgency,
    crisis_reply_texts,
    crisis_response_names,
    detect_crisis,
    helpline,
)
from bot.paths import PROJECT_ROOT
from bot.rasa_plugins.nlu.crisis_guard import CLASSIFIER_CRISIS_THRESHOLD, combine

SOURCES = PROJECT_ROOT.parent / "shared" / "sources" / "sociaal-domein-feiten.md"


def _kinds(text: str) -> list[str]:
    signal = detect_crisis(text)
    return signal.kinds if signal else []


# --- the public API ---------------------------------------------------------------------


def test_kinds_are_a_closed_list_in_urgency_order() -> None:
    assert crisis_kinds_by_urgency() == [
        "acute_danger", "medical_emergency", "suicide", "domestic_violence", "child_abuse",
        "sexual_abuse",
    ]
    assert set(CRISIS_KINDS) == {*crisis_kinds_by_urgency(), UNSPECIFIED}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ik wil dood en mijn man slaat me", ["suicide", "domestic_violence"]),
        ("mijn man slaat me, hij staat nu met een mes voor me en ik wil dood",
         ["acute_danger", "suicide", "domestic_violence"]),
        ("ik heb een hele strip pillen geslikt want ik wil dood", ["medical_emergency", "suicide"]),
    ],
)
def test_kinds_come_most_urgent_first(text: str, expected: list[str]) -> None:
    signal = detect_crisis(text)
    assert signal is not None
    assert [k for k in signal.kinds if k in expected] == expected
    assert signal.primary == signal.kinds[0]


@pytest.mark.parametrize(
    ("kinds", "responses"),
    [
        (["suicide"], ["utter_crisis_suicide", "utter_crisis_all_numbers"]),
        (["acute_danger"], ["utter_crisis_danger", "utter_crisis_all_numbers"]),
        (["medical_emergency", "suicide"],
         ["utter_crisis_medical", "utter_crisis_suicide", "utter_crisis_all_numbers"]),
        (["domestic_violence"], ["utter_crisis_violence", "utter_crisis_all_numbers"]),
        # Violence and child abuse share Veilig Thuis: its number is given once.
        (["domestic_violence", "child_abuse"], ["utter_crisis_violence", "utter_crisis_all_numbers"]),
        (["child_abuse"], ["utter_crisis_child_abuse", "utter_crisis_all_numbers"]),
        (["sexual_abuse"], ["utter_crisis_sexual_abuse", "utter_crisis_all_numbers"]),
        ([UNSPECIFIED], ["utter_crisis_unspecified", "utter_crisis_all_numbers"]),
        # Given in any order: answered in urgency order.
        (["suicide", "acute_danger"],
         ["utter_crisis_danger", "utter_crisis_suicide", "utter_crisis_all_numbers"]),
        ([], ["utter_crisis_all_numbers"]),
        (["no_such_kind"], ["utter_crisis_all_numbers"]),
    ],
)
def test_response_names_per_kind(kinds: list[str], responses: list[str]) -> None:
    assert crisis_response_names(kinds) == responses
    assert crisis_response_names(CrisisSignal(kinds=kinds)) == responses


def test_no_signal_gives_all_numbers() -> None:
    assert crisis_response_names(None) == ["utter_crisis_all_numbers"]


def _domain_responses() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def test_every_response_in_the_data_exists_in_the_domain() -> None:
    responses = _domain_responses()
    missing = [name for name in all_response_names() if name not in responses]
    assert not missing


@pytest.mark.parametrize(
    ("kind", "numbers"),
    [
        ("suicide", ["113", "0800-0113"]),
        ("acute_danger", ["112"]),
        ("medical_emergency", ["112"]),
        ("domestic_violence", ["0800-2000"]),
        ("child_abuse", ["0800-2000"]),
        ("sexual_abuse", ["0800-2000"]),
        (UNSPECIFIED, ["112", "113", "0800-2000"]),
    ],
)
def test_reply_texts_give_the_right_number_first_and_all_numbers_last(
    kind: str, numbers: list[str]
) -> None:
    texts = crisis_reply_texts([kind])
    assert len(texts) >= 2
    first_specific = texts[0] if kind != UNSPECIFIED else texts[-1]
    for number in numbers:
        assert number in first_specific
    assert all(n in texts[-1] for n in ("112", "113", "0800-2000"))
    assert all(isinstance(t, str) and t.strip() for t in texts)


def test_reply_texts_for_a_detected_message() -> None:
    texts = crisis_reply_texts(detect_crisis("ik wil niet meer leven"))
    assert "113" in texts[0]
    assert "0800-2000" in texts[-1]


def test_every_number_in_the_crisis_texts_is_in_the_sources_file() -> None:
    responses = _domain_responses()
    names = [n for n in responses if n.startswith(("utter_crisis_", "utter_urgent_"))]
    assert len(names) >= 10
    text = " ".join(v.get("text", "") for n in names for v in responses[n])
    numbers = set(re.findall(r"\b\d{3,4}(?:-\d{2,5}(?: \d+)?)?\b", text))
    numbers -= {"1.2.1", "2015"}
    sources = SOURCES.read_text(encoding="utf-8") if SOURCES.exists() else None
    for number in numbers:
        if sources is not None:
            assert number in sources, number


def test_helplines_are_the_national_numbers() -> None:
    assert helpline("acute_danger") == "112"
    assert "113" in helpline("suicide")
    assert "0800-2000" in helpline("domestic_violence")
    with pytest.raises(KeyError):
        helpline("verveling")


# --- the faults of issue 11, each with variants ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a pot of pills in front of the resident
        ("ik heb een pot pillen voor me staan", "suicide"),
        ("er ligt een hele strip pillen naast me", "suicide"),
        ("ik zit met een potje oxazepam in mijn hand", "suicide"),
        # the throat, past tense
        ("hij greep me bij mijn keel", "domestic_violence"),
        ("mijn vriend greep me gisteravond bij mn keel", "domestic_violence"),
        ("ze heeft me gisteren weer geslagen", "domestic_violence"),
        ("mijn ex heeft vorige week mijn keel dichtgeknepen", "domestic_violence"),
        # mixed language
        ("I want to end it all, ik weet het echt niet meer", "suicide"),
        ("i want to die. ik kan niet meer", "suicide"),
        # passive wish inside a long message about debts
        ("Ik heb veel schulden, de deurwaarder komt steeds en mijn huur is te hoog. Soms denk ik dat"
         " het voor iedereen beter is als ik er niet meer ben. Kunt u me helpen met een regeling?",
         "suicide"),
        ("ik slaap slecht door alle rekeningen en soms wil ik slapen en niet meer wakker worden",
         "suicide"),
        # euphemisms for violence
        ("hij wordt handtastelijk", "domestic_violence"),
        ("ik ben bang voor mijn man", "domestic_violence"),
        ("ik durf niet naar huis", "domestic_violence"),
    ],
)
def test_issue_faults_are_caught(text: str, kind: str) -> None:
    assert kind in _kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "'s middags, als mijn man slaapt",
        "s middags als mn man slaapt",
        "ik wil het beste voor mijn kind",
        "mijn vader is vorig jaar overleden",
        "dat slaat nergens op",
        "ik snij de groenten met een mes",
        "ik moet mijn pillen ophalen bij de apotheek",
        "mijn wasmachine is kapot",
        "ik kan niet meer met al die formulieren",
        "ik kan niet meer, die formulieren zijn te moeilijk",
        "de deadline is dodelijk",
        "ik schrok me dood",
        "ik ben doodmoe",
        "ik ga dood van de formulieren",
        "ik lig dood van het lachen",
    ],
)
def test_known_false_alarms_stay_quiet(text: str) -> None:
    assert detect_crisis(text) is None


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("ik wil niet dood", False),
        ("ik wil echt niet dood hoor, ik wil alleen hulp met mijn post", False),
        ("ik ben niet suicidaal", False),
        ("hij slaat me niet, hij schreeuwt alleen", False),
        # a negation with a contrast, or next to distress: shown gently
        ("ik wil niet dood, maar soms denk ik er wel aan", True),
        ("ik wil niet dood maar ik kan niet meer", True),
        ("ik ben niet suicidaal. ik zie geen uitweg meer.", True),
    ],
)
def test_negation(text: str, flagged: bool) -> None:
    assert (detect_crisis(text) is not None) is flagged


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("ik ga dood van de stress", False),
        ("ik ga dood van de stress, ik kan echt niet meer", True),
        ("ik schrok me dood van die brief", False),
        ("ik schrok me dood van die brief en ik zie geen uitweg meer", True),
        ("doodmoe ben ik", False),
        ("doodmoe ben ik. ik weet het niet meer.", True),
    ],
)
def test_figures_of_speech_count_only_next_to_distress(text: str, flagged: bool) -> None:
    signal = detect_crisis(text)
    assert (signal is not None) is flagged
    if flagged:
        assert signal.primary == "suicide"


def test_a_signal_in_any_sentence_of_a_long_message() -> None:
    filler = "Ik heb een vraag over de Wmo en over mijn huurtoeslag. " * 15
    for crisis in ("Ik wil niet meer leven.", "Mijn man slaat me.", "Er is brand in de flat."):
        assert detect_crisis(filler + crisis + " " + filler) is not None


# --- the classifier guard ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "decision", "kinds"),
    [
        # the detector wins, whatever the classifier says
        ("ik wil dood", {"name": "ask_oco_cost", "confidence": 0.9}, "crisis", ["suicide"]),
        ("ik wil dood", None, "crisis", ["suicide"]),
        # the classifier is sure and the message holds crisis words: all numbers
        ("ik hou het thuis niet meer uit, hij is zo eng", {"name": "crisis", "confidence": 0.95},
         "crisis", [UNSPECIFIED]),
        ("help, er gebeurt iets ergs", {"name": "crisis", "confidence": 0.9}, "crisis",
         [UNSPECIFIED]),
        # no crisis words at all: the classifier's crisis is dropped
        ("'s middags, als mijn man slaapt", {"name": "crisis", "confidence": 0.97}, "demote", []),
        ("ik wil het beste voor mijn kind", {"name": "crisis", "confidence": 0.9}, "demote", []),
        # a known figure of speech: dropped
        ("ik schrok me dood", {"name": "crisis", "confidence": 0.99}, "demote", []),
        # crisis words, but the classifier is unsure
        ("ik ben bang dat ik mijn huis kwijtraak", {"name": "crisis", "confidence": 0.6},
         "demote", []),
        # nothing to do
        ("wat kost een clientondersteuner", {"name": "ask_oco_cost", "confidence": 0.9}, "keep", []),
    ],
)
def test_guard_decision_table(text: str, intent: dict | None, decision: str, kinds: list) -> None:
    assert combine(text, intent) == (decision, kinds)


def test_guard_threshold_is_the_documented_one() -> None:
    assert CLASSIFIER_CRISIS_THRESHOLD == 0.8


def test_assessment_tells_cleared_from_unknown() -> None:
    assert assess_crisis("ik schrok me dood").cleared
    assert assess_crisis("ik wil niet dood").cleared
    assert not assess_crisis("wat kost het").cleared
    assert not assess_crisis("wat kost het").risk
    assert assess_crisis("ik ben zo bang").risk


# --- robustness ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_never_crashes(text: str) -> None:
    signal = detect_crisis(text)
    assert signal is None or (signal.kinds and set(signal.kinds) <= set(CRISIS_KINDS))


@pytest.mark.parametrize("text", ["", " ", "...", "?!", "\n\n", "😢😢😢", "0612345678"])
def test_empty_and_odd_input(text: str) -> None:
    assert detect_crisis(text) is None


# --- the guard inside the Rasa pipeline --------------------------------------------------


def _message(text: str, ranking: list[dict]):
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    msg = Message(data={TEXT: text})
    msg.set(INTENT, dict(ranking[0]), add_to_output=True)
    msg.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
    return msg


@pytest.mark.parametrize(
    ("text", "ranking", "intent", "kinds"),
    [
        ("hij greep me bij mijn keel", [{"name": "inform", "confidence": 0.7}], "crisis",
         ["domestic_violence"]),
        ("'s middags, als mijn man slaapt",
         [{"name": "crisis", "confidence": 0.9}, {"name": "inform", "confidence": 0.08}],
         "nlu_fallback", None),
        ("ik wil het beste voor mijn kind",
         [{"name": "crisis", "confidence": 0.85}, {"name": "describe_situation", "confidence": 0.6}],
         "describe_situation", None),
        ("help, er gebeurt iets ergs", [{"name": "crisis", "confidence": 0.92}], "crisis",
         [UNSPECIFIED]),
    ],
)
def test_guard_in_the_pipeline(text: str, ranking: list, intent: str, kinds) -> None:
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY

    from bot.rasa_plugins.nlu.crisis_guard import CRISIS_KINDS_KEY, CrisisGuard

    (processed,) = CrisisGuard().process([_message(text, ranking)])
    assert processed.get(INTENT)["name"] == intent
    assert processed.get(INTENT_RANKING_KEY)[0]["name"] == intent
    assert processed.get(CRISIS_KINDS_KEY) == kinds


@pytest.mark.parametrize("value", [None, 42, ["ik wil dood"], {"text": "ik wil dood"}])
def test_non_text_input_is_no_crisis(value) -> None:
    assert detect_crisis(value) is None  # type: ignore[arg-type]


def test_a_clause_ends_a_pattern() -> None:
    # "$"-anchored patterns also work at a comma: "hij heeft een hartaanval, denk ik, help"
    assert "medical_emergency" in _kinds("mijn man heeft een hartaanval, zijn arm is slap")
    # a sentence-level exception wins over a clause reading
    assert detect_crisis("ik ga er vanavond een eind aan maken, aan die stapel post") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("أتمنى أن أموت", "suicide"),  # alef with hamza and alef maksura, folded in patterns too
        ("إنتحار", "suicide"),
        ("Ölmek istiyorum", "suicide"),
        ("Chcę się zabić", "suicide"),
        ("Mąż mnie bije", "domestic_violence"),
        ("NIE CHCĘ ŻYĆ", "suicide"),
    ],
)
def test_letters_are_folded_alike_in_text_and_patterns(text: str, kind: str) -> None:
    assert kind in _kinds(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ikwilnietmeerleven", "suicide"),
        ("ikziehetnietmeerzitten echt", "suicide"),
        ("ik wil er eeneindaanmaken", "suicide"),
        ("mijnmanslaatme", "domestic_violence"),
        ("zelfmoort", "suicide"),
        ("selfmoord", "suicide"),
        ("suicide", "suicide"),
        ("ik wil dood gaan", "suicide"),
        ("wil nie meer leven", "suicide"),
        ("ik wil doodd", "suicide"),
        ("IK WIL ER NIET MEER ZIJN!!!", "suicide"),
        ("k zie t nie meer zitte", "suicide"),
        ("me man slaad me", "domestic_violence"),
        ("ik ben verkragt", "sexual_abuse"),
    ],
)
def test_typos_and_missing_spaces(text: str, kind: str) -> None:
    assert kind in _kinds(text)
