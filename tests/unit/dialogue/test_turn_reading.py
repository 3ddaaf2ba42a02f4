"""Reading a message in context (bot/domain/dialogue/turn.py): answer attempt or interruption.

The classifier's intent is given as the one it actually produced for such messages before
this reading existed (a one-word answer comes out as affirm, greet or goodbye).
"""

from __future__ import annotations

import pytest

from bot.domain.dialogue.questions import question_for
from bot.domain.dialogue.turn import is_restart, read_turn, split_intent

NAME = question_for("intake_form", "contact_name")
TIME = question_for("intake_form", "preferred_time")
CONSENT = question_for("intake_form", "consent")
PREFERENCE = question_for("intake_form", "contact_preference")
GEMEENTE = question_for("intake_form", "gemeente")
STORY = question_for("intake_form", "intake_story")

ANSWERS = [
    # (question, text, classifier intent, expected value)
    (NAME, "Bram", "affirm", "Bram"),
    (NAME, "Lisa", "greet", "Lisa"),
    (NAME, "Mevrouw Verhoeven", "greet", "Mevrouw Verhoeven"),
    (NAME, "Ahmed", "goodbye", "Ahmed"),
    (NAME, "ik heet Joost", "inform", "Joost"),
    (TIME, "maandag", "goodbye", "maandag"),
    (TIME, "middag", "greet", "middag"),
    (TIME, "'s middags, als mijn man slaapt", "crisis", "'s middags, als mijn man slaapt"),
    (TIME, "na 5 uur", "inform", "na 5 uur"),
    (TIME, "bel me maar morgenochtend", "request_human", "bel me maar morgenochtend"),
    (CONSENT, "ja", "affirm", "ja"),
    (CONSENT, "nee, stop maar", "stop", "nee"),
    (CONSENT, "👍", "affirm", "ja"),
    (PREFERENCE, "bellen", "inform", "telefoon"),
    (PREFERENCE, "liever mailen", "inform", "email"),
    (PREFERENCE, "bel mij maar", "request_human", "telefoon"),
    (PREFERENCE, "de tweede", "inform", "email"),
    (GEMEENTE, "Zwijndrecht", "ask_oco_eligibility", "zwijndrecht"),
    (GEMEENTE, "zierikzee", "inform", "schouwen-duiveland"),
    (STORY, "hoe lang heb ik om bezwaar te maken tegen het besluit?", "ask_procedure",
     "hoe lang heb ik om bezwaar te maken tegen het besluit?"),
]


@pytest.mark.parametrize(("question", "text", "intent", "value"), ANSWERS, ids=[a[1] for a in ANSWERS])
def test_a_pending_question_reads_the_message_as_an_answer(question, text, intent, value) -> None:
    reading = read_turn(text, intent, 0.6, question)
    assert reading.intent == "inform"
    assert reading.answer is not None and reading.answer["slot"] == question.slot
    assert reading.answer["value"] == value


UNCLEAR = [(CONSENT, "?"), (CONSENT, "hmm"), (CONSENT, "..."), (CONSENT, "🤔"), (TIME, "ja"), (NAME, "bellen"),
           (NAME, "hallo")]


@pytest.mark.parametrize(("question", "text"), UNCLEAR, ids=[u[1] for u in UNCLEAR])
def test_unclear_answers_stay_answer_attempts_that_are_not_understood(question, text) -> None:
    reading = read_turn(text, "affirm", 0.55, question)
    assert reading.intent == "inform"
    assert reading.answer["understood"] is False


INTERRUPTIONS = [
    (NAME, "Ik wil iemand spreken", "request_human", "request_human"),
    (NAME, "stop", "stop", "stop"),
    (NAME, "ik wil stoppen met deze aanmelding", "stop", "stop"),
    (CONSENT, "wie kan mijn gegevens dan lezen?", "ask_privacy", "ask_privacy"),
    (CONSENT, "wat kost het?", "ask_oco_cost", "ask_oco_cost"),
    (TIME, "ik wil niet meer leven", "crisis", "crisis"),
    (NAME, "hij heeft me weer geslagen", "describe_situation", "crisis"),
    (STORY, "wat kost een clientondersteuner?", "ask_oco_cost", "ask_oco_cost"),
    (NAME, "waarom wilt u mijn naam weten?", "out_of_scope", "nlu_fallback"),
]


@pytest.mark.parametrize(("question", "text", "intent", "expected"), INTERRUPTIONS, ids=[i[1] for i in INTERRUPTIONS])
def test_only_strong_signals_interrupt_an_answer(question, text, intent, expected) -> None:
    reading = read_turn(text, intent, 0.9, question)
    assert reading.intent == expected
    assert reading.answer is None


OUTSIDE = [
    ("nee wacht, ik wil toch wel gebeld worden", "deny", "request_human"),
    ("ik wil het beste voor mijn kind", "crisis", "describe_situation"),
    ("ik ben het niet eens met het ondersteuningsplan van het sociaal team", "describe_situation",
     "complaint_or_objection"),
    ("mijn huur is te hoog en ik heb schulden", "nlu_fallback", "describe_situation"),
    ("wat kost het", "ask_oco_cost", "ask_oco_cost"),
    ("hallo", "greet", "greet"),
]


@pytest.mark.parametrize(("text", "intent", "expected"), OUTSIDE, ids=[o[0] for o in OUTSIDE])
def test_outside_the_forms_the_classifier_is_corrected_only_by_clear_signals(text, intent, expected) -> None:
    assert read_turn(text, intent, 0.7, None, runner_up="describe_situation").intent == expected


def test_a_combined_intent_keeps_one_contract_intent_on_top() -> None:
    assert split_intent("bot_challenge+request_human") == ("request_human", ["bot_challenge"])
    assert split_intent("request_human+describe_situation") == ("request_human", ["describe_situation"])
    assert split_intent("greet") == ("greet", [])
    reading = read_turn("ben ik met een computer aan het praten? ik wil een mens spreken",
                        "bot_challenge+request_human", 0.8, None)
    assert reading.intent == "request_human"
    assert reading.secondary_intents == ["bot_challenge"]


@pytest.mark.parametrize("text", ["/restart", "opnieuw", "Opnieuw beginnen", "opnieuw starten", "begin opnieuw"])
def test_restart_words(text: str) -> None:
    assert is_restart(text)
    assert read_turn(text, "nlu_fallback", 0.3, NAME).intent == "restart"


@pytest.mark.parametrize("text", ["ik wil opnieuw een aanvraag doen", "opnieuw bellen graag", "Bram"])
def test_restart_only_as_the_whole_message(text: str) -> None:
    assert not is_restart(text)


def test_a_button_payload_is_never_read_again() -> None:
    reading = read_turn('/inform{"contact_preference": "telefoon"}', "inform", 1.0, NAME)
    assert reading.intent == "inform" and reading.answer is None


# Issue 14: a how-question about objecting or complaining is a procedure question; only a
# statement of being unhappy (in a clause that is not itself a question) makes the complaint lead.
PROCEDURE_NOT_COMPLAINT = [
    "hoe lang heb ik om bezwaar te maken?",
    "mijn huishoudelijke hulp is afgewezen, tot wanneer kan ik bezwaar maken",
    "hoe gaat bezwaar maken bij de gemeente",
    "wat schrijf ik in een bezwaarschrift",
    "is het een klacht als ik het niet eens ben met het besluit",
    "ik weet niet of ik moet klagen of bezwaar moet maken",
    "waar dien ik een klacht in over de gemeente",
    "hoeveel kost bezwaar maken",
    "kan ik in beroep bij de rechtbank na een afgewezen bezwaar",
    "moet ik iets betalen als ik in bezwaar ga",
    "wat is het verschil tussen een klacht en een bezwaar",
    "ik wil weten hoe ik een klacht kan indienen over de thuiszorg",
    "bij wie kan ik klagen over de begeleiding",
    "hoe werkt een klacht indienen bij een zorgaanbieder?",
]


@pytest.mark.parametrize("text", PROCEDURE_NOT_COMPLAINT)
def test_a_how_question_about_objecting_stays_a_procedure_question(text: str) -> None:
    assert read_turn(text, "ask_procedure", 0.8, None).intent == "ask_procedure"


COMPLAINT_WITH_QUESTION = [
    "ik ben het niet eens met de beschikking, hoe maak ik bezwaar?",
    "Dit besluit is onterecht. Hoe lang heb ik om bezwaar te maken?",
    "ik ben zo boos op de gemeente. wat kan ik doen?",
    "mijn hulp is zomaar gestopt zonder overleg, hoe dien ik een klacht in",
    "ik wil bezwaar maken tegen de afwijzing. hoe doe ik dat",
    "ik ben ontevreden over de thuiszorg, waar kan ik klagen?",
    "het verslag klopt niet. mag ik dat laten aanpassen?",
    "ik wil een klacht indienen over het wijkteam, hoe werkt dat",
]


@pytest.mark.parametrize("text", COMPLAINT_WITH_QUESTION)
def test_a_complaint_statement_leads_and_the_procedure_question_is_answered_too(text: str) -> None:
    reading = read_turn(text, "ask_procedure", 0.8, None)
    assert reading.intent == "complaint_or_objection"
    assert reading.secondary_intents == ["ask_procedure"]


# Asking whether the assistant is a person is bot_challenge, not a request for one.
BOT_CHALLENGES = [
    "ben jij een echt mens of niet",
    "ben je een robot?",
    "bent u een echte medewerker",
    "is dit een computer of een mens",
    "praat ik nu met een echt persoon?",
    "ben jij een chatbot",
    "are you a real person",
    "zijn jullie echte mensen",
]


@pytest.mark.parametrize("text", BOT_CHALLENGES)
def test_asking_whether_the_assistant_is_a_person_is_no_request_for_one(text: str) -> None:
    assert read_turn(text, "bot_challenge", 0.8, None).intent == "bot_challenge"


@pytest.mark.parametrize("text", [
    "ben je een computer? ik wil een mens spreken",
    "Ben ik nou met een computer aan het praten? Ik wil gewoon een mens spreken.",
    "ben jij een robot, dan wil ik graag iemand van oco spreken",
    "are you a bot? I want to talk to a person",
])
def test_a_request_beside_the_challenge_still_counts(text: str) -> None:
    reading = read_turn(text, "bot_challenge", 0.8, None)
    assert reading.intent == "request_human"
    assert reading.secondary_intents == ["bot_challenge"]


@pytest.mark.parametrize("text", [
    "ben jij een echt iemand",
    "praat ik met een echt iemand of met software",
    "zit daar een echt iemand",
    "is er iemand echt aan het typen",
    "zit er nou een echt mens achter",
    "typ ik met een robot?",
])
def test_asking_whether_someone_is_there_is_a_bot_challenge(text: str) -> None:
    assert read_turn(text, "bot_challenge", 0.8, None).intent == "bot_challenge"


@pytest.mark.parametrize(("text", "intent"), [
    ("kunt u mij helpen met een lijstje vragen voor mijn gesprek met de gemeente", "prepare_meeting"),
    ("kunt u me helpen met wat ik moet zeggen", "prepare_meeting"),
    ("hoe kan ik een clientondersteuner bellen", "ask_contact_details"),
    ("hoe kan ik het wijkteam bereiken?", "ask_contact_details"),
])
def test_asking_the_assistant_for_help_or_a_number_is_no_request_for_a_person(text: str, intent: str) -> None:
    assert read_turn(text, intent, 0.8, None).intent == intent


@pytest.mark.parametrize("text", [
    "kan iemand mij helpen met de formulieren",
    "kunt u mij bellen",
    "kan er iemand mij helpen, ik kom er niet uit",
    "ik wil dat er iemand met me meekijkt, bel me",
])
def test_asking_for_a_person_still_is(text: str) -> None:
    assert read_turn(text, "describe_situation", 0.8, None).intent == "request_human"


# Long messages: a question sentence read on its own (bot.domain.dialogue.turn.question_part).
@pytest.mark.parametrize(("text", "questions"), [
    ("moet ik daar wat voor betalen? na de huur hou ik bijna niks over", ["moet ik daar wat voor betalen?"]),
    ("Mijn vader heeft dementie. Kost een clientondersteuner geld?", ["Kost een clientondersteuner geld?"]),
    ("ik kreeg een brief. tot wanneer kan ik bezwaar maken?", ["tot wanneer kan ik bezwaar maken?"]),
    ("wat kost het?", []),
    ("ik heb schulden en mijn huur is te hoog", []),
    ("Mijn moeder woont alleen. Ze valt steeds.", []),
])
def test_question_sentences_of_a_long_message(text: str, questions: list[str]) -> None:
    from bot.domain.dialogue.turn import question_sentences

    assert question_sentences(text) == questions


QUESTION_PARTS = [
    # (whole reading, whole ranking, sentence readings, expected)
    ("describe_situation", {"describe_situation": 0.47, "ask_oco_cost": 0.27}, [("ask_oco_cost", 0.99)],
     ("ask_oco_cost", [])),
    ("nlu_fallback", {"ask_procedure": 0.3}, [("ask_procedure", 0.95)], ("ask_procedure", [])),
    ("complaint_or_objection", {"complaint_or_objection": 0.7, "ask_procedure": 0.2}, [("ask_procedure", 0.9)],
     ("complaint_or_objection", ["ask_procedure"])),
    # A vague question the whole message does not support: the situation stays.
    ("describe_situation", {"describe_situation": 0.91, "ask_oco_tasks": 0.0}, [("ask_oco_tasks", 0.98)], None),
    ("describe_situation", {"describe_situation": 0.99}, [("ask_procedure", 1.0)], None),
    # Unsure about the sentence alone, or not a service question: no change.
    ("describe_situation", {"ask_oco_cost": 0.3}, [("ask_oco_cost", 0.6)], None),
    ("describe_situation", {"request_human": 0.3}, [("request_human", 0.99)], None),
    ("describe_situation", {"bot_challenge": 0.3}, [("bot_challenge", 0.99)], None),
    # Other readings keep their lead.
    ("request_human", {"ask_oco_cost": 0.3}, [("ask_oco_cost", 0.99)], None),
    ("ask_oco_cost", {"ask_procedure": 0.3}, [("ask_procedure", 0.99)], None),
]


@pytest.mark.parametrize(("intent", "ranking", "readings", "expected"), QUESTION_PARTS)
def test_a_clear_question_sentence_leads_over_a_situation(intent, ranking, readings, expected) -> None:
    from bot.domain.dialogue.turn import question_part

    assert question_part(intent, ranking, readings) == expected


@pytest.mark.parametrize(("question", "text", "classifier"), [
    (CONSENT, "wat bedoelt u met beheerder?", "ask_procedure"),
    (CONSENT, "Wat bedoelt u daarmee?", "ask_privacy"),
    (NAME, "hoe bedoelt u?", "ask_procedure"),
    (TIME, "sorry ik snap de vraag niet", "ask_oco_tasks"),
    (NAME, "waarom wilt u mijn naam weten?", "ask_privacy"),
    (STORY, "wat bedoelt u?", "ask_procedure"),
    (CONSENT, "wat is een beheerder?", "ask_procedure"),
])
def test_a_question_about_the_pending_question_gets_its_explanation(question, text, classifier) -> None:
    reading = read_turn(text, classifier, 0.95, question)
    assert reading.intent == "nlu_fallback"
    assert reading.answer is None


@pytest.mark.parametrize(("question", "text", "classifier"), [
    (CONSENT, "wie kan mijn gegevens dan lezen?", "ask_privacy"),
    (CONSENT, "wat kost het?", "ask_oco_cost"),
])
def test_a_real_question_in_the_middle_still_gets_its_answer(question, text, classifier) -> None:
    assert read_turn(text, classifier, 0.95, question).intent == classifier
