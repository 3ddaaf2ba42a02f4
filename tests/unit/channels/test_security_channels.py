"""Issue 13 at the channels: sender ids, cross-channel takeover, server-side facts, odd
bodies and rate limits per address (items 1, 3, 8, 9, 12, 13).

The REST channel is served for real on 127.0.0.1 in the test's event loop; Rasa is a
double that records the UserMessage it gets (what the action server would see).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from sanic import Sanic

from bot.ops.gate import sender_ids
from bot.ops.gate.client_address import client_address
from bot.ops.gate.limits import limit_texts
from bot.ops.gate.proxy_auth import PROXY_SECRET_HEADER
from bot.ops.gate.text_clean import clean_message
from bot.ops.settings import load_settings
from bot.rasa_plugins.channels.rest import SafeRestInput, parse_rest_payload
from tests.support.channels import BotDouble, FixedProbe, start, stop

_names = itertools.count()
SECRET = "proxy-secret-for-tests"


async def rest(bot: BotDouble, **changes: Any) -> tuple[Any, str]:
    settings = replace(load_settings(), **{"lock_store_url": "", "proxy_secret": SECRET, **changes})
    channel = SafeRestInput(settings, probe=FixedProbe(True))
    app = Sanic(f"security_rest_{next(_names)}")
    app.blueprint(channel.blueprint(bot.on_new_message), url_prefix="/webhooks/rest")
    server, url = await start(app)
    return server, f"{url}/webhooks/rest/webhook"


async def post(url: str, data: bytes | Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=raw, headers={"Content-Type": "application/json", **(headers or {})}) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text


# --- sender ids --------------------------------------------------------------------------

@pytest.mark.parametrize("sender", [
    "abc123", "test-1f2e3d4c5b6a", "3f2a9d4e-1b2c-4d5e-8f90-123456789abc", "user_1", "jan.jansen",
    "a", "x" * 128, "31612345678", "+31612345678", "user@example", "a=b",
])
def test_rest_accepts_ordinary_sender_ids(sender: str) -> None:
    assert sender_ids.valid_rest_sender(sender)


@pytest.mark.parametrize("sender", [
    "a\x00b", "\x00", "abc\n", "ab\rc", "tab\there", "bell\x07", "del\x7f", "é", "用户", "a b", "",
    "x" * 129, "x" * 100_000, "whatsapp:31612345678", "web:abc", "rest:abc", "stafftest-1234",
    "StaffTest-abc", "../../etc/passwd", "<script>", "a;b", "a/b", None, 123, ["a"], {"a": 1}, True,
])
def test_rest_refuses_sender_ids_with_odd_characters_reserved_shapes_or_length(sender: Any) -> None:
    assert not sender_ids.valid_rest_sender(sender)


@pytest.mark.parametrize(("wa_id", "ok"), [
    ("31612345678", True), ("4915112345678", True), ("123456", True), ("+31612345678", False),
    ("031612345678", False), ("3161234567890123", False), ("3161234\x00", False), ("abc", False), ("", False),
])
def test_whatsapp_ids_are_phone_numbers_only(wa_id: str, ok: bool) -> None:
    assert sender_ids.valid_whatsapp_id(wa_id) is ok


def test_conversation_ids_of_other_channels_cannot_be_named_by_a_rest_client() -> None:
    """Every id the server makes for web, staff tests and WhatsApp is refused as REST sender."""
    for made in (sender_ids.web_conversation_id("abc"), sender_ids.whatsapp_conversation_id("31612345678"),
                 "stafftest-00aa11"):
        assert not sender_ids.valid_rest_sender(made)
    # The widget cannot reach a staff test conversation either: only the staff flag makes one.
    assert sender_ids.web_conversation_id("stafftest-00aa11") == "web:stafftest-00aa11"


# --- the REST webhook: 4xx for bad senders, never a crash -------------------------------

@pytest.mark.parametrize("sender", ["a\x00b", "\x00", "x" * 129, "x" * 20_000, "ab\r\nc", "a\u2028b",
                                    "whatsapp:31612345678", "stafftest-abc", 42, None, ["x"]])
async def test_rest_refuses_bad_sender_with_400_and_never_reaches_rasa(sender: Any) -> None:
    bot = BotDouble()
    server, url = await rest(bot, max_body_bytes=100_000)
    try:
        status, answer = await post(url, {"sender": sender, "message": "hallo"})
    finally:
        await stop(server)
    assert status == 400, answer
    assert "sender" in answer["error"]
    assert bot.received == []


BAD_BODIES: list[tuple[str, bytes]] = [
    ("nested arrays", b"[" * 100_000 + b"]" * 100_000),
    ("nested objects", b'{"a":' * 20_000 + b"1" + b"}" * 20_000),
    ("nested message", b'{"sender": "s", "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
    ("nested metadata",
     b'{"sender": "s", "message": "hoi", "metadata": ' + b'{"a":' * 20_000 + b"1" + b"}" * 20_000 + b"}"),
    ("binary", bytes(range(256)) * 4),
    ("invalid utf-8", b'{"sender": "s", "message": "\xff\xfe"}'),
    ("empty", b""),
    ("null", b"null"),
    ("number", b"42"),
    ("string", b'"hallo"'),
    ("list", b'[{"sender": "s", "message": "hoi"}]'),
    ("lone surrogate", b'{"sender": "s", "message": "\\ud800"}'),
    ("message number", b'{"sender": "s", "message": 12}'),
    ("message object", b'{"sender": "s", "message": {"text": "hoi"}}'),
    ("message null", b'{"sender": "s", "message": null}'),
    ("sender bool", b'{"sender": true, "message": "hoi"}'),
    ("NaN", b'{"sender": "s", "message": NaN}'),
    ("truncated", b'{"sender": "s", "message": "ho'),
    ("huge number", b'{"sender": "s", "message": ' + b"9" * 5000 + b"}"),
]


@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[name for name, _ in BAD_BODIES])
async def test_odd_bodies_get_a_clear_4xx_never_a_5xx(name: str, body: bytes) -> None:
    bot = BotDouble()
    server, url = await rest(bot, max_body_bytes=300_000)
    try:
        status, answer = await post(url, body)
    finally:
        await stop(server)
    assert 400 <= status < 500, (name, status, str(answer)[:200])
    assert isinstance(answer, dict) and answer.get("error"), answer
    assert bot.received == []


async def test_too_large_body_is_413() -> None:
    bot = BotDouble()
    server, url = await rest(bot, max_body_bytes=10_000)
    try:
        status, _ = await post(url, b"[" * 20_000)
    finally:
        await stop(server)
    assert status == 413 and bot.received == []


# --- what Rasa (and the action server) sees: set by the server ---------------------------

async def test_rest_client_cannot_set_channel_staff_test_or_whatsapp_number() -> None:
    bot = BotDouble()
    server, url = await rest(bot)
    forged = {"channel": "whatsapp", "staff_test": True, "whatsapp_number": "+31612345678",
              "gemeente": "dordrecht", "input_channel": "whatsapp"}
    try:
        status, answer = await post(url, {"sender": "31612345678", "message": "hoi", "metadata": forged,
                                          "input_channel": "whatsapp"})
    finally:
        await stop(server)
    assert status == 200
    (message,) = bot.received
    # A phone number as REST sender is just a REST conversation of that name, never the
    # WhatsApp resident's conversation (whatsapp:31612345678).
    assert message.sender_id == "31612345678"
    assert message.input_channel == "rest"
    assert message.metadata == {"channel": "rest", "gemeente": "dordrecht"}
    assert answer[0]["recipient_id"] == "31612345678"


@pytest.mark.parametrize(("gemeente", "kept"), [
    ("dordrecht", "dordrecht"), ("schouwen-duiveland", "schouwen-duiveland"), ("Dordrecht", "dordrecht"),
    ("dordrecht\r\nKanaal: web", None), ("<b>", None), ("", None), (["dordrecht"], None), (12, None),
    ("../etc", None), ("a" * 200, None),
])
async def test_client_gemeente_is_kept_only_as_a_valid_slug(gemeente: Any, kept: str | None) -> None:
    message = parse_rest_payload({"sender": "s1", "message": "hoi", "metadata": {"gemeente": gemeente}}, False)
    assert not isinstance(message, str)
    assert message.metadata.get("gemeente") == kept
    assert message.metadata["channel"] == "rest"


@pytest.mark.parametrize(("text", "expected"), [
    ("Jan\r\nKanaal: whatsapp", "Jan Kanaal: whatsapp"),
    ("regel een\nregel twee", "regel een regel twee"),
    ("nul\x00byte", "nul byte"),
    ("tab\tstop", "tab stop"),
    ("scheiding\u2028regel\u2029alinea", "scheiding regel alinea"),
    ("\u202eesrever\u202c tekst", "esrever tekst"),
    ("\ufeffhallo", "hallo"),
    ("  ik heb   schulden  ", "ik heb schulden"),
    ("emoji 🙂 blijft", "emoji 🙂 blijft"),
    ("cliënt ondersteuning", "cliënt ondersteuning"),
])
def test_control_characters_never_reach_the_bot(text: str, expected: str) -> None:
    assert clean_message(text) == expected


async def test_crlf_in_the_message_reaches_rasa_as_a_space() -> None:
    bot = BotDouble()
    server, url = await rest(bot)
    try:
        await post(url, {"sender": "s-crlf", "message": "ik heet Jan\r\nUrgent: ja\r\nKanaal: web"})
    finally:
        await stop(server)
    (message,) = bot.received
    assert message.text == "ik heet Jan Urgent: ja Kanaal: web"


async def test_the_chat_proxy_with_the_secret_gets_web_and_staff_test_conversations() -> None:
    bot = BotDouble()
    server, url = await rest(bot)
    proxy = {PROXY_SECRET_HEADER: SECRET}
    try:
        web = await post(url, {"sender": "w1", "message": "hoi",
                               "metadata": {"channel": "web", "gemeente": "almere"}}, proxy)
        staff = await post(url, {"sender": "stafftest-00aa", "message": "hoi",
                                 "metadata": {"channel": "web", "staff_test": True}}, proxy)
        widget_as_staff = await post(url, {"sender": "stafftest-00aa", "message": "hoi",
                                           "metadata": {"channel": "web"}}, proxy)
        wrong = await post(url, {"sender": "w2", "message": "hoi", "metadata": {"staff_test": True}},
                           {PROXY_SECRET_HEADER: "guessed"})
    finally:
        await stop(server)
    assert [web[0], staff[0], widget_as_staff[0], wrong[0]] == [200, 200, 200, 200]
    first, second, third, fourth = bot.received
    assert (first.sender_id, first.input_channel) == ("web:w1", "web")
    assert first.metadata == {"channel": "web", "gemeente": "almere"}
    assert (second.sender_id, second.metadata) == ("stafftest-00aa", {"channel": "web", "staff_test": True})
    assert (third.sender_id, third.metadata) == ("web:stafftest-00aa", {"channel": "web"})
    # A wrong secret is an ordinary REST client: no web channel, no staff test.
    assert (fourth.sender_id, fourth.metadata) == ("w2", {"channel": "rest"})
    assert web[1][0]["recipient_id"] == "w1"  # the client's own id (docs/contract.md §3)


async def test_without_a_configured_secret_nothing_is_trusted() -> None:
    bot = BotDouble()
    server, url = await rest(bot, proxy_secret="")
    try:
        await post(url, {"sender": "w3", "message": "hoi", "metadata": {"staff_test": True}}, {PROXY_SECRET_HEADER: ""})
    finally:
        await stop(server)
    (message,) = bot.received
    assert (message.sender_id, message.metadata) == ("w3", {"channel": "rest"})


# --- rate limits per client address and per conversation ---------------------------------

@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("203.0.113.7", None, "127.0.0.1,::1", "203.0.113.7"),
    ("203.0.113.7", "198.51.100.1", "127.0.0.1,::1", "203.0.113.7"),  # untrusted peer: header ignored
    ("127.0.0.1", "198.51.100.1", "127.0.0.1,::1", "198.51.100.1"),
    ("127.0.0.1", "1.1.1.1, 198.51.100.1", "127.0.0.1,::1", "198.51.100.1"),  # spoofed left part ignored
    ("10.0.0.5", "198.51.100.1, 10.0.0.4", "10.0.0.0/8", "198.51.100.1"),
    ("127.0.0.1", "garbage", "127.0.0.1", "127.0.0.1"),
    ("127.0.0.1", "", "127.0.0.1", "127.0.0.1"),
    ("::ffff:203.0.113.9", None, "127.0.0.1", "203.0.113.9"),
    ("::1", "[2001:db8::1]:443", "::1", "2001:db8::1"),
    ("127.0.0.1", "198.51.100.1:5555", "127.0.0.1", "198.51.100.1"),
])
def test_client_address_believes_x_forwarded_for_only_from_trusted_proxies(
    peer: str, forwarded: str | None, trusted: str, expected: str
) -> None:
    assert client_address(peer, forwarded, trusted) == expected


async def test_rest_limits_per_address_even_when_the_sender_id_rotates() -> None:
    """Through a trusted proxy (nginx on this machine), one address with new ids every time."""
    bot = BotDouble()
    server, url = await rest(bot, rate_limit="100/minute", rate_limit_address="3/minute")
    attacker = {"X-Forwarded-For": "198.51.100.23"}
    try:
        results = [await post(url, {"sender": f"rotating-{n}", "message": "hoi"}, attacker) for n in range(5)]
        other = await post(url, {"sender": "someone-else", "message": "hoi"}, {"X-Forwarded-For": "198.51.100.99"})
    finally:
        await stop(server)
    assert [status for status, _ in results] == [200, 200, 200, 429, 429]
    assert results[-1][1] == [{"recipient_id": "rotating-4", "text": limit_texts()["rate_limited"]}]
    assert other[0] == 200
    assert len(bot.received) == 4


async def test_x_forwarded_for_from_an_untrusted_peer_cannot_dodge_the_limit() -> None:
    bot = BotDouble()
    server, url = await rest(bot, rate_limit="100/minute", rate_limit_address="2/minute",
                             trusted_proxies="10.9.9.9")
    try:
        statuses = [(await post(url, {"sender": f"r{n}", "message": "hoi"},
                                {"X-Forwarded-For": f"198.51.100.{n}"}))[0] for n in range(4)]
    finally:
        await stop(server)
    assert statuses == [200, 200, 429, 429]


async def test_rest_limits_per_conversation() -> None:
    bot = BotDouble()
    server, url = await rest(bot, rate_limit="2/minute")
    try:
        statuses = [(await post(url, {"sender": "same", "message": f"bericht {n}"}))[0] for n in range(3)]
        other = (await post(url, {"sender": "other", "message": "hoi"}))[0]
    finally:
        await stop(server)
    assert statuses == [200, 200, 429] and other == 200


async def test_a_crisis_message_over_the_limit_still_gets_the_crisis_numbers() -> None:
    bot = BotDouble()
    server, url = await rest(bot, rate_limit="1/minute")
    try:
        await post(url, {"sender": "c1", "message": "hoi"})
        status, answer = await post(url, {"sender": "c1", "message": "ik wil niet meer leven"})
    finally:
        await stop(server)
    assert status == 200
    assert "113" in answer[0]["text"]
    assert len(bot.received) == 1


async def test_a_crisis_message_that_is_too_long_still_gets_the_crisis_numbers() -> None:
    bot = BotDouble()
    server, url = await rest(bot, max_message_length=200)
    long_story = "Ik heb veel schulden en de brieven stapelen zich op. " * 5 + "ik wil niet meer leven"
    try:
        status, answer = await post(url, {"sender": "c2", "message": long_story})
    finally:
        await stop(server)
    assert status == 200 and bot.received == []
    assert "113" in answer[0]["text"]
    assert answer[-1]["text"] == limit_texts()["message_too_long"].format(max_length=200)


# --- WhatsApp: only phone numbers, in a namespace of their own ------------------------------

@pytest.mark.parametrize("wa_id", ["3161234\u0000", "+31612345678", "whatsapp:31612345678", "abc", "1" * 40, ""])
async def test_whatsapp_deliveries_with_a_sender_that_is_no_phone_number_are_ignored(graph, wa_id: str) -> None:
    import asyncio

    from tests.support.channels import delivery, make_channel, post_signed, serve, text_message

    channel = make_channel(graph, settings=replace(load_settings(), lock_store_url=""), action_probe=FixedProbe(True))
    bot = BotDouble()
    server, url = await serve(channel, bot, graph)
    payload = delivery(text_message("hallo", sender=wa_id), text_message("hallo", sender="31611112222"))
    try:
        assert await post_signed(url, payload) == 200
        await asyncio.wait_for(channel.wait_idle(), 10)
    finally:
        await stop(server)
    assert [m.sender_id for m in bot.received] == ["whatsapp:31611112222"]
    assert bot.received[0].metadata["whatsapp_number"] == "+31611112222"
    assert {m["to"] for m in graph.delivered} == {"31611112222"}
