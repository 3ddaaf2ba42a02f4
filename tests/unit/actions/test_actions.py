"""Custom actions, called directly with a tracker (no servers): decisions and edge cases."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.clarification import ActionStartClarification, ValidateClarifyForm, give_route
from actions.conversation import ActionCrisisResponse, ActionHandleFallback, ActionSessionStart
from actions.gemeente import ValidateGemeenteForm, give_contact_details
from actions.handover import ActionIntakeDone
from tests.support.trackers import DOMAIN, as_dict, said, tracker


async def test_session_start_takes_the_municipality_from_the_channel() -> None:
    events = await ActionSessionStart().run(
        CollectingDispatcher(), tracker(metadata={"gemeente": "almere"}), DOMAIN
    )
    slots = as_dict(events)
    assert slots["gemeente"] == "almere"
    assert slots["gemeente_naam"] == "Almere"
    assert events[0]["event"] == "session_started"
    assert events[-1]["event"] == "action"


async def test_start_clarification_prefills_what_was_said() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStartClarification().run(
        dispatcher,
        tracker("ik heb schulden en de deurwaarder komt, ook mijn huur is te hoog", "describe_situation"),
        DOMAIN,
    )
    slots = as_dict(events)
    assert set(slots["life_domains"]) == {"geld", "wonen"}
    assert slots["complexity"] == "meervoudig"
    assert slots["urgent"] is True
    assert slots["situation"].startswith("ik heb schulden")
    assert said(dispatcher) == ["utter_clarify_intro"]


async def test_meeting_intent_is_not_asked_again() -> None:
    events = await ActionStartClarification().run(
        CollectingDispatcher(), tracker("ik heb een keukentafelgesprek", "prepare_meeting"), DOMAIN
    )
    slots = as_dict(events)
    assert slots["meeting_or_complaint"] == "gesprek"
    assert slots["upcoming_meeting"] is True


def _selected(topic: str) -> dict:
    return {"ask_procedure": {"response": {"utter_action": f"utter_ask_procedure/{topic}"}}}


@pytest.mark.parametrize(("text", "selected", "expected"), [
    ("volgende week keukentafelgesprek, mag mijn dochter mee?", "gesprek_meenemen", "gesprek_meenemen"),
    ("ik heb dinsdag een gesprek met het wijkteam, wat moet ik meenemen", "gesprek_papieren", "gesprek_papieren"),
    ("de consulent komt langs, mag ik dat opnemen", "gesprek_opnemen", "gesprek_opnemen"),
    ("morgen gesprek met de gemeente en ik spreek slecht nederlands", "gesprek_tolk", "gesprek_tolk"),
    ("ik heb een gesprek gehad, krijg ik een verslag", "keukentafelgesprek_verslag", "keukentafelgesprek_verslag"),
    # Not a meeting topic: the general preparation answer.
    ("ik heb binnenkort een keukentafelgesprek en zie er tegenop", "bezwaar_termijn", "gesprek_voorbereiden"),
    ("/prepare_meeting", None, "gesprek_voorbereiden"),
])
async def test_a_coming_meeting_gets_a_concrete_answer_first(text: str, selected: str | None, expected: str) -> None:
    dispatcher = CollectingDispatcher()
    parse_tracker = tracker(text, "prepare_meeting")
    if selected:
        parse_tracker.latest_message["response_selector"] = _selected(selected)
    await ActionStartClarification().run(dispatcher, parse_tracker, DOMAIN)
    assert said(dispatcher) == [f"utter_ask_procedure/{expected}", "utter_clarify_intro"]


async def test_a_meeting_question_answered_as_a_second_part_is_not_said_twice() -> None:
    dispatcher = CollectingDispatcher()
    parse_tracker = tracker("ik heb een gesprek, mag ik iemand meenemen?", "prepare_meeting")
    parse_tracker.latest_message["response_selector"] = _selected("gesprek_meenemen")
    parse_tracker.latest_message["secondary_intents"] = ["ask_procedure"]
    await ActionStartClarification().run(dispatcher, parse_tracker, DOMAIN)
    assert said(dispatcher).count("utter_ask_procedure/gesprek_meenemen") == 1


async def test_denying_the_domains_asks_again_with_all_domains() -> None:
    result = await ValidateClarifyForm().validate_domains_confirmed(
        "nee", CollectingDispatcher(), tracker("nee", "deny", slots={"life_domains": ["geld"]}), DOMAIN
    )
    assert result["domains_confirmed"] is None
    assert result["life_domains"] is None


def test_route_for_an_unserved_municipality_names_no_local_contacts() -> None:
    dispatcher = CollectingDispatcher()
    events = give_route(dispatcher, tracker(slots={"gemeente": "zwolle"}))
    assert as_dict(events)["route_kind"] == "niet_bediend"
    assert said(dispatcher) == ["utter_gemeente_not_served", "utter_gemeente_not_served_2"]
    assert dispatcher.messages[0]["gemeente_naam"] == "Zwolle"


def test_route_for_several_domains_in_dordrecht_is_oco_with_an_offer() -> None:
    dispatcher = CollectingDispatcher()
    events = give_route(dispatcher, tracker(slots={
        "gemeente": "dordrecht", "life_domains": ["geld", "wonen"], "complexity": "meervoudig",
    }))
    assert as_dict(events)["route_kind"] == "oco"
    assert any("MEE Plus" in str(m.get("organisatie") or "") for m in dispatcher.messages)
    assert said(dispatcher)[-1] == "utter_route_offer_oco"


def test_contact_details_in_almere_come_from_the_catalogue() -> None:
    dispatcher = CollectingDispatcher()
    give_contact_details(dispatcher, tracker(slots={"gemeente": "almere"}))
    text = "\n".join(str(m.get("contact") or "") for m in dispatcher.messages)
    assert "036 - 200 21 58" in text and "088 - 633 06 33" in text


async def test_crisis_answer_puts_the_specific_number_first_and_marks_urgent() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionCrisisResponse().run(
        dispatcher, tracker("ik wil er een eind aan maken", "crisis"), DOMAIN
    )
    assert said(dispatcher) == ["utter_crisis_suicide", "utter_crisis_all_numbers"]
    assert as_dict(events)["urgent"] is True


async def test_second_miss_in_a_row_offers_a_person() -> None:
    miss = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    hit = {"event": "user", "parse_data": {"intent": {"name": "greet"}}}
    once, twice = CollectingDispatcher(), CollectingDispatcher()
    await ActionHandleFallback().run(once, tracker(events=[hit, miss]), DOMAIN)
    await ActionHandleFallback().run(twice, tracker(events=[miss, {"event": "bot"}, miss]), DOMAIN)
    assert said(once) == ["utter_clarify_topics"]
    assert said(twice) == ["utter_offer_human"]


async def test_a_sentence_is_not_a_municipality() -> None:
    dispatcher = CollectingDispatcher()
    result = await ValidateGemeenteForm().validate_gemeente(
        "Mijn naam is Kees", dispatcher, tracker("Mijn naam is Kees"), DOMAIN
    )
    assert result["gemeente"] is None
    assert said(dispatcher) == ["utter_gemeente_not_recognised"]


async def test_intake_done_without_sending_says_nothing_was_kept() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionIntakeDone().run(
        dispatcher, tracker(slots={"gemeente": "dordrecht", "intake_decision": "stoppen",
                                   "contact_name": "Jan"}), DOMAIN
    )
    assert said(dispatcher) == ["utter_intake_stopped"]
    assert as_dict(events)["contact_name"] is None


@pytest.mark.parametrize("slug", ["noord-beveland", "zwijndrecht", "lelystad"])
async def test_a_request_from_an_unserved_municipality_gets_a_way_forward(slug: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionIntakeDone().run(dispatcher, tracker(slots={"gemeente": slug, "contact_name": "Gerrit"}), DOMAIN)
    assert said(dispatcher) == ["utter_intake_unserved", "utter_intake_unserved_2"]
    assert dispatcher.messages[-1].get("response") == "utter_intake_unserved_2"


@pytest.mark.parametrize(("language", "channel"), [("en", "phone"), (None, "telefoon"), ("nl", "telefoon")])
async def test_after_sending_the_contact_route_is_named_in_the_residents_language(language, channel) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"gemeente": "almere", "intake_reference": "OCO-2026-00001", "intake_decision": "versturen",
             "contact_preference": "telefoon", "language": language}
    await ActionIntakeDone().run(dispatcher, tracker(slots=slots), DOMAIN)
    next_steps = next(m for m in dispatcher.messages if m.get("response") == "utter_intake_next_steps")
    assert next_steps["contact_channel"] == channel


def test_lexicon_outweighs_a_stray_diet_entity() -> None:
    from actions.clarification import domains_in_message

    text = "Mijn moeder kan niet meer alleen voor zichzelf zorgen"
    stray = [{"entity": "life_domain", "value": "welzijn", "start": 27, "end": 33}]
    assert domains_in_message(tracker(text, entities=stray), text) == ["wmo"]
    payload = [{"entity": "life_domain", "value": "geld"}]
    assert domains_in_message(tracker("/inform", entities=payload), "") == ["geld"]


async def test_never_more_than_five_questions() -> None:
    from actions.clarification import CLARIFY_QUESTIONS, MAX_QUESTIONS

    # A button click ("Ik zoek hulp") says nothing yet and no municipality is known.
    events = await ActionStartClarification().run(
        CollectingDispatcher(), tracker("/describe_situation", "describe_situation"), DOMAIN
    )
    prefilled = {e["name"] for e in events if e.get("event") == "slot" and e["value"] is not None}
    assert len([q for q in CLARIFY_QUESTIONS if q not in prefilled]) == MAX_QUESTIONS
    assert as_dict(events)["complexity"] == "onbekend"
    # With the municipality from the channel, all five clarification questions remain.
    events = await ActionStartClarification().run(
        CollectingDispatcher(),
        tracker("/describe_situation", "describe_situation", metadata={"gemeente": "dordrecht"}),
        DOMAIN,
    )
    assert as_dict(events).get("complexity") is None


def test_asking_for_someone_beside_you_routes_to_oco() -> None:
    dispatcher = CollectingDispatcher()
    events = give_route(dispatcher, tracker(slots={
        "gemeente": "papendrecht", "life_domains": ["geld"], "complexity": "enkelvoudig",
        "situation": "ik zoek iemand die naast me staat bij mijn vraag over geld",
    }))
    assert as_dict(events)["route_kind"] == "oco"
    alone = CollectingDispatcher()
    events = give_route(alone, tracker(slots={
        "gemeente": "papendrecht", "life_domains": ["geld"], "complexity": "enkelvoudig",
        "situation": "ik heb een vraag over mijn toeslag",
    }))
    assert as_dict(events)["route_kind"] != "oco"
