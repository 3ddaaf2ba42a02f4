"""The summary the OCO worker reads first: fixed order, facts from the whole conversation."""

from __future__ import annotations

from bot.domain.handover.story import Utterance
from bot.domain.handover.summary import ConversationFacts, establish, safety_note, worker_summary

LABEL_ORDER = ["In eigen woorden", "Onderwerpen", "Let op", "Veiligheid", "Wijkteam", "Gesprek of bezwaar",
               "Advies van de wegwijzer"]


def labels(summary: str) -> list[str]:
    return [line.split(":", 1)[0] for line in summary.splitlines()]


def test_story_told_first_then_handover_carries_the_words_and_domains() -> None:
    utterances = [
        Utterance("Ik wil me aanmelden voor een cliëntondersteuner. Mijn moeder krijgt veel te weinig "
                  "thuiszorg en ik weet niet hoe ik dat moet aanpakken.", "request_human"),
        Utterance("Jan", "inform", answer_slot="contact_name"),
    ]
    facts = establish(utterances, {})
    summary = worker_summary(facts)
    assert "Mijn moeder krijgt veel te weinig thuiszorg" in summary
    assert facts.life_domains, "thuiszorg names a life domain"
    assert summary.splitlines()[0].startswith("In eigen woorden: Ik wil me aanmelden")


def test_lines_come_in_the_fixed_order() -> None:
    facts = ConversationFacts(
        story="Wij moeten over 3 weken het huis uit.", life_domains=["wonen", "geld"], urgent=True,
        urgency_kinds=["eviction"], crisis_kinds=["domestic_violence"], wijkteam_contact="ja",
        meetings=["gesprek"], advice="oco", safe_to_contact="alleen_op_tijden", safe_message="nee",
        safe_times="overdag",
    )
    found = labels(worker_summary(facts))
    assert found == [label for label in LABEL_ORDER if label in found]
    assert found == LABEL_ORDER


def test_no_story_says_so_and_leaves_out_unknown_lines() -> None:
    summary = worker_summary(ConversationFacts())
    assert labels(summary) == ["In eigen woorden", "Wijkteam"]
    assert "niet beschreven" in summary


def test_violence_told_before_the_handover_reaches_the_worker() -> None:
    utterances = [
        Utterance("mijn man slaat me als hij gedronken heeft", "crisis"),
        Utterance("ik wil toch gebeld worden", "request_human"),
    ]
    facts = establish(utterances, {"crisis_kinds": ["domestic_violence"], "urgent": True,
                                   "safe_to_contact": "nee", "safe_message": "nee"})
    summary = worker_summary(facts)
    assert "slaat me" in summary
    assert facts.urgent is True
    assert "Let op:" in summary
    note = safety_note(facts)
    assert note is not None and "niet veilig" in note


def test_no_safety_note_without_the_safety_questions() -> None:
    assert safety_note(ConversationFacts(crisis_kinds=["suicide"])) is None


def test_wijkteam_value_outside_the_vocabulary_becomes_unknown() -> None:
    assert establish([], {"wijkteam_contact": "misschien"}).wijkteam_contact == "onbekend"


def test_meeting_and_complaint_come_from_the_whole_conversation() -> None:
    facts = establish([
        Utterance("ik heb volgende week een keukentafelgesprek", "prepare_meeting"),
        Utterance("en ik ben het niet eens met de beschikking", "complaint_or_objection"),
    ], {})
    assert facts.meetings == ["gesprek", "klacht"]


def test_story_override_replaces_the_collected_story_and_is_masked() -> None:
    facts = establish([Utterance("ik heb schulden", "describe_situation")], {},
                      story_override="Hulp bij schulden, bel 0612345678")
    assert "0612345678" not in facts.story
    assert facts.story.startswith("Hulp bij schulden")


def test_fields_agree_with_the_summary() -> None:
    facts = establish([Utterance("we worden volgende week afgesloten van gas en licht", "describe_situation")], {})
    summary = worker_summary(facts)
    assert facts.urgent == ("Let op: dringend" in summary)
