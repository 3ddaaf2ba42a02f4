"""Channel test helpers: a stand-in for the Rasa agent, signed WhatsApp deliveries, serving a
channel's blueprint on a free port, a fixed action-server probe for the REST channel and a
stand-in for Rasa's REST webhook (what the web app's chat proxy talks to).

The fixtures built on them (``graph``, ``make_webhook``, ``webhook``) are in
tests/unit/channels/conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import socket
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Dict, List

import aiohttp
from aiohttp import web
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.rasa_plugins.channels.whatsapp import WhatsAppInput
from tests.support.fake_graph_api import FakeGraphApi

VERIFY_TOKEN = "verify-me"
APP_SECRET = "app-secret-for-tests"
ACCESS_TOKEN = "graph-access-token"
NUMBER_ID = "1001"
GEMEENTE = "dordrecht"
RESIDENT = "31612345678"
WEBHOOK_PATH = "/webhooks/whatsapp/webhook"

_app_names = itertools.count()
_message_ids = itertools.count()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def text_message(text: str, sender: str = RESIDENT) -> Dict[str, Any]:
    return {
        "from": sender,
        "id": f"wamid.test{next(_message_ids)}",
        "timestamp": "1718000000",
        "type": "text",
        "text": {"body": text},
    }


def delivery(*messages: Dict[str, Any], statuses: list | None = None) -> Dict[str, Any]:
    value: Dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "31780000000", "phone_number_id": NUMBER_ID},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "Test"}, "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "9999", "changes": [{"field": "messages", "value": value}]}],
    }


def encode(payload: Dict[str, Any]) -> bytes:
    """Like Meta: compact JSON with non-ASCII characters as raw UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def post_signed(url: str, payload: Dict[str, Any]) -> int:
    """POST `payload` to a WhatsApp webhook like Meta (compact JSON, signed with APP_SECRET),
    in a session of its own; returns the HTTP status."""
    body = encode(payload)
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers={"Content-Type": "application/json",
                                                      "X-Hub-Signature-256": sign(body)}) as resp:
            return resp.status


@dataclass
class BotDouble:
    """Stands in for the Rasa agent: records messages, answers via the output channel."""

    replies: List[Dict[str, Any]] = field(
        default_factory=lambda: [{"text": "Dank u voor uw bericht."}]
    )
    delay: float = 0.0
    received: List[UserMessage] = field(default_factory=list)
    events: List[str] = field(default_factory=list)

    async def on_new_message(self, message: UserMessage) -> None:
        self.received.append(message)
        self.events.append(f"start {message.text}")
        await asyncio.sleep(self.delay)
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))
        self.events.append(f"end {message.text}")


@dataclass
class Webhook:
    url: str
    channel: WhatsAppInput
    bot: BotDouble
    graph: FakeGraphApi
    http: aiohttp.ClientSession

    async def post(
        self, payload: Any, *, signature: str | None = "auto", raw: bytes | None = None
    ) -> aiohttp.ClientResponse:
        body = raw if raw is not None else encode(payload)
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            headers["X-Hub-Signature-256"] = sign(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        async with self.http.post(self.url, data=body, headers=headers) as response:
            await response.read()
            return response

    async def settle(self) -> None:
        await asyncio.wait_for(self.channel.wait_idle(), 10)


async def serve(channel: WhatsAppInput, bot: BotDouble, graph: FakeGraphApi):
    """Serve the channel's blueprint like Rasa does (prefix /webhooks/whatsapp)."""
    # Sanic's own switch for several apps in one process (what sanic-testing sets).
    Sanic.test_mode = True
    app = Sanic(f"whatsapp_test_{next(_app_names)}")
    app.blueprint(channel.blueprint(bot.on_new_message), url_prefix="/webhooks/whatsapp")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()  # create_server has already bound the socket
    await server.after_start()
    return server, f"http://127.0.0.1:{port}{WEBHOOK_PATH}"


def make_channel(graph: FakeGraphApi, **overrides: Any) -> WhatsAppInput:
    settings: Dict[str, Any] = {
        "verify_token": VERIFY_TOKEN,
        "app_secret": APP_SECRET,
        "access_token": ACCESS_TOKEN,
        "api_base_url": graph.base_url,
        "phone_number_ids": f"{NUMBER_ID}:{GEMEENTE}",
        "retry_backoff_seconds": 0.01,
    }
    settings.update(overrides)
    return WhatsAppInput(**settings)


# --- serving any Sanic app, and the REST channel's probe ------------------------------

async def start(app: Sanic) -> tuple[Any, str]:
    Sanic.test_mode = True
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    return server, f"http://127.0.0.1:{port}"


async def stop(server: Any) -> None:
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


class FixedProbe:
    def __init__(self, ok: bool) -> None:
        self._ok = ok

    async def ok(self) -> bool:
        return self._ok


@contextlib.asynccontextmanager
async def rasa_rest_double(record: Callable[[Dict[str, Any], web.Request], None]) -> AsyncIterator[str]:
    """Rasa's REST webhook as a double on a free port of 127.0.0.1; yields its base URL.

    Every POST to ``/webhooks/rest/webhook`` is passed to ``record(body, request)`` and
    answered with one "Hallo!" to its sender. The server stops when the block ends.
    """

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        record(body, request)
        return web.json_response([{"recipient_id": body["sender"], "text": "Hallo!"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
