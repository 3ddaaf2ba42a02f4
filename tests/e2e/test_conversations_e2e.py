"""Whole conversations through the REST channel of a running assistant (Rasa + actions).

These are the "done when" checks of the foundation, wegwijzer and handover issues,
written the way a resident talks to the assistant.
"""

from __future__ import annotations

import re

import pytest

from bot.domain.life_domains import life_domain_values
from bot.ops.intake.store import IntakeStore

pytestmark = pytest.mark.stack


def texts(messages: list[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def buttons(messages: list[dict]) -> list[dict]:
    return [button for message in messages for button in message.get("buttons") or []]


def click(assistant, sender: str, messages: list[dict], title_part: str, gemeente=None) -> list[dict]:
    """Send the payload of the first button whose title contains ``title_part``."""
    for button in buttons(messages):
        if title_part.lower() in button["title"].lower():
            return assistant.send(sender, button["payload"], gemeente)
    raise AssertionError(f"no button {title_part!r} in {[b['title'] for b in buttons(messages)]}")


def answer_until(assistant, sender, messages, answers, stop_when, gemeente=None, limit=8):
    """Answer form questions by button title or text until ``stop_when(text)`` is true."""
    seen = texts(messages)
    for _ in range(limit):
        if stop_when(texts(messages)):
            return seen
        titles = [b["title"] for b in buttons(messages)]
        choice = next((a for a in answers if any(a.lower() in t.lower() for t in titles)), None)
        if choice:
            messages = click(assistant, sender, messages, choice, gemeente)
        else:
            messages = assistant.send(sender, "weet ik niet", gemeente)
        seen += "\n" + texts(messages)
    assert stop_when(texts(messages)), seen
    return seen


def test_cost_answer_says_it_is_free(assistant) -> None:
    reply = texts(assistant.send(assistant.new_sender(), "wat kost een clientondersteuner?"))
    assert "gratis" in reply.lower()


def test_wijkteam_difference_explains_who_decides(assistant) -> None:
    reply = texts(assistant.send(assistant.new_sender(), "wat is het verschil met het wijkteam"))
    assert "beslist" in reply.lower()
    assert "naast u" in reply.lower()


def test_greeting_warns_against_sharing_a_bsn(assistant) -> None:
    reply = texts(assistant.send(assistant.new_sender(), "hallo"))
    assert "BSN" in reply


def test_debts_in_dordrecht_end_at_a_route_with_oco_offered(assistant) -> None:
    sender = assistant.new_sender()
    messages = assistant.send(sender, "Ik heb schulden en kom er niet meer uit", "dordrecht")
    seen = answer_until(
        assistant, sender, messages,
        ["Ja, dat klopt", "Eén vraag", "Nee", "Nee, geen van beide"],
        stop_when=lambda text: "contact met u opneemt" in text, gemeente="dordrecht",
    )
    assert "Financieel Hulphuis" in seen or "wijkteam" in seen.lower()
    assert "cliëntondersteuner" in seen


def test_kitchen_table_talk_goes_to_oco_who_can_come_along(assistant) -> None:
    sender = assistant.new_sender()
    messages = assistant.send(sender, "ik heb een keukentafelgesprek en zie er tegenop", "dordrecht")
    seen = answer_until(
        assistant, sender, messages, ["Sla over", "Weet ik niet"],
        stop_when=lambda text: "contact met u opneemt" in text, gemeente="dordrecht",
    )
    assert "MEE Plus" in seen
    assert "meegaan" in seen


def test_almere_contact_details_come_from_the_seed(assistant) -> None:
    reply = texts(assistant.send(assistant.new_sender(), "wat is het telefoonnummer van jullie?", "almere"))
    assert "036 - 200 21 58" in reply
    assert "088 - 633 06 33" in reply


def test_contact_details_ask_the_municipality_first(assistant) -> None:
    sender = assistant.new_sender()
    messages = assistant.send(sender, "hoe kan ik jullie bereiken")
    assert "In welke gemeente woont u?" in texts(messages)
    reply = texts(click(assistant, sender, messages, "Almere"))
    assert "036 - 200 21 58" in reply


def test_crisis_in_the_middle_of_the_form_gets_113_at_once(assistant) -> None:
    sender = assistant.new_sender()
    assistant.send(sender, "mijn moeder kan niet meer alleen thuis wonen", "dordrecht")
    reply = texts(assistant.send(sender, "Ik zie het niet meer zitten", "dordrecht"))
    assert "113" in reply
    assert "0800-0113" in reply
    assert "112" in reply


def test_unserved_municipality_gets_no_other_municipalitys_contacts(assistant) -> None:
    sender = assistant.new_sender()
    messages = assistant.send(sender, "wat is het telefoonnummer")
    messages = click(assistant, sender, messages, "andere gemeente")
    reply = texts(assistant.send(sender, "Zwolle"))
    assert "Zwolle" in reply
    assert "elke gemeente" in reply.lower()
    assert not re.search(r"\d{3} ?- ?\d{3}", reply), reply


def handover_until_phone(assistant, sender: str) -> list[dict]:
    messages = assistant.send(sender, "ik wil graag dat iemand mij belt over mijn schulden", "dordrecht")
    assert "Het wijkteam leest ze niet" in texts(messages)
    messages = click(assistant, sender, messages, "Ja", "dordrecht")
    assert "naam" in texts(messages).lower()
    messages = assistant.send(sender, "Fatima El Amrani", "dordrecht")
    return click(assistant, sender, messages, "Bellen", "dordrecht")


def test_handover_stores_the_intake_and_tells_the_reference(assistant) -> None:
    sender = assistant.new_sender()
    messages = handover_until_phone(assistant, sender)
    messages = assistant.send(sender, "0612", "dordrecht")
    assert "klopt niet" in texts(messages)
    messages = assistant.send(sender, "06-12345678", "dordrecht")
    messages = click(assistant, sender, messages, "Maakt niet uit", "dordrecht")
    summary = texts(messages)
    assert "Dit sturen we naar het OCO-team van Dordrecht" in summary
    assert "06 12345678" in summary
    messages = click(assistant, sender, messages, "Versturen", "dordrecht")
    reference = re.search(r"OCO-\d{4}-\d{5}", texts(messages))
    assert reference, texts(messages)
    record = IntakeStore(assistant.settings.database_url).get_intake(reference.group(0))
    assert record["phone"] == "+31612345678"
    assert record["gemeente"] == "dordrecht"
    assert record["status"] == "nieuw"
    assert record["name"] == "Fatima El Amrani"
    assert record["contact_preference"] == "telefoon"


def test_refusing_consent_stores_nothing(assistant) -> None:
    store = IntakeStore(assistant.settings.database_url)
    before = len(store.list_intakes())
    sender = assistant.new_sender()
    messages = assistant.send(sender, "kan iemand mij terugbellen", "almere")
    reply = texts(click(assistant, sender, messages, "Nee", "almere"))
    assert "niets" in reply
    assert "036 - 200 21 58" in reply
    assert len(store.list_intakes()) == before


def test_changing_one_field_before_sending(assistant) -> None:
    sender = assistant.new_sender()
    messages = handover_until_phone(assistant, sender)
    messages = assistant.send(sender, "0612345678", "dordrecht")
    messages = assistant.send(sender, "s ochtends", "dordrecht")
    messages = click(assistant, sender, messages, "Aanpassen", "dordrecht")
    messages = click(assistant, sender, messages, "Telefoon of e-mail", "dordrecht")
    # A number typed at "bellen of mailen?" answers both questions.
    messages = assistant.send(sender, "078 123 4567", "dordrecht")
    summary = texts(messages)
    assert "078 123 4567" in summary
    assert "Fatima El Amrani" in summary
    messages = click(assistant, sender, messages, "Aanpassen", "dordrecht")
    messages = click(assistant, sender, messages, "Uw vraag", "dordrecht")
    messages = assistant.send(sender, "Hulp bij mijn schulden en de post, bel 0612345678", "dordrecht")
    summary = texts(messages)
    assert "Hulp bij mijn schulden en de post" in summary
    assert "0612345678" not in summary.split("Uw vraag:", 1)[1]
    messages = click(assistant, sender, messages, "Stoppen", "dordrecht")
    assert "niets verstuurd" in texts(messages)


def test_a_name_is_not_taken_for_a_municipality(assistant) -> None:
    sender = assistant.new_sender()
    messages = assistant.send(sender, "kan iemand me bellen")
    # Without the website's municipality it is asked first: its OCO team reads the intake.
    assert "In welke gemeente woont u?" in texts(messages)
    reply = texts(assistant.send(sender, "Mijn naam is Kees"))
    assert "Die gemeente ken ik niet" in reply
    reply = texts(assistant.send(sender, "papendrech"))
    assert "Vindt u dat goed?" in reply and "Papendrecht" in reply


def test_route_follows_when_the_municipality_comes_later(assistant) -> None:
    sender = assistant.new_sender()
    messages = assistant.send(sender, "ik krijg binnenkort een keukentafelgesprek over hulp in huis, zie er tegenop")
    seen = answer_until(
        assistant, sender, messages, ["Sla over", "Weet ik niet"],
        stop_when=lambda text: "In welke gemeente woont u?" in text,
    )
    reply = texts(assistant.send(sender, "weet ik niet"))
    assert "Ik weet niet in welke gemeente u woont" in reply, seen
    reply = texts(assistant.send(sender, "ik woon in Almere"))
    assert "OCO Almere" in reply
    assert "036 - 200 21 58" in reply


def test_no_personal_data_in_any_log_line(assistant) -> None:
    sender = assistant.new_sender()
    messages = assistant.send(sender, "ik wil graag dat iemand mij belt", "almere")
    messages = click(assistant, sender, messages, "Ja", "almere")
    messages = assistant.send(sender, "Wilhelmina Zwartkruis", "almere")
    messages = click(assistant, sender, messages, "E-mail", "almere")
    messages = assistant.send(sender, "w.zwartkruis@voorbeeld.nl", "almere")
    assert "Waar wilt u hulp bij?" in texts(messages)
    messages = assistant.send(sender, "ik heb schulden, mijn nummer is 0687654321", "almere")
    messages = assistant.send(sender, "dinsdag na 16.00 uur", "almere")
    messages = click(assistant, sender, messages, "Versturen", "almere")
    assert re.search(r"OCO-\d{4}-\d{5}", texts(messages)), texts(messages)
    logs = assistant.logs()
    for personal in ("Zwartkruis", "zwartkruis@voorbeeld.nl", "0687654321", "87654321", sender):
        assert personal not in logs, f"{personal!r} appears in a log line"


def test_model_parse_requires_the_api_token_and_gives_canonical_entities(assistant) -> None:
    import requests

    url = f"{assistant.rasa_url}/model/parse"
    body = {"text": "ik woon in Dordt en heb schulden, kom er niet meer uit"}
    assert requests.post(url, json=body, timeout=30).status_code == 401
    response = requests.post(url, json=body, params={"token": assistant.settings.api_token}, timeout=30)
    assert response.status_code == 200
    parsed = response.json()
    assert parsed["intent"]["name"] == "describe_situation"
    values = {(e["entity"], e["value"]) for e in parsed["entities"]}
    assert ("life_domain", "geld") in values
    assert ("gemeente", "dordrecht") in values
    allowed = set(life_domain_values())
    assert all(value in allowed for entity, value in values if entity == "life_domain")
