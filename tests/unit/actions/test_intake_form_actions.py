"""The form base class and the intake form, called directly with a tracker (no servers)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import intake_form
from actions.clarification import ValidateClarifyForm
from actions.handover import ActionIntakeDone, ActionStartHandover
from actions.intake_form import ValidateIntakeForm
from bot.paths import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
BASE_SLOTS = {"gemeente": "dordrecht", "consent": "ja", "story_known": True}


def form_tracker(
    slot: str,
    text: str,
    *,
    slots: dict[str, Any] | None = None,
    intent: str = "inform",
    entities: list[dict] | None = None,
    answer: dict | None = None,
    events: list[dict] | None = None,
    form: str = "intake_form",
) -> Tracker:
    """A tracker just after the resident answered ``slot`` (the form's slot candidate is set)."""
    values = {**BASE_SLOTS, **(slots or {}), "requested_slot": slot, slot: text}
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or [],
              "metadata": {}}
    if answer is not None:
        latest["answer"] = {"slot": slot, **answer}
    history = [*(events or []), {"event": "user", "text": text, "parse_data": latest},
               {"event": "slot", "name": slot, "value": text}]
    return Tracker("test", values, latest, history, False, None, {"name": form}, "action_listen")


async def validate(slot: str, text: str, action=None, **kwargs) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    action = action or ValidateIntakeForm()
    events = await action.run(dispatcher, form_tracker(slot, text, **kwargs), DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, [m.get("response") for m in dispatcher.messages]


@pytest.mark.parametrize("name", ["Bram", "Lisa", "Mevrouw Verhoeven", "Jan-Willem van der Berg", "Ayşe Yılmaz",
                                  "mijn naam is Fatima El Amrani", "Nguyen Thi Lan", "D'Angelo"])
async def test_names_are_accepted(name: str) -> None:
    slots, said = await validate("contact_name", name)
    assert slots["contact_name"], said
    assert said == []


@pytest.mark.parametrize("text", ["bellen", "liever mailen", "asdfgh", "ik heb schulden en weet het niet meer"])
async def test_what_is_clearly_not_a_name_is_refused(text: str) -> None:
    slots, said = await validate("contact_name", text)
    assert slots["contact_name"] is None
    assert said == ["utter_invalid_contact_name"]


@pytest.mark.parametrize("text", ["?", "hmm", "...", "😅"])
async def test_unclear_answers_never_give_consent(text: str) -> None:
    slots, said = await validate("consent", text)
    assert slots["consent"] is None
    assert "consent_at" not in slots or slots["consent_at"] is None
    assert said == ["utter_invalid_consent"]


async def test_consent_yes_sets_the_time_and_no_ends_the_form() -> None:
    yes, _ = await validate("consent", "ja graag")
    assert yes["consent"] == "ja" and yes["consent_at"]
    no, _ = await validate("consent", "nee")
    assert no["consent"] == "nee"
    required = await ValidateIntakeForm().required_slots(
        [], CollectingDispatcher(), form_tracker("consent", "nee", slots={"consent": "nee"}), DOMAIN)
    assert required == []


async def test_skip_at_a_needed_question_explains_and_never_offers_skipping() -> None:
    slots, said = await validate("contact_name", "sla over")
    assert slots["contact_name"] is None
    assert said == ["utter_why_contact_name", "utter_way_out"]
    buttons = [b["title"] for b in DOMAIN["responses"]["utter_way_out"][0]["buttons"]]
    assert "Overslaan" not in buttons


async def test_skip_at_a_skippable_question_stores_its_skip_value() -> None:
    slots, said = await validate("preferred_time", "sla over", slots={"contact_preference": "telefoon",
                                                                       "contact_phone": "+31612345678"})
    assert slots["preferred_time"] == "geen voorkeur"
    assert said == []


async def test_misses_escalate_without_repeating_and_give_up_ends_the_form() -> None:
    replies = []
    for attempts in range(3):
        slots, said = await validate("contact_phone", "weet ik niet", slots={
            "contact_preference": "telefoon", "invalid_attempts": attempts})
        replies.append(said)
        assert slots["contact_phone"] is None
    assert replies[0] == ["utter_invalid_contact_phone"]
    assert replies[1] == ["utter_example_contact_phone", "utter_way_out"]
    assert replies[0] != replies[1] != replies[2]
    slots, said = await validate("contact_phone", "weet ik niet", slots={
        "contact_preference": "telefoon", "invalid_attempts": 3})
    assert said == ["utter_give_up"]
    assert slots["intake_decision"] == "stoppen"


@pytest.mark.parametrize(("text", "expected"), [
    ("06-12345678", "+31612345678"), ("mijn nummer is 0031 6 1234 5678", "+31612345678"),
    ("078 123 4567", "+31781234567"),
])
async def test_phone_numbers_are_stored_in_e164(text: str, expected: str) -> None:
    slots, _ = await validate("contact_phone", text, slots={"contact_preference": "telefoon"})
    assert slots["contact_phone"] == expected


async def test_a_number_at_the_preference_question_answers_two_questions() -> None:
    slots, _ = await validate("contact_preference", "bel me op 0612345678")
    assert slots["contact_preference"] == "telefoon"
    assert slots["contact_phone"] == "+31612345678"


async def test_a_button_payload_is_read_from_its_entity() -> None:
    slots, _ = await validate("contact_preference", '/inform{"contact_preference": "email"}',
                              entities=[{"entity": "contact_preference", "value": "email"}])
    assert slots["contact_preference"] == "email"


async def test_the_turn_readers_answer_is_used() -> None:
    slots, _ = await validate("contact_name", "Bram", answer={"kind": "name", "value": "Bram", "understood": True})
    assert slots["contact_name"] == "Bram"


async def test_story_question_only_without_a_story_and_safety_only_after_violence() -> None:
    form = ValidateIntakeForm()
    plain = await form.required_slots([], CollectingDispatcher(), form_tracker(
        "contact_name", "x", slots={"story_known": False}), DOMAIN)
    assert "intake_story" in plain and "safe_to_contact" not in plain
    violence = await form.required_slots([], CollectingDispatcher(), form_tracker(
        "contact_name", "x", slots={"crisis_kinds": ["domestic_violence"], "contact_preference": "telefoon"}), DOMAIN)
    assert "intake_story" not in violence
    assert violence.index("safe_to_contact") < violence.index("preferred_time")
    unserved = await form.required_slots([], CollectingDispatcher(), form_tracker(
        "contact_name", "x", slots={"gemeente": "zwolle"}), DOMAIN)
    assert unserved == []


async def test_database_down_tells_the_resident_and_keeps_the_question(monkeypatch) -> None:
    class BrokenStore:
        def create_intake(self, draft, notify_to):
            raise ConnectionError("database down")

    monkeypatch.setattr(intake_form, "intake_store", lambda: BrokenStore())
    slots, said = await validate("intake_decision", "versturen", slots={
        "contact_name": "Jan", "contact_preference": "telefoon", "contact_phone": "+31612345678",
        "consent_at": "2026-11-22T10:00:00+00:00"})
    assert slots["intake_decision"] is None
    assert said == ["utter_not_saved_db_down"]


async def test_refused_consent_ends_with_nothing_sent_and_the_phone_route() -> None:
    dispatcher = CollectingDispatcher()
    tracker = Tracker("t", {"gemeente": "almere", "consent": "nee"}, {}, [], False, None, {}, "action_listen")
    await ActionIntakeDone().run(dispatcher, tracker, DOMAIN)
    said = [m.get("response") for m in dispatcher.messages]
    assert said[0] == "utter_consent_refused"
    assert "utter_contact_intro" in said


async def test_start_handover_knows_the_story_and_answers_a_bot_question_first() -> None:
    dispatcher = CollectingDispatcher()
    latest = {"text": "ben je een robot? ik wil een mens", "intent": {"name": "request_human"},
              "secondary_intents": ["bot_challenge"]}
    events = [{"event": "user", "text": "ik heb schulden en de huur is te hoog",
               "parse_data": {"intent": {"name": "describe_situation"}}}]
    tracker = Tracker("t", {}, latest, events, False, None, {}, "action_listen")
    result = await ActionStartHandover().run(dispatcher, tracker, DOMAIN)
    slots = {e["name"]: e["value"] for e in result if e.get("event") == "slot"}
    assert slots["story_known"] is True
    assert [m.get("response") for m in dispatcher.messages] == ["utter_bot_challenge_short"]


async def test_clarification_answers_are_read_by_the_table() -> None:
    action = ValidateClarifyForm()
    slots, _ = await validate("wijkteam_contact", "nee nog niet", action=action, form="clarify_form")
    assert slots["wijkteam_contact"] == "nee"
    slots, _ = await validate("meeting_or_complaint", "volgende week komt er iemand op huisbezoek", action=action,
                              form="clarify_form")
    assert slots["upcoming_meeting"] is True and slots["complaint"] is False


async def test_consent_is_asked_again_in_one_short_sentence() -> None:
    from actions.intake_form import ActionAskConsent

    first = CollectingDispatcher()
    started = [{"event": "action", "name": "action_start_handover"}]
    tracker = Tracker("t", {"gemeente": "almere"}, {}, started, False, None, {}, "action_listen")
    await ActionAskConsent().run(first, tracker, DOMAIN)
    assert [m["response"] for m in first.messages] == ["utter_ask_consent", "utter_ask_consent_2"]
    asked = [*started, {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_ask_consent_2"}},
             {"event": "user", "text": "?"}]
    again = CollectingDispatcher()
    tracker = Tracker("t", {"gemeente": "almere"}, {}, asked, False, None, {}, "action_listen")
    await ActionAskConsent().run(again, tracker, DOMAIN)
    assert [m["response"] for m in again.messages] == ["utter_ask_consent_again"]
    new_handover = CollectingDispatcher()
    tracker = Tracker("t", {"gemeente": "almere"}, {}, [*asked, *started], False, None, {}, "action_listen")
    await ActionAskConsent().run(new_handover, tracker, DOMAIN)
    assert [m["response"] for m in new_handover.messages] == ["utter_ask_consent", "utter_ask_consent_2"]


async def test_a_phone_number_at_the_name_question_is_kept_and_the_name_asked_again() -> None:
    slots, said = await validate("contact_name", "0612345678")
    assert slots["contact_name"] is None
    assert slots["contact_phone"] == "+31612345678" and slots["contact_preference"] == "telefoon"
    assert said == ["utter_noted_other_answer"]


async def test_a_number_typed_at_the_preference_question_answers_it() -> None:
    slots, said = await validate("contact_preference", "06 1234 5678")
    assert slots["contact_preference"] == "telefoon" and slots["contact_phone"] == "+31612345678"
    assert said == []
