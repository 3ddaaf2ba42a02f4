"""The intake keeps a change of contact route typed at a later question, and says the right reason
for a refused phone number (called directly with a tracker, no servers)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.intake_form import ValidateIntakeForm
from bot.paths import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
PHONE = {"contact_name": "Agnieszka", "contact_preference": "telefoon", "contact_phone": "+31612345678"}
MAIL = {"contact_name": "Agnieszka", "contact_preference": "email", "contact_email": "a.k@example.nl"}
BASE = {"gemeente": "almere", "consent": "ja", "story_known": True}


async def validate(slot: str, text: str, slots: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    values = {**BASE, **slots, "requested_slot": slot, slot: text}
    latest = {"text": text, "intent": {"name": "inform", "confidence": 1.0}, "entities": [], "metadata": {}}
    events = [{"event": "user", "text": text, "parse_data": latest}, {"event": "slot", "name": slot, "value": text}]
    tracker = Tracker("t", values, latest, events, False, None, {"name": "intake_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = await ValidateIntakeForm().run(dispatcher, tracker, DOMAIN)
    slots = {e["name"]: e["value"] for e in result if e.get("event") == "slot"}
    return slots, [m.get("response") for m in dispatcher.messages]


LATER = ["preferred_time", "intake_decision", "safe_to_contact", "safe_message", "edit_field", "contact_phone"]


@pytest.mark.parametrize("slot", LATER)
@pytest.mark.parametrize("text", [
    "eigenlijk toch liever via de mail, agnieszka.k@gmail.com",
    "agnieszka.k@gmail.com",
    "mail maar naar agnieszka.k@gmail.com",
    "actually email me at agnieszka.k@gmail.com",
])
async def test_an_address_typed_later_is_stored_and_the_preference_switched(slot: str, text: str) -> None:
    slots, said = await validate(slot, text, PHONE)
    assert slots["contact_preference"] == "email"
    assert slots["contact_email"] == "agnieszka.k@gmail.com"
    assert slots["contact_phone"] is None
    assert slots[slot] is None  # the pending question is asked again
    assert said == ["utter_contact_changed_email"]


@pytest.mark.parametrize("slot", ["preferred_time", "intake_decision", "safe_to_contact", "contact_email",
                                  "edit_field"])
@pytest.mark.parametrize("text", ["0687654321", "bel me liever op 06-87 65 43 21", "call me instead on 0687654321"])
async def test_a_number_typed_later_is_stored_and_the_preference_switched(slot: str, text: str) -> None:
    slots, said = await validate(slot, text, MAIL)
    assert slots["contact_preference"] == "telefoon"
    assert slots["contact_phone"] == "+31687654321"
    assert slots["contact_email"] is None
    assert said == ["utter_contact_changed_telefoon"]


@pytest.mark.parametrize(("slot", "text"), [
    ("intake_decision", "ik wil toch liever mail"),
    ("intake_decision", "nee, liever per e-mail"),
    ("intake_decision", "eigenlijk liever mailen"),
    ("intake_decision", "actually I would rather have email"),
    ("preferred_time", "toch liever via de mail"),
    ("preferred_time", "rather by email"),
    ("contact_phone", "mailen"),
    ("contact_phone", "liever e-mail"),
])
async def test_liever_mail_switches_and_asks_for_the_address(slot: str, text: str) -> None:
    slots, said = await validate(slot, text, PHONE)
    assert slots["contact_preference"] == "email"
    assert slots["contact_email"] is None and slots["contact_phone"] is None
    assert said == ["utter_contact_changed_email"]
    required = await ValidateIntakeForm().required_slots([], CollectingDispatcher(), Tracker(
        "t", {**BASE, **PHONE, **slots}, {}, [], False, None, {}, "action_listen"), DOMAIN)
    assert "contact_email" in required and "contact_phone" not in required


@pytest.mark.parametrize(("slot", "text"), [
    ("intake_decision", "toch liever bellen"),
    ("intake_decision", "call me instead"),
    ("preferred_time", "eigenlijk liever gebeld worden"),
    ("contact_email", "bellen"),
    ("contact_email", "liever telefonisch"),
])
async def test_liever_bellen_switches_and_asks_for_the_number(slot: str, text: str) -> None:
    slots, said = await validate(slot, text, MAIL)
    assert slots["contact_preference"] == "telefoon"
    assert slots["contact_phone"] is None and slots["contact_email"] is None
    assert said == ["utter_contact_changed_telefoon"]


async def test_a_switch_at_the_preview_shows_the_preview_again() -> None:
    slots, _ = await validate("intake_decision", "ik wil toch liever mail, a@b.nl", PHONE)
    assert slots["intake_decision"] is None and slots["contact_email"] == "a@b.nl"


@pytest.mark.parametrize(("slot", "text", "value"), [
    ("preferred_time", "bel me maar na vijven", "bel me maar na vijven"),
    ("preferred_time", "liever 's avonds bellen", "liever 's avonds bellen"),
    ("preferred_time", "in the evening by phone", "in the evening by phone"),
    ("intake_decision", "versturen", None),
])
async def test_a_time_or_decision_with_a_contact_word_is_no_switch(slot: str, text: str, value: str | None) -> None:
    slots, said = await validate(slot, text, MAIL if slot == "preferred_time" else PHONE)
    assert "utter_contact_changed_telefoon" not in said and "utter_contact_changed_email" not in said
    assert slots.get("contact_preference") in (None, "email", "telefoon")
    if value:
        assert slots[slot] == value


@pytest.mark.parametrize(("slot", "text"), [
    ("preferred_time", "liever niet bellen"),
    ("intake_decision", "kunt u mij ook mailen?"),
    ("preferred_time", "mail"),
    ("safe_to_contact", "liever mailen"),
])
async def test_no_switch_after_a_negation_a_question_or_without_a_marker(slot: str, text: str) -> None:
    slots, said = await validate(slot, text, PHONE)
    assert "contact_preference" not in slots or slots["contact_preference"] == "telefoon"
    assert "utter_contact_changed_email" not in said


async def test_the_same_number_again_is_no_change() -> None:
    _, said = await validate("intake_decision", "0612345678", PHONE)
    assert "utter_contact_changed_telefoon" not in said


async def test_a_long_story_with_an_address_stays_the_story() -> None:
    story = "ik heb schulden en de huur is te hoog, mijn zus mailt soms vanaf zus@example.nl maar dat helpt niet"
    slots, _ = await validate("intake_story", story, PHONE)
    assert slots["intake_story"] == story and "contact_email" not in slots


@pytest.mark.parametrize("story", [
    "ik heb schulden, mijn nummer is 0687654321",
    "mijn moeder valt steeds, bel 0612345678",
    "hulp bij de huur, mail naar a@b.nl",
])
async def test_a_short_story_with_a_number_or_address_stays_the_story(story: str) -> None:
    slots, said = await validate("intake_story", story, {**PHONE, "story_known": False})
    assert slots["intake_story"] == story
    assert not [name for name in said if name.startswith("utter_contact_changed")]


async def test_a_short_contact_answer_at_the_story_question_changes_the_route() -> None:
    slots, said = await validate("intake_story", "mijn mail is a@b.nl", {**PHONE, "story_known": False})
    assert slots["contact_email"] == "a@b.nl" and slots["contact_preference"] == "email"
    assert said == ["utter_contact_changed_email"]


# --- the reason a phone number is refused -------------------------------------------------------

@pytest.mark.parametrize("text", ["06-98 76 54 32", "0698765432", "mijn nummer is 06 98765432", "+31 6 98765432",
                                  "1234567890"])
async def test_ten_digits_that_are_no_number_never_hear_the_count_is_wrong(text: str) -> None:
    slots, said = await validate("contact_phone", text, {"contact_preference": "telefoon", "contact_name": "Jan"})
    assert slots["contact_phone"] is None
    assert said == ["utter_invalid_contact_phone_not_valid"]
    _, said = await validate("contact_phone", text, {"contact_preference": "telefoon", "contact_name": "Jan",
                                                          "invalid_attempts": 1})
    assert said == ["utter_example_contact_phone_not_valid", "utter_way_out"]


@pytest.mark.parametrize("text", ["0612345", "06 1234 567", "06123456789", "06"])
async def test_a_wrong_count_of_digits_hears_the_count(text: str) -> None:
    _, said = await validate("contact_phone", text, {"contact_preference": "telefoon", "contact_name": "Jan"})
    assert said == ["utter_invalid_contact_phone"]


def test_the_not_valid_texts_never_mention_the_count() -> None:
    for name in ("utter_invalid_contact_phone_not_valid", "utter_example_contact_phone_not_valid"):
        variants = DOMAIN["responses"][name]
        assert any(v.get("condition") for v in variants) and any(not v.get("condition") for v in variants)
        for variant in variants:
            assert "10" not in variant["text"] and "cijfers" not in variant["text"] and "digits" not in variant["text"]
    dutch = next(v for v in DOMAIN["responses"]["utter_invalid_contact_phone_not_valid"] if not v.get("condition"))
    assert dutch["text"] == "Dit nummer lijkt niet te kloppen. Kijkt u het nog even na?"


# --- the preview in English -----------------------------------------------------------------------

def preview_tracker(language: str | None, **slots: Any) -> Tracker:
    values = {**BASE, **PHONE, "preferred_time": "geen voorkeur", "language": language, **slots}
    events = [{"event": "user", "text": "ik heb schulden en de huur is te hoog",
               "parse_data": {"intent": {"name": "describe_situation"}}}]
    return Tracker("t", values, {}, events, False, None, {}, "action_listen")


@pytest.mark.parametrize(("language", "expected", "unexpected"), [
    ("en", ["This is what we will send", "- Name: Agnieszka", "- Contact by: phone", "- When: no preference",
            "- Phone: 06 12345678"], ["Dit sturen we", "Naam", "geen voorkeur"]),
    (None, ["Dit sturen we naar", "- Naam: Agnieszka", "- Contact via: telefoon", "- Wanneer: geen voorkeur"],
     ["This is what"]),
    ("nl", ["Dit sturen we naar"], ["This is what"]),
    ("tr", ["Dit sturen we naar"], ["This is what"]),
])
def test_the_preview_speaks_the_residents_language(language: str | None, expected: list[str],
                                                    unexpected: list[str]) -> None:
    from actions.intake_form import preview_text

    text = preview_text(preview_tracker(language))
    for part in expected:
        assert part in text, (part, text)
    for part in unexpected:
        assert part not in text, (part, text)


def test_the_english_preview_names_every_life_domain_and_preference() -> None:
    from actions.intake_form import preview_labels
    from bot.domain.life_domains import load_life_domains
    from bot.domain.vocabulary import CONTACT_PREFERENCES

    english = preview_labels("en")
    dutch = preview_labels(None)
    assert set(english) == set(dutch) | {"life_domains"}
    assert {d.value for d in load_life_domains()} <= set(english["life_domains"])
    assert set(CONTACT_PREFERENCES) <= set(english["preferences"])


def test_the_english_preview_buttons_and_intake_questions_have_english_variations() -> None:
    intake = ["utter_ask_intake_decision", "utter_ask_edit_field", "utter_ask_contact_preference",
              "utter_ask_contact_phone", "utter_ask_contact_email", "utter_ask_preferred_time",
              "utter_invalid_intake_decision", "utter_example_intake_decision", "utter_invalid_contact_phone",
              "utter_example_contact_phone", "utter_invalid_preferred_time", "utter_contact_changed_email",
              "utter_contact_changed_telefoon", "utter_contact_changed_whatsapp", "utter_clarify_topics",
              "utter_rephrase"]
    for name in intake:
        variants = DOMAIN["responses"][name]
        english = [v for v in variants if any(c.get("value") == "en" for c in v.get("condition") or [])]
        assert english, name
        dutch_payloads = [b["payload"] for v in variants if not v.get("condition") for b in v.get("buttons") or []]
        for variant in english:
            assert {b["payload"] for b in variant.get("buttons") or []} <= set(dutch_payloads), name
