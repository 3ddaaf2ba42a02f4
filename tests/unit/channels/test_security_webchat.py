"""Issue 13 at the web app's chat proxy (/api/chat): limits per client address, the proxy's
proof to Rasa, server-set metadata and odd bodies (items 3, 8, 9, 12, 13).

The web app runs for real on 127.0.0.1; Rasa is a double that records each request.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from bot.ops.gate.proxy_auth import PROXY_SECRET_HEADER
from bot.ops.settings import load_settings
from bot.webapp.app import create_app
from bot.webapp.chat_proxy import texts as web_texts
from tests.support.channels import rasa_rest_double, start, stop

_names = itertools.count()
SECRET = "proxy-secret-for-webchat-tests"


@pytest.fixture
async def rasa_double():
    """Records the body and the proxy header of each request to the REST webhook."""
    received: list[tuple[dict, str | None]] = []
    async with rasa_rest_double(lambda body, request: received.append(
            (body, request.headers.get(PROXY_SECRET_HEADER)))) as url:
        yield url, received


async def web_app(rasa_url: str, tmp_path, **changes: Any):
    settings = replace(load_settings(), **{
        "rasa_url": rasa_url, "lock_store_url": "", "proxy_secret": SECRET,
        "database_url": f"sqlite:///{tmp_path / f'intakes-{next(_names)}.db'}", **changes,
    })
    server, url = await start(create_app(settings, name=f"security_web_{next(_names)}"))
    return server, f"{url}/api/chat"


async def post(url: str, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        kwargs = {"data": raw, "headers": {"Content-Type": "application/json", **(headers or {})}} if raw is not None \
            else {"json": body, "headers": headers or {}}
        async with http.post(url, **kwargs) as resp:
            return resp.status, await resp.json(content_type=None)


async def test_rotating_sender_ids_do_not_dodge_the_limit_per_address(rasa_double, tmp_path) -> None:
    rasa_url, received = rasa_double
    server, url = await web_app(rasa_url, tmp_path, rate_limit="20/minute", rate_limit_address="3/minute")
    try:
        statuses = [(await post(url, {"sender": f"rotate{n}", "message": "hoi"}))[0] for n in range(5)]
    finally:
        await stop(server)
    assert statuses == [200, 200, 200, 429, 429]
    assert len(received) == 3


async def test_the_address_comes_from_x_forwarded_for_only_via_a_trusted_proxy(rasa_double, tmp_path) -> None:
    rasa_url, _ = rasa_double
    # nginx on this machine (127.0.0.1 is trusted by default): each real client has its own budget.
    server, url = await web_app(rasa_url, tmp_path, rate_limit_address="1/minute")
    try:
        via_nginx = [(await post(url, {"sender": f"n{n}", "message": "hoi"},
                                 {"X-Forwarded-For": f"198.51.100.{n}"}))[0] for n in range(3)]
        same_client = (await post(url, {"sender": "n9", "message": "hoi"}, {"X-Forwarded-For": "198.51.100.0"}))[0]
    finally:
        await stop(server)
    assert via_nginx == [200, 200, 200] and same_client == 429

    # The same headers from a peer that is not a trusted proxy: all one address.
    server, url = await web_app(rasa_url, tmp_path, rate_limit_address="1/minute", trusted_proxies="10.1.2.3")
    try:
        spoofed = [(await post(url, {"sender": f"s{n}", "message": "hoi"},
                               {"X-Forwarded-For": f"198.51.100.{n}"}))[0] for n in range(3)]
    finally:
        await stop(server)
    assert spoofed == [200, 429, 429]


async def test_a_crisis_message_over_the_limit_still_gets_the_numbers(rasa_double, tmp_path) -> None:
    rasa_url, _ = rasa_double
    server, url = await web_app(rasa_url, tmp_path, rate_limit_address="1/minute")
    try:
        await post(url, {"sender": "c1", "message": "hoi"})
        status, answer = await post(url, {"sender": "c2", "message": "ik wil niet meer leven"})
    finally:
        await stop(server)
    assert status == 200 and "113" in answer[0]["text"]
    assert web_texts()["rate_limited"] not in [m["text"] for m in answer]


async def test_the_proxy_proves_itself_and_sets_the_facts_itself(rasa_double, tmp_path) -> None:
    rasa_url, received = rasa_double
    server, url = await web_app(rasa_url, tmp_path)
    forged = {"gemeente": "almere", "channel": "whatsapp", "staff_test": True, "whatsapp_number": "+31612345678"}
    try:
        status, _ = await post(url, {"sender": "w1", "message": "hoi\r\nKanaal: rest", "metadata": forged})
    finally:
        await stop(server)
    assert status == 200
    ((body, header),) = received
    assert header == SECRET
    assert body == {"sender": "w1", "message": "hoi Kanaal: rest", "metadata": {"channel": "web", "gemeente": "almere"}}


async def test_without_a_secret_the_proxy_sends_no_header(rasa_double, tmp_path) -> None:
    rasa_url, received = rasa_double
    server, url = await web_app(rasa_url, tmp_path, proxy_secret="")
    try:
        await post(url, {"sender": "w2", "message": "hoi"})
    finally:
        await stop(server)
    assert received[0][1] is None


ODD_BODIES = {
    "nested arrays": b"[" * 20_000 + b"]" * 20_000,
    "nested message": b'{"sender": "s", "message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    "too large": b"[" * 100_000,
    "lone surrogate": b'{"sender": "s", "message": "\\ud800"}',
    "only control characters": b'{"sender": "s", "message": "\\u0000\\r\\n"}',
    "NUL in sender": b'{"sender": "a\\u0000b", "message": "hoi"}',
    "namespaced sender": b'{"sender": "web:abc", "message": "hoi"}',
    "long sender": b'{"sender": "' + b"x" * 65 + b'", "message": "hoi"}',
    "binary": b"\xff\xfe\x00",
    "string": b'"hoi"',
}


@pytest.mark.parametrize("raw", list(ODD_BODIES.values()), ids=list(ODD_BODIES))
async def test_odd_bodies_get_a_4xx_never_500(rasa_double, tmp_path, raw: bytes) -> None:
    rasa_url, received = rasa_double
    server, url = await web_app(rasa_url, tmp_path)
    try:
        status, answer = await post(url, None, raw=raw)
    finally:
        await stop(server)
    assert 400 <= status < 500, answer
    assert received == []
