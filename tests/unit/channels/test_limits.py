"""Limits against abuse: message length, per-sender rate limits and body size.

The web app, the WhatsApp webhook and the REST channel are served for real on
127.0.0.1 in the test's event loop; Rasa is replaced by a double that records messages.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from sanic import Sanic

from bot.ops.gate.limits import (
    MemoryRateLimiter,
    Rate,
    RedisRateLimiter,
    limit_texts,
    parse_rate,
    rate_limiter_from_settings,
)
from bot.ops.settings import load_settings
from bot.rasa_plugins.channels.rest import SafeRestInput
from bot.webapp.app import create_app
from bot.webapp.chat_proxy import texts as web_texts
from tests.support.channels import (
    RESIDENT,
    BotDouble,
    FixedProbe,
    delivery,
    make_channel,
    post_signed,
    rasa_rest_double,
    serve,
    start,
    stop,
    text_message,
)
from tests.support.ci import skip_or_fail

_names = itertools.count()


# --- rates and buckets ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "rate"),
    [("20/minute", Rate(20, 60)), ("5/10s", Rate(5, 10)), ("100 / hour", Rate(100, 3600)), ("off", None), ("", None)],
)
def test_parse_rate(text: str, rate: Rate | None) -> None:
    assert parse_rate(text) == rate


def test_parse_rate_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="OCO_RATE_LIMIT"):
        parse_rate("veel")


def test_a_wrong_rate_setting_falls_back_to_the_default() -> None:
    limiter = rate_limiter_from_settings(replace(load_settings(), rate_limit="veel", lock_store_url=""))
    assert isinstance(limiter, MemoryRateLimiter) and limiter.rate == Rate(60, 60)


async def test_memory_bucket_allows_a_burst_then_refills_per_sender() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(Rate(3, 60), clock=lambda: now[0])
    assert [await limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert await limiter.allow("b")
    now[0] += 20  # one token back after a third of the period
    assert await limiter.allow("a")
    assert not await limiter.allow("a")


@pytest.mark.redis
async def test_redis_bucket_is_shared_by_every_instance() -> None:
    url = "redis://127.0.0.1:6379/13"
    first, second = RedisRateLimiter(Rate(4, 60), url), RedisRateLimiter(Rate(4, 60), url)
    try:
        await first.client.ping()
    except Exception:
        skip_or_fail("Redis is not reachable on 127.0.0.1:6379")
    sender = f"sender-{uuid.uuid4().hex}"
    answers = [await (first if n % 2 else second).allow(sender) for n in range(6)]
    assert answers == [True, True, True, True, False, False]
    keys = await first.client.keys("oco:rate:*")
    assert all(sender.encode() not in key for key in keys)  # only a hash of the sender
    for limiter in (first, second):
        await limiter.client.close()


async def test_redis_limiter_lets_messages_through_when_redis_is_down() -> None:
    limiter = RedisRateLimiter(Rate(1, 60), "redis://127.0.0.1:1/0")
    assert await limiter.allow("a") and await limiter.allow("a")


# --- serving helpers --------------------------------------------------------------------

@pytest.fixture
async def fake_rasa():
    """A Rasa REST webhook double that answers every message."""
    received: list[dict] = []
    async with rasa_rest_double(lambda body, _request: received.append(body)) as url:
        yield url, received


# --- web app /api/chat ------------------------------------------------------------------

async def test_web_chat_answers_429_with_a_polite_text_over_the_rate(fake_rasa, tmp_path) -> None:
    rasa_url, received = fake_rasa
    settings = replace(
        load_settings(), rasa_url=rasa_url, rate_limit="2/minute", lock_store_url="",
        database_url=f"sqlite:///{tmp_path / 'intakes.db'}",
    )
    server, url = await start(create_app(settings, name=f"limits_web_{next(_names)}"))
    try:
        async with aiohttp.ClientSession() as http:
            statuses = []
            for _ in range(3):
                async with http.post(f"{url}/api/chat", json={"sender": "s1", "message": "hoi"}) as resp:
                    statuses.append(resp.status)
                    answer = await resp.json()
                    retry_after = resp.headers.get("Retry-After")
            async with http.post(f"{url}/api/chat", json={"sender": "s2", "message": "hoi"}) as resp:
                other = resp.status
    finally:
        await stop(server)
    assert statuses == [200, 200, 429]
    assert answer == [{"recipient_id": "s1", "text": web_texts()["rate_limited"]}]
    assert retry_after == "60"
    assert other == 200
    assert len(received) == 3


def test_rate_limit_texts_are_dutch_and_formal() -> None:
    for text in (web_texts()["rate_limited"], *limit_texts().values()):
        assert " je " not in f" {text.lower()} " and " jij " not in f" {text.lower()} "


# --- WhatsApp ---------------------------------------------------------------------------

async def whatsapp(graph, **settings_changes: Any):
    settings = replace(load_settings(), lock_store_url="", **settings_changes)
    channel = make_channel(graph, settings=settings)
    bot = BotDouble()
    server, url = await serve(channel, bot, graph)
    return channel, bot, server, url


async def test_whatsapp_over_the_rate_gets_one_polite_notice(graph) -> None:
    channel, bot, server, url = await whatsapp(graph, rate_limit="2/minute")
    try:
        for number in range(4):
            assert await post_signed(url, delivery(text_message(f"vraag {number}"))) == 200
        await asyncio.wait_for(channel.wait_idle(), 10)
        sent = await graph.wait_for_delivered(3)
    finally:
        await channel.wait_idle()
        await stop(server)
    assert [m.text for m in bot.received] == ["vraag 0", "vraag 1"]
    notices = [m for m in sent if m["text"]["body"] == limit_texts()["rate_limited"]]
    assert len(notices) == 1 and notices[0]["to"] == RESIDENT


async def test_whatsapp_too_long_message_is_answered_without_the_bot(graph) -> None:
    channel, bot, server, url = await whatsapp(graph, max_message_length=100)
    try:
        assert await post_signed(url, delivery(text_message("x" * 101))) == 200
        await asyncio.wait_for(channel.wait_idle(), 10)
        (sent,) = await graph.wait_for_delivered(1)
    finally:
        await stop(server)
    assert bot.received == []
    assert sent["text"]["body"] == limit_texts()["message_too_long"].format(max_length=100)


# --- REST channel -----------------------------------------------------------------------

async def rest(bot: BotDouble, probe_ok: bool = True, **settings_changes: Any):
    channel = SafeRestInput(replace(load_settings(), **settings_changes), probe=FixedProbe(probe_ok))
    app = Sanic(f"limits_rest_{next(_names)}")
    app.blueprint(channel.blueprint(bot.on_new_message), url_prefix="/webhooks/rest")
    server, url = await start(app)
    return server, f"{url}/webhooks/rest/webhook"


async def post(url: str, data: bytes | dict) -> tuple[int, Any]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=raw, headers={"Content-Type": "application/json"}) as resp:
            return resp.status, await resp.json(content_type=None)


async def test_rest_too_long_message_gets_a_polite_answer_without_processing() -> None:
    bot = BotDouble()
    server, url = await rest(bot, max_message_length=2000)
    try:
        status, answer = await post(url, {"sender": "r1", "message": "a" * 2001})
        ok_status, _ = await post(url, {"sender": "r1", "message": "a" * 2000})
    finally:
        await stop(server)
    assert status == 200
    assert answer == [{"recipient_id": "r1", "text": limit_texts()["message_too_long"].format(max_length=2000)}]
    assert ok_status == 200 and len(bot.received) == 1


async def test_rest_refuses_large_and_broken_bodies_without_a_5xx() -> None:
    bot = BotDouble()
    server, url = await rest(bot, max_body_bytes=10_000)
    try:
        large = await post(url, {"sender": "r2", "message": "b" * 20_000})
        broken = await post(url, b'{"sender": "r2", "message": ')
        no_sender = await post(url, {"message": "hallo"})
        not_text = await post(url, {"sender": "r2", "message": ["hallo"]})
    finally:
        await stop(server)
    assert large[0] == 413
    assert [broken[0], no_sender[0], not_text[0]] == [400, 400, 400]
    assert bot.received == []


async def test_rest_never_answers_with_silence() -> None:
    silent = BotDouble(replies=[])
    server, url = await rest(silent)
    try:
        status, answer = await post(url, {"sender": "r3", "message": "..."})
    finally:
        await stop(server)
    assert status == 200
    assert answer == [{"recipient_id": "r3", "text": limit_texts()["no_answer"]}]


async def test_rest_adds_a_phone_route_when_the_action_server_is_down() -> None:
    bot = BotDouble()
    server, url = await rest(bot, probe_ok=False)
    try:
        _, answer = await post(url, {"sender": "r4", "message": "hoi", "metadata": {"gemeente": "almere"}})
        _, unknown = await post(url, {"sender": "r5", "message": "hoi"})
    finally:
        await stop(server)
    assert answer[0]["text"] == "Dank u voor uw bericht."
    assert "opnieuw" in answer[-1]["text"] and "Bel " in answer[-1]["text"]
    assert any(char.isdigit() for char in answer[-1]["text"].split("Bel ", 1)[1].split(".")[0])
    assert "Bel uw gemeente" in unknown[-1]["text"]
