"""Whole handovers through the REST channel, typed the way residents answer (issues 10, 11, 12).

Each answer kind is covered by a few conversations here (all 40+ variants per kind are in the
plain unit tests of bot/domain/dialogue). What these prove: the running stack reads an answer in the
context of the question (a name is a name, "maandag" is a time, "bellen" is a preference), an
interruption is answered and the pending question is asked again, nothing loops, and the intake
carries the resident's story in their own words with the fields agreeing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bot.ops.intake.store import IntakeStore

pytestmark = pytest.mark.stack

REFERENCE = re.compile(r"OCO-\d{4}-\d{5}")
CRISIS_NUMBERS = ("113", "0800-0113", "0800-2000")


def texts(messages: list[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def titles(messages: list[dict]) -> list[str]:
    return [button["title"] for message in messages for button in message.get("buttons") or []]


class Resident:
    """One resident talking to the running assistant, keeping the whole transcript."""

    def __init__(self, assistant, gemeente: str | None = "dordrecht") -> None:
        self.assistant = assistant
        self.sender = assistant.new_sender()
        self.gemeente = gemeente
        self.transcript: list[str] = []
        self.last: list[dict] = []

    def say(self, message: str) -> str:
        self.last = self.assistant.send(self.sender, message, self.gemeente)
        reply = texts(self.last)
        assert reply.strip(), f"no answer to {message!r}"
        self.transcript += [f"> {message}", reply]
        return reply

    def click(self, title_part: str) -> str:
        for message in self.last:
            for button in message.get("buttons") or []:
                if title_part.lower() in button["title"].lower():
                    return self.say(button["payload"])
        raise AssertionError(f"no button {title_part!r} in {titles(self.last)}\n" + self.log())

    def log(self) -> str:
        return "\n".join(self.transcript)

    def store(self) -> IntakeStore:
        return IntakeStore(self.assistant.settings.database_url)

    def intake(self, reply: str) -> dict:
        found = REFERENCE.search(reply)
        assert found, self.log()
        record = self.store().get_intake(found.group(0))
        assert record is not None
        return record


def asks_name(reply: str) -> bool:
    return "Wat is uw naam?" in reply


def asks_consent(reply: str) -> bool:
    return "Vindt u dat goed?" in reply or "Vindt u het goed dat ik uw gegevens" in reply


@dataclass(frozen=True)
class Handover:
    """One typed variant for every question of the intake."""

    opening: str
    consent: str
    story: str | None  # answer to "Waar wilt u hulp bij?" (None: the opening told the story)
    name: str
    preference: str
    contact: str
    time: str
    decision: str
    expect_name: str
    expect_phone: str | None
    expect_email: str | None
    expect_time: str | None
    story_words: str


HANDOVERS = [
    Handover("ik wil iemand spreken", "ja", "hulp bij mijn schulden", "Bram", "bellen", "06 12345678",
             "maandag", "versturen", "Bram", "+31612345678", None, "maandag", "schulden"),
    Handover("kan iemand mij terugbellen?", "ja hoor", "mijn moeder kan niet meer alleen douchen", "Lisa",
             "bel mij maar", "0612345679", "middag", "verstuur maar", "Lisa", "+31612345679", None, "middag",
             "douchen"),
    Handover("Ik wil graag een afspraak met een clientondersteuner. Mijn man heeft hersenletsel na een beroerte "
             "en ik loop vast met alle regelingen.", "is goed", None, "Mevrouw Verhoeven", "mailen",
             "a.verhoeven@voorbeeld.nl", "'s middags, als mijn man slaapt", "ja versturen", "Mevrouw Verhoeven",
             None, "a.verhoeven@voorbeeld.nl", "'s middags, als mijn man slaapt", "hersenletsel"),
    Handover("ik wil graag iemand spreken over mijn dochter, ze gaat niet meer naar school", "👍", None,
             "mijn naam is Fatima El Amrani", "1", "+31 6 1234 5670", "na 5 uur", "versturen",
             "Fatima El Amrani", "+31612345670", None, "na 5 uur", "school"),
    Handover("bel mij", "oke", "geldzorgen", "Jan-Willem van der Berg", "telefoon", "06-87654321",
             "maakt niet uit", "1", "Jan-Willem van der Berg", "+31687654321", None, None, "geldzorgen"),
    Handover("ik wil graag gebeld worden", "prima", "sla over", "Ayşe Yılmaz", "e-mail", "AYSE@Voorbeeld.NL",
             "dinsdagochtend", "versturen", "Ayşe Yılmaz", None, "ayse@voorbeeld.nl", "dinsdagochtend", ""),
]


def complete(resident: Resident, case: Handover) -> dict:
    """Answer every question of the intake with the variants of ``case`` and send it."""
    reply = resident.say(case.opening) if case.opening else texts(resident.last)
    assert asks_consent(reply), resident.log()
    reply = resident.say(case.consent)
    assert asks_name(reply), resident.log()
    reply = resident.say(case.name)
    assert "contact opnemen" in reply, resident.log()
    reply = resident.say(case.preference)
    assert ("telefoonnummer" in reply) or ("e-mailadres" in reply), resident.log()
    reply = resident.say(case.contact)
    if case.story is not None:
        # Nothing told yet: one open question about the situation, after the contact details.
        assert "Waar wilt u hulp bij?" in reply, resident.log()
        reply = resident.say(case.story)
    else:
        assert "Waar wilt u hulp bij?" not in reply, resident.log()
    assert "Wanneer" in reply, resident.log()
    reply = resident.say(case.time)
    assert "Dit sturen we naar het OCO-team" in reply, resident.log()
    return resident.intake(resident.say(case.decision))


@pytest.mark.parametrize("case", HANDOVERS, ids=lambda case: case.name)
def test_typed_answers_complete_the_handover(assistant, case: Handover) -> None:
    resident = Resident(assistant)
    record = complete(resident, case)
    assert record["name"] == case.expect_name
    assert record["phone"] == case.expect_phone
    assert record["email"] == case.expect_email
    assert record["preferred_time"] == case.expect_time
    assert record["gemeente"] == "dordrecht"
    assert record["consent_at"]
    assert case.story_words.lower() in record["summary"].lower(), record["summary"]
    assert record["summary"].startswith("In eigen woorden:")


def test_a_request_for_a_person_during_the_intake_repeats_the_question(assistant) -> None:
    resident = Resident(assistant)
    resident.say("ik wil iemand spreken over mijn schulden")
    reply = resident.say("ja")
    assert asks_name(reply), resident.log()
    reply = resident.say("Ik wil iemand spreken")
    assert "al aan het maken" in reply, resident.log()
    assert asks_name(reply), resident.log()
    assert "contact opnemen" in resident.say("Bram"), resident.log()


def test_a_question_at_the_consent_step_is_answered_and_consent_asked_again(assistant) -> None:
    resident = Resident(assistant)
    resident.say("kan iemand mij bellen over mijn schulden")
    reply = resident.say("wie kan mijn gegevens dan lezen?")
    assert asks_consent(reply), resident.log()
    assert asks_name(resident.say("ja")), resident.log()


@pytest.mark.parametrize("unclear", ["?", "hmm", "...", "🤔"])
def test_an_unclear_answer_is_not_consent(assistant, unclear: str) -> None:
    resident = Resident(assistant)
    resident.say("ik wil graag gebeld worden over mijn huur")
    reply = resident.say(unclear)
    assert not asks_name(reply), resident.log()
    assert "ja of nee" in reply.lower() or asks_consent(reply), resident.log()
    second = resident.say(unclear)
    assert second != reply, "the same reply twice in a row\n" + resident.log()


def test_after_refusing_a_later_wish_to_be_called_starts_the_consent_again(assistant) -> None:
    resident = Resident(assistant)
    resident.say("kan iemand mij terugbellen over mijn zoon")
    reply = resident.say("nee")
    assert "niets" in reply, resident.log()
    reply = resident.say("nee wacht, ik wil toch wel gebeld worden")
    assert asks_consent(reply), resident.log()


def test_a_wish_for_contact_inside_the_clarification_questions_starts_the_handover(assistant) -> None:
    resident = Resident(assistant)
    resident.say("ik heb schulden en de huur is te hoog")
    reply = resident.say("Kan een cliëntondersteuner contact met mij opnemen?")
    assert asks_consent(reply), resident.log()


@pytest.mark.parametrize("restart", ["/restart", "opnieuw", "opnieuw beginnen"])
def test_restart_gives_a_clean_conversation(assistant, restart: str) -> None:
    resident = Resident(assistant)
    resident.say("ik wil iemand spreken")
    resident.say("ja")
    reply = resident.say(restart)
    assert "opnieuw" in reply.lower(), resident.log()
    assert not asks_name(reply), resident.log()


def test_skipping_a_needed_question_explains_and_offers_a_way_out_without_looping(assistant) -> None:
    resident = Resident(assistant)
    resident.say("bel mij over de thuiszorg van mijn moeder")
    assert asks_name(resident.say("ja")), resident.log()
    first = resident.say("sla over")
    assert "nodig" in first, resident.log()
    assert "Overslaan" not in titles(resident.last), resident.log()
    assert "Stoppen" in titles(resident.last), resident.log()
    second = resident.say("sla over")
    assert asks_name(second), resident.log()


def test_two_wrong_answers_give_an_example_and_a_way_out(assistant) -> None:
    resident = Resident(assistant)
    resident.say("bel mij over de thuiszorg van mijn moeder")
    assert asks_name(resident.say("ja")), resident.log()
    resident.say("Sanne")
    assert "telefoonnummer" in resident.say("bellen"), resident.log()
    first = resident.say("weet ik even niet")
    second = resident.say("geen idee")
    assert first != second, resident.log()
    assert "06 12345678" in second, resident.log()
    assert "Stoppen" in titles(resident.last), resident.log()


def test_typing_bellen_never_changes_the_municipality_the_website_sent(assistant) -> None:
    resident = Resident(assistant, gemeente="papendrecht")
    case = HANDOVERS[0]
    record = complete(resident, case)
    assert record["gemeente"] == "papendrecht"


def test_an_unserved_municipality_at_the_question_is_not_asked_again_and_again(assistant) -> None:
    resident = Resident(assistant, gemeente=None)
    reply = resident.say("ik wil iemand spreken")
    assert "In welke gemeente woont u?" in reply, resident.log()
    reply = resident.say("Zwijndrecht")
    assert "Zwijndrecht" in reply, resident.log()
    assert "In welke gemeente woont u?" not in reply, resident.log()


def test_a_village_answers_the_municipality_question(assistant) -> None:
    resident = Resident(assistant, gemeente=None)
    resident.say("ik wil graag gebeld worden")
    reply = resident.say("zierikzee")
    assert asks_consent(reply), resident.log()
    assert "Schouwen-Duiveland" in reply, resident.log()


def test_a_time_answer_is_never_a_crisis_or_a_goodbye(assistant) -> None:
    resident = Resident(assistant)
    resident.say("ik wil iemand spreken over hulp in huis")
    resident.say("ja")
    resident.say("Petra")
    resident.say("bellen")
    reply = resident.say("0612345611")
    reply = resident.say("'s middags, als mijn man slaapt")
    assert not any(number in reply for number in CRISIS_NUMBERS), resident.log()
    assert "Dit sturen we naar het OCO-team" in reply, resident.log()


def test_a_crisis_in_the_intake_gets_the_numbers_then_the_intake_goes_on_urgent(assistant) -> None:
    resident = Resident(assistant)
    resident.say("kan iemand mij bellen over mijn schulden")
    resident.say("ja")
    reply = resident.say("ik wil eigenlijk niet meer leven")
    assert "113" in reply, resident.log()
    assert asks_name(reply), resident.log()
    resident.say("Kees")
    resident.say("bellen")
    resident.say("0612345622")
    resident.say("maakt niet uit")
    record = resident.intake(resident.say("versturen"))
    assert record["urgent"] is True
    assert "Let op" in record["summary"]


def test_violence_then_a_handover_asks_whether_contact_is_safe(assistant) -> None:
    resident = Resident(assistant)
    reply = resident.say("mijn man heeft me gisteren bij mijn keel gegrepen")
    assert "0800-2000" in reply, resident.log()
    reply = resident.say("ik wil nog steeds gebeld worden")
    assert asks_consent(reply), resident.log()
    resident.say("ja")
    resident.say("Sara")
    resident.say("bellen")
    reply = resident.say("0612345633")
    assert "veilig" in reply.lower(), resident.log()
    resident.say("alleen op bepaalde tijden")
    resident.say("nee")
    resident.say("overdag als hij werkt")
    record = resident.intake(resident.say("versturen"))
    assert record["urgent"] is True
    assert "keel" in record["summary"]
    assert record.get("safety_note"), record


def test_contact_details_in_the_story_are_masked(assistant) -> None:
    resident = Resident(assistant)
    reply = resident.say("ik heb schulden, mijn nummer is 0612345644 en mail jan@voorbeeld.nl, bel me")
    assert asks_consent(reply), resident.log()
    record = complete(resident, Handover("", "ja", None, "Jan", "bellen", "0612345644", "maandag", "versturen",
                                         "Jan", "+31612345644", None, "maandag", "schulden"))
    assert "0612345644" not in record["summary"]
    assert "jan@voorbeeld.nl" not in record["summary"]
    assert "[telefoonnummer]" in record["summary"]


def test_after_the_clarification_questions_the_intake_carries_the_story_and_the_facts(assistant) -> None:
    resident = Resident(assistant)
    reply = resident.say("mijn zoon van 15 gaat al weken niet naar school en we hebben ook schulden")
    for _ in range(6):
        if "contact met u opneemt" in reply:
            break
        for choice in ("Ja, dat klopt", "Meer dingen tegelijk", "Ja", "Gesprek met gemeente"):
            if any(choice.lower() in title.lower() for title in titles(resident.last)):
                reply = resident.click(choice)
                break
        else:
            reply = resident.say("sla over")
    assert "contact met u opneemt" in reply, resident.log()
    reply = resident.click("Ja")
    assert asks_consent(reply), resident.log()
    resident.say("ja")
    resident.say("Yvonne")
    resident.say("bellen")
    resident.say("0612345655")
    resident.say("na schooltijd")
    record = resident.intake(resident.say("versturen"))
    summary = record["summary"]
    assert "niet naar school" in summary
    assert {"onderwijs", "geld"} & set(record["life_domains"]), record
    assert "Wijkteam: heeft al contact" in summary and record["wijkteam_contact"] == "ja"
    assert "Gesprek of bezwaar:" in summary
    assert "Advies van de wegwijzer:" in summary
