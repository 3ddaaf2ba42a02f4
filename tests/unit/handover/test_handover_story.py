"""The resident's story: which messages count, masking, order, repeats and the length cap."""

from __future__ import annotations

import pytest

from bot.domain.handover.story import (
    MASK_EMAIL,
    MASK_NUMBER,
    MASK_PHONE,
    MAX_STORY_CHARS,
    Utterance,
    collect_story,
    is_story,
    mask_personal_data,
    short_story,
    utterances_from_events,
)

STORY_MESSAGES = [
    Utterance("Mijn moeder krijgt veel te weinig thuiszorg en ik weet niet hoe ik dat moet aanpakken.",
              "request_human"),
    Utterance("ik wil graag iemand spreken over mijn dochter, ze gaat niet meer naar school", "request_human"),
    Utterance("we hebben een brief gekregen dat we over 3 weken het huis uit moeten", "describe_situation"),
    Utterance("ik ben het niet eens met de beschikking voor huishoudelijke hulp", "complaint_or_objection"),
    Utterance("ik heb volgende week een keukentafelgesprek", "prepare_meeting"),
    Utterance("hoe lang heb ik om bezwaar te maken?", "ask_procedure"),
    Utterance("mijn man heeft MS en ik doe alles in huis, ik kan het niet meer aan", "describe_situation"),
    Utterance("ik heb schulden", "greet"),
    Utterance("Ik zorg voor mijn vader", "inform", answer_slot="situation"),
    Utterance("hulp bij de administratie", "inform", answer_slot="intake_story"),
    Utterance("ik ben bang voor mijn ex, hij bedreigt me", "crisis"),
    Utterance("praat ik met een robot? ik wil liever iemand aan de telefoon over de thuisbegeleiding van mijn zus",
              "request_human"),
    Utterance("kan iemand mij bellen omdat ik er niet meer uitkom met de brieven", "request_human"),
]

NOT_STORY = [
    Utterance("hallo", "greet"),
    Utterance("ja", "affirm"),
    Utterance("Fatima El Amrani", "inform", answer_slot="contact_name"),
    Utterance("0612345678", "inform", answer_slot="contact_phone"),
    Utterance("jan@example.nl", "inform", answer_slot="contact_email"),
    Utterance("maandagochtend", "inform", answer_slot="preferred_time"),
    Utterance("Zwijndrecht", "inform", answer_slot="gemeente"),
    Utterance("ik wil iemand spreken", "request_human"),
    Utterance("Kan een cliëntondersteuner contact met mij opnemen?", "request_human"),
    Utterance("wat kost het?", "ask_oco_cost"),
    Utterance("Ben ik nou met een computer aan het praten? Ik wil gewoon een mens spreken.", "request_human"),
    Utterance('/inform{"contact_preference": "telefoon"}', "inform"),
    Utterance("/request_human", "request_human"),
    Utterance("sla over", "inform", answer_slot="situation", skipped=True),
    Utterance("dank u wel", "thank"),
    Utterance("", "describe_situation"),
]


@pytest.mark.parametrize("utterance", STORY_MESSAGES, ids=lambda u: u.text[:40])
def test_messages_about_the_situation_are_the_story(utterance: Utterance) -> None:
    assert is_story(utterance)


@pytest.mark.parametrize("utterance", NOT_STORY, ids=lambda u: u.text[:40] or "empty")
def test_greetings_answers_and_contact_details_are_not_the_story(utterance: Utterance) -> None:
    assert not is_story(utterance)


def test_story_keeps_order_and_drops_repeats() -> None:
    story = collect_story([
        Utterance("hallo", "greet"),
        Utterance("ik heb schulden en de huur is te hoog", "describe_situation"),
        Utterance("Fatima", "inform", answer_slot="contact_name"),
        Utterance("ik heb schulden en de huur is te hoog", "describe_situation"),
        Utterance("en mijn zoon gaat niet naar school", "describe_situation"),
    ])
    assert story == "ik heb schulden en de huur is te hoog en mijn zoon gaat niet naar school"


@pytest.mark.parametrize(
    ("text", "mask"),
    [
        ("bel me op 06-12345678 na vijven", MASK_PHONE),
        ("mijn nummer is +31 6 1234 5678", MASK_PHONE),
        ("vaste lijn 078 123 45 67", MASK_PHONE),
        ("mail naar jan.de.vries@voorbeeld.nl graag", MASK_EMAIL),
        ("mijn bsn is 123456782", MASK_NUMBER),
        ("bsn 1234.56.782 staat op de brief", MASK_NUMBER),
        ("rekening NL91ABNA0417164300 is leeg", MASK_NUMBER),
    ],
)
def test_contact_details_and_bsn_are_masked(text: str, mask: str) -> None:
    masked = mask_personal_data(text)
    assert mask in masked
    assert not any(ch.isdigit() for ch in masked.replace("3 weken", ""))


def test_ordinary_numbers_stay() -> None:
    assert mask_personal_data("over 3 weken moeten we eruit, ik ben 67") == "over 3 weken moeten we eruit, ik ben 67"


def test_story_is_capped_at_a_word_boundary() -> None:
    long = [Utterance(f"ik heb probleem nummer {i} met mijn schulden en de huur van het huis", "describe_situation")
            for i in range(60)]
    story = collect_story(long)
    assert len(story) <= MAX_STORY_CHARS
    assert story.endswith("…")


def test_short_story_takes_the_first_sentences() -> None:
    story = "Mijn moeder krijgt te weinig thuiszorg. " * 10
    short = short_story(story)
    assert short.startswith("Mijn moeder krijgt te weinig thuiszorg.")
    assert len(short) <= 200


def test_events_after_a_restart_only() -> None:
    events = [
        {"event": "user", "text": "ik heb schulden", "parse_data": {"intent": {"name": "describe_situation"}}},
        {"event": "restart"},
        {"event": "user", "text": "mijn zoon gaat niet naar school",
         "parse_data": {"intent": {"name": "describe_situation"}}},
        {"event": "user", "text": "Bram", "parse_data": {"intent": {"name": "inform"},
                                                          "answer": {"slot": "contact_name", "skip": False}}},
    ]
    utterances = utterances_from_events(events)
    assert [u.text for u in utterances] == ["mijn zoon gaat niet naar school", "Bram"]
    assert utterances[1].answer_slot == "contact_name"
    assert collect_story(utterances) == "mijn zoon gaat niet naar school"


# Issue 12 kinds a tester found: a question about the assistant's question, or an answer that
# is only contact details, is no story.
@pytest.mark.parametrize(("text", "intent", "slot"), [
    ("wat bedoelt u met beheerder?", "ask_procedure", None),
    ("Wat bedoelt u daarmee", "nlu_fallback", None),
    ("hoe bedoelt u?", "ask_procedure", None),
    ("sorry ik snap de vraag niet", "nlu_fallback", None),
    ("waarom wilt u dat weten", "ask_privacy", None),
    ("y.elamrani88@hotmail.com", None, "intake_story"),
    ("mijn nummer is 06 12345678", None, "intake_story"),
    ("j.dekker@ziggo.nl graag", None, "intake_story"),
    ("0612345678", None, "intake_story"),
])
def test_no_story_in_questions_about_the_question_or_bare_contact_details(text, intent, slot) -> None:
    assert not is_story(Utterance(text, intent, slot))


@pytest.mark.parametrize(("text", "intent", "slot"), [
    ("mijn moeder valt steeds, bel me op 0612345678", None, "intake_story"),
    ("hoe lang duurt het onderzoek van de wmo?", "ask_procedure", None),
    ("wat bedoelen ze met een maatwerkvoorziening in mijn brief? ik moet een traplift", "ask_procedure", None),
])
def test_a_story_with_contact_details_or_a_real_question_stays(text, intent, slot) -> None:
    assert is_story(Utterance(text, intent, slot))
