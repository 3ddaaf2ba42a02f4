"""WhatsApp Cloud API channel: real HTTP on 127.0.0.1 against a fake Graph API.

The webhook blueprint is served by a Sanic app in the test's event loop; its
``on_new_message`` is a bot double that answers through the real output channel.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Dict, List

import pytest

from bot.rasa_plugins.channels.whatsapp import (
    WhatsAppInput,
    WhatsAppOutput,
    parse_phone_number_ids,
    signature_is_valid,
)
from bot.rasa_plugins.channels.whatsapp_dedup import InMemoryMessageIdCache
from bot.rasa_plugins.channels.whatsapp_format import (
    BUTTON_TITLE_LIMIT,
    INTERACTIVE_BODY_LIMIT,
    MAX_LIST_ROWS,
    ROW_TITLE_LIMIT,
    TEXT_LIMIT,
    button_messages,
    load_texts,
    split_text,
    text_messages,
)
from bot.rasa_plugins.channels.whatsapp_inbound import parse_webhook
from tests.support.channels import (
    ACCESS_TOKEN,
    APP_SECRET,
    GEMEENTE,
    NUMBER_ID,
    RESIDENT,
    VERIFY_TOKEN,
    Webhook,
    delivery,
    encode,
    sign,
    text_message,
)
from tests.support.fake_graph_api import limit_violations


def interactive(payload: Dict[str, Any]) -> Dict[str, Any]:
    assert payload["type"] == "interactive"
    return payload["interactive"]


# --- GET verification --------------------------------------------------------------------


async def test_verification_answers_the_challenge(webhook):
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with webhook.http.get(webhook.url, params=params) as response:
        assert response.status == 200
        assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
        {"hub.challenge": "42"},
    ],
)
async def test_verification_refuses_wrong_token_or_mode(webhook, params):
    async with webhook.http.get(webhook.url, params=params) as response:
        assert response.status == 403
        assert "42" not in await response.text()


# --- signed deliveries -------------------------------------------------------------------


async def test_signed_delivery_reaches_bot_and_answer_arrives(webhook):
    response = await webhook.post(delivery(text_message("Wat is cliëntondersteuning?")))
    assert response.status == 200

    (sent,) = await webhook.graph.wait_for_delivered(1)
    await webhook.settle()
    (message,) = webhook.bot.received
    assert message.text == "Wat is cliëntondersteuning?"
    # Namespaced conversation id; the number itself travels in metadata (set by the server).
    assert message.sender_id == f"whatsapp:{RESIDENT}"
    assert message.input_channel == "whatsapp"
    assert message.metadata == {
        "gemeente": GEMEENTE, "channel": "whatsapp", "whatsapp_number": f"+{RESIDENT}",
    }
    assert isinstance(message.output_channel, WhatsAppOutput)

    assert sent["to"] == RESIDENT
    assert sent["type"] == "text"
    assert sent["text"]["body"] == webhook.bot.replies[0]["text"]
    (request,) = webhook.graph.requests
    assert request.phone_number_id == NUMBER_ID
    assert request.authorization == f"Bearer {ACCESS_TOKEN}"


async def test_webhook_acknowledges_before_the_bot_has_answered(webhook):
    webhook.bot.delay = 0.5
    response = await asyncio.wait_for(webhook.post(delivery(text_message("Hallo"))), 0.4)
    assert response.status == 200
    assert webhook.graph.delivered == []
    await webhook.graph.wait_for_delivered(1)


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=abc", "secret"],
    ids=["missing", "empty", "zeros", "wrong-algorithm", "garbage"],
)
async def test_forged_or_missing_signature_is_refused(webhook, signature):
    response = await webhook.post(delivery(text_message("Hallo")), signature=signature)
    assert response.status == 401
    await webhook.settle()
    assert webhook.bot.received == []
    assert webhook.graph.requests == []


async def test_signature_with_another_secret_or_over_other_bytes_is_refused(webhook):
    body = encode(delivery(text_message("Hallo")))
    assert (await webhook.post(None, raw=body, signature=sign(body, "other"))).status == 401
    tampered = body.replace(b"Hallo", b"Hoi!!")
    assert (await webhook.post(None, raw=tampered, signature=sign(body))).status == 401
    await webhook.settle()
    assert webhook.bot.received == []


async def test_same_delivery_twice_is_answered_once(webhook):
    payload = delivery(text_message("Ik wil graag hulp"))
    assert (await webhook.post(payload)).status == 200
    assert (await webhook.post(payload)).status == 200
    await webhook.settle()
    assert [m.text for m in webhook.bot.received] == ["Ik wil graag hulp"]
    assert len(webhook.graph.delivered) == 1


async def test_accented_emoji_message_signed_over_raw_utf8(webhook):
    text = "Hé, ik heb vragen over zorg 😊"
    payload = delivery(text_message(text))
    raw = encode(payload)
    assert "😊".encode() in raw  # really the raw UTF-8 bytes, not \\u escapes

    assert (await webhook.post(None, raw=raw)).status == 200
    await webhook.graph.wait_for_delivered(1)
    await webhook.settle()
    assert [m.text for m in webhook.bot.received] == [text]

    # The same JSON with \\u escapes is other bytes: the first signature no longer fits.
    escaped = json.dumps(payload, separators=(",", ":")).encode("ascii")
    assert (await webhook.post(None, raw=escaped, signature=sign(raw))).status == 401


async def test_status_events_are_ignored(webhook):
    statuses = [
        {
            "id": "wamid.out1",
            "status": "delivered",
            "timestamp": "1718000001",
            "recipient_id": RESIDENT,
        }
    ]
    response = await webhook.post(delivery(statuses=statuses))
    assert response.status == 200
    await webhook.settle()
    assert webhook.bot.received == []
    assert webhook.graph.requests == []


async def test_interactive_replies_send_the_reply_id_to_rasa(webhook):
    button = text_message("")
    button.update(
        type="interactive",
        interactive={"type": "button_reply", "button_reply": {"id": "/affirm", "title": "Ja"}},
    )
    del button["text"]
    row = text_message("")
    row.update(
        type="interactive",
        interactive={
            "type": "list_reply",
            "list_reply": {"id": '/inform{"gemeente":"almere"}', "title": "Almere"},
        },
    )
    del row["text"]
    assert (await webhook.post(delivery(button, row))).status == 200
    await webhook.settle()
    assert [m.text for m in webhook.bot.received] == ["/affirm", '/inform{"gemeente":"almere"}']


async def test_non_text_message_gets_polite_reply_without_reaching_bot(webhook):
    image = {
        "from": RESIDENT,
        "id": "wamid.image1",
        "timestamp": "1718000000",
        "type": "image",
        "image": {"id": "media1", "mime_type": "image/jpeg", "sha256": "abc"},
    }
    assert (await webhook.post(delivery(image))).status == 200
    (sent,) = await webhook.graph.wait_for_delivered(1)
    await webhook.settle()
    assert webhook.bot.received == []
    assert sent["to"] == RESIDENT
    assert sent["text"]["body"] == load_texts().unsupported_message
    assert " je " not in f" {sent['text']['body'].lower()} "


async def test_messages_of_one_sender_are_handled_in_order(webhook):
    webhook.bot.delay = 0.05
    first, second = text_message("eerste"), text_message("tweede")
    other = text_message("ander", sender="31687654321")
    assert (await webhook.post(delivery(first))).status == 200
    assert (await webhook.post(delivery(second, other))).status == 200
    await webhook.settle()
    events = webhook.bot.events
    assert events.index("end eerste") < events.index("start tweede")
    # Another resident does not wait for this one.
    assert events.index("start ander") < events.index("end tweede")


async def test_oversized_body_is_refused(make_webhook):
    webhook = await make_webhook(max_body_bytes=2048)
    payload = delivery(text_message("x" * 4000))
    assert (await webhook.post(payload)).status == 413
    await webhook.settle()
    assert webhook.bot.received == []


async def test_unknown_number_gives_no_gemeente(webhook):
    payload = delivery(text_message("Hallo"))
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "2002"
    assert (await webhook.post(payload)).status == 200
    await webhook.settle()
    (message,) = webhook.bot.received
    assert message.metadata == {"channel": "whatsapp", "whatsapp_number": f"+{RESIDENT}"}
    assert webhook.graph.requests[0].phone_number_id == "2002"


# --- missing configuration ----------------------------------------------------------------


async def test_unconfigured_channel_refuses_every_post_and_warns_once(make_webhook, caplog):
    webhook = await make_webhook(app_secret="", access_token="")
    caplog.set_level(logging.WARNING, logger="bot.rasa_plugins.channels.whatsapp")
    payload = delivery(text_message("Hallo"))
    for signature in ("auto", None, sign(encode(payload), "")):
        response = await webhook.post(payload, signature=signature)
        assert response.status == 503
    await webhook.settle()
    assert webhook.bot.received == []
    warnings = [r for r in caplog.records if "not configured" in r.getMessage()]
    assert len(warnings) == 1


async def test_channel_without_verify_token_refuses_verification(make_webhook):
    webhook = await make_webhook(verify_token="")
    params = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"}
    async with webhook.http.get(webhook.url, params=params) as response:
        assert response.status == 403


def test_from_credentials_reads_all_settings():
    channel = WhatsAppInput.from_credentials(
        {
            "verify_token": "v",
            "app_secret": "s",
            "access_token": "a",
            "api_base_url": "http://127.0.0.1:1/v19.0/",
            "phone_number_ids": "1001:dordrecht, 1002:Almere",
        }
    )
    assert isinstance(channel, WhatsAppInput)
    assert channel.name() == "whatsapp"
    assert channel.configured
    assert channel.gemeente_by_number == {"1001": "dordrecht", "1002": "almere"}
    assert (channel.verify_token, channel.app_secret, channel.access_token) == ("v", "s", "a")


@pytest.mark.parametrize("credentials", [None, {}, {"app_secret": "", "access_token": ""}])
def test_from_credentials_without_secrets_is_not_configured(credentials):
    channel = WhatsAppInput.from_credentials(credentials)
    assert not channel.configured
    assert channel.api_base_url == "https://graph.facebook.com/v19.0"
    assert channel.gemeente_by_number == {}


def test_phone_number_ids_from_mapping_or_string():
    assert parse_phone_number_ids({1001: "dordrecht", "1002": "schouwen-duiveland"}) == {
        "1001": "dordrecht",
        "1002": "schouwen-duiveland",
    }
    assert parse_phone_number_ids("1001:papendrecht,bad,1003:,x:almere") == {"1001": "papendrecht"}
    assert parse_phone_number_ids("") == {}


def test_signature_check():
    body = "Hé 😊".encode()
    assert signature_is_valid(APP_SECRET, body, sign(body))
    assert not signature_is_valid(APP_SECRET, body, sign(body).upper())
    assert not signature_is_valid(APP_SECRET, body, "sha256=é")
    assert not signature_is_valid("", body, sign(body, ""))


# --- answers: buttons, lists, long texts ------------------------------------------------------


def buttons(count: int, title: str = "Keuze") -> List[Dict[str, str]]:
    return [{"title": f"{title} {n}", "payload": f'/keuze{{"n":{n}}}'} for n in range(1, count + 1)]


async def answer(webhook: Webhook, reply: Dict[str, Any], count: int) -> List[Dict[str, Any]]:
    webhook.bot.replies = [reply]
    assert (await webhook.post(delivery(text_message("vraag")))).status == 200
    await webhook.settle()
    assert all(r.status == 200 for r in webhook.graph.requests), webhook.graph.requests
    assert len(webhook.graph.delivered) == count
    return webhook.graph.delivered


async def test_two_buttons_become_reply_buttons(webhook):
    choices = buttons(2)
    (sent,) = await answer(webhook, {"text": "Wilt u verder?", "buttons": choices}, 1)
    content = interactive(sent)
    assert content["type"] == "button"
    assert content["body"]["text"] == "Wilt u verder?"
    replies = [b["reply"] for b in content["action"]["buttons"]]
    assert [r["id"] for r in replies] == [c["payload"] for c in choices]
    assert [r["title"] for r in replies] == [c["title"] for c in choices]


async def test_long_button_titles_are_cut_to_20_characters(webhook):
    choices = [
        {"title": "Ik wil een afspraak met een cliëntondersteuner", "payload": "/request_human"},
        {"title": "Nee, dank u", "payload": "/deny"},
    ]
    (sent,) = await answer(webhook, {"text": "Wat wilt u?", "buttons": choices}, 1)
    titles = [b["reply"]["title"] for b in interactive(sent)["action"]["buttons"]]
    assert all(len(t) <= BUTTON_TITLE_LIMIT for t in titles)
    assert titles[0].startswith("Ik wil een afspraak") and titles[0].endswith("…")
    assert titles[1] == "Nee, dank u"


async def test_five_buttons_become_a_list(webhook):
    choices = buttons(5, title="Een heel lange keuzetitel nummer")
    (sent,) = await answer(webhook, {"text": "Waar gaat uw vraag over?", "buttons": choices}, 1)
    content = interactive(sent)
    assert content["type"] == "list"
    assert content["action"]["button"] == load_texts().choose_button == "Kies"
    (section,) = content["action"]["sections"]
    assert section["title"]
    rows = section["rows"]
    assert [r["id"] for r in rows] == [c["payload"] for c in choices]
    assert all(len(r["title"]) <= ROW_TITLE_LIMIT for r in rows)
    assert len({r["title"] for r in rows}) == len(rows)
    # The full title stays readable in the row description.
    assert [r["description"] for r in rows] == [c["title"] for c in choices]


async def test_twelve_buttons_give_at_most_ten_rows(webhook):
    choices = buttons(12)
    (sent,) = await answer(webhook, {"text": "Kies een onderwerp.", "buttons": choices}, 1)
    rows = interactive(sent)["action"]["sections"][0]["rows"]
    assert len(rows) == MAX_LIST_ROWS
    assert [r["id"] for r in rows] == [c["payload"] for c in choices[:MAX_LIST_ROWS]]


async def test_quick_replies_are_sent_as_buttons(webhook):
    choices = buttons(3)
    (sent,) = await answer(webhook, {"text": "Klopt dat?", "quick_replies": choices}, 1)
    assert [b["reply"]["id"] for b in interactive(sent)["action"]["buttons"]] == [
        c["payload"] for c in choices
    ]


def long_text(length: int) -> str:
    sentence = "Een cliëntondersteuner helpt u gratis en onafhankelijk. "
    return (sentence * (length // len(sentence) + 1))[:length].strip()


async def test_9000_character_text_becomes_three_messages(webhook):
    text = long_text(9000)
    sent = await answer(webhook, {"text": text}, 3)
    bodies = [m["text"]["body"] for m in sent]
    assert all(len(b) <= TEXT_LIMIT for b in bodies)
    assert all(b.endswith(".") for b in bodies[:-1])  # cut at sentence ends
    assert " ".join(bodies).split() == text.split()


async def test_long_text_with_buttons_puts_the_rest_before_the_buttons(webhook):
    text = long_text(1500) + " Wilt u verder?"
    sent = await answer(webhook, {"text": text, "buttons": buttons(2)}, 2)
    assert sent[0]["type"] == "text"
    body = interactive(sent[1])["body"]["text"]
    assert len(body) <= INTERACTIVE_BODY_LIMIT
    assert body.endswith("Wilt u verder?")
    assert " ".join([sent[0]["text"]["body"], body]).split() == text.split()


async def test_buttons_without_text_get_a_default_body(webhook):
    (sent,) = await answer(webhook, {"text": "", "buttons": buttons(2)}, 1)
    assert interactive(sent)["body"]["text"] == load_texts().default_body


async def test_image_and_custom_responses(webhook):
    custom = {"type": "location", "location": {"latitude": 51.8, "longitude": 4.67}}
    sent = await answer(webhook, {"image": "https://example.org/a.png", "custom": custom}, 2)
    assert {m["type"] for m in sent} == {"image", "location"}
    assert all(m["to"] == RESIDENT for m in sent)


# --- retries ------------------------------------------------------------------------------


async def test_graph_500_then_200_delivers_exactly_once(webhook):
    webhook.graph.fail_next(500)
    await webhook.post(delivery(text_message("Hallo")))
    await webhook.settle()
    assert [r.status for r in webhook.graph.requests] == [500, 200]
    assert len(webhook.graph.delivered) == 1


async def test_graph_keeps_failing_gives_up_after_three_tries(webhook):
    webhook.graph.fail_next(503, 500, 502, 500)
    webhook.bot.replies = [{"text": "Een"}, {"text": "Twee"}]
    await webhook.post(delivery(text_message("Hallo")))
    await webhook.settle()
    statuses = [r.status for r in webhook.graph.requests]
    assert statuses[:3] == [503, 500, 502]
    # The second answer is sent on its own (its first try still hits the queued 500).
    assert statuses[3:] == [500, 200]
    assert [m["text"]["body"] for m in webhook.graph.delivered] == ["Twee"]


async def test_client_error_is_not_retried(webhook):
    webhook.graph.fail_next(400)
    await webhook.post(delivery(text_message("Hallo")))
    await webhook.settle()
    assert [r.status for r in webhook.graph.requests] == [400]


async def test_dropped_connections_are_retried_three_times_then_given_up(make_webhook, caplog):
    connections = []

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(await reader.read(1))
        writer.close()

    dropper = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = dropper.sockets[0].getsockname()[1]
    try:
        webhook = await make_webhook(api_base_url=f"http://127.0.0.1:{port}/v19.0")
        await webhook.post(delivery(text_message("Hallo")))
        await webhook.settle()
    finally:
        dropper.close()
        await dropper.wait_closed()
    assert webhook.bot.received  # the bot handled it; only the answer could not be sent
    assert len(connections) == 3
    assert any("not sent" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


async def test_nothing_personal_is_logged(make_webhook, caplog):
    caplog.set_level(logging.DEBUG)
    webhook = await make_webhook()
    webhook.graph.fail_next(500, 400)
    secret_text = "Mijn naam is Jansen en ik heb schulden"
    await webhook.post(delivery(text_message(secret_text)))
    await webhook.post(delivery(text_message(secret_text)), signature=None)
    await webhook.settle()
    assert webhook.graph.requests  # something happened worth logging
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert RESIDENT not in logged
    assert "Jansen" not in logged
    assert "Dank u voor uw bericht" not in logged


# --- pure helpers -------------------------------------------------------------------------


def test_split_text_prefers_paragraphs_lines_and_sentences():
    paragraph = "Eerste zin. " * 30
    text = f"{paragraph.strip()}\n\n{paragraph.strip()}"
    pieces = split_text(text, limit=len(paragraph) + 5)
    assert pieces == [paragraph.strip(), paragraph.strip()]
    assert split_text("kort", 10) == ["kort"]
    assert split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


def test_every_generated_message_is_within_api_limits():
    texts = load_texts()
    output_messages = []
    for count in (1, 3, 4, 10, 15):
        output_messages += button_messages(
            RESIDENT, long_text(5000), buttons(count, "x" * 40), texts
        )
    output_messages += text_messages(RESIDENT, long_text(20000))
    assert output_messages
    assert [limit_violations(m) for m in output_messages] == [[]] * len(output_messages)


def test_parse_webhook_skips_reactions_and_empty_texts():
    reaction = text_message("")
    reaction.update(type="reaction", reaction={"message_id": "wamid.x", "emoji": "👍"})
    empty = text_message("   ")
    sticker = text_message("")
    sticker.update(type="sticker")
    del sticker["text"]
    parsed = parse_webhook(delivery(reaction, empty, sticker))
    assert [(m.message_id, m.supported) for m in parsed] == [(sticker["id"], False)]
    assert parse_webhook({"entry": "nonsense"}) == []
    assert parse_webhook(["not", "a", "dict"]) == []


async def test_message_id_cache_expires_and_stays_bounded():
    now = [0.0]
    cache = InMemoryMessageIdCache(ttl_seconds=60, max_size=3, clock=lambda: now[0])
    assert await cache.add_if_new("a")
    assert not await cache.add_if_new("a")
    now[0] = 61
    assert await cache.add_if_new("a")  # expired, so new again
    for key in "bcde":
        assert await cache.add_if_new(key)
    assert len(cache) == 3
    assert await cache.add_if_new("a")  # evicted as least recent
