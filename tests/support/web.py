"""The web app harness: the real web app on 127.0.0.1 ports, with a fake Rasa and a fake
action server (aiohttp), all in one background event loop (thread).

Tests talk HTTP with `requests`, like a browser or the widget would. The fixtures that
use it (``stack``, ``web_url``, ``fake``) are in tests/unit/webapp/conftest.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
from pathlib import Path
from typing import Any

from aiohttp import web
from sanic import Sanic

from bot.ops.settings import Settings, load_settings
from bot.webapp.app import create_app

STAFF_TOKEN = "test-staff-token-0123456789"
API_TOKEN = "test-api-token"


class LoopThread:
    """An asyncio loop in a daemon thread; `run` executes a coroutine there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def dead_url() -> str:
    """A URL on a port where nothing listens."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def fake_tracker(sender: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A Rasa 3.6 tracker for the messages this sender sent to the fake webhook."""
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_session_start", "policy": None, "confidence": 1.0},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
    ]
    slots: dict[str, Any] = {"gemeente": None, "life_domain": None}
    for body in messages:
        gemeente = (body.get("metadata") or {}).get("gemeente")
        events += [
            {
                "event": "user",
                "text": body["message"],
                "parse_data": {
                    "intent": {"name": "ask_what_is_oco", "confidence": 0.9731},
                    "entities": [
                        {
                            "entity": "life_domain",
                            "value": "geld",
                            "extractor": "RegexEntityExtractor",
                        }
                    ],
                    "intent_ranking": [
                        {"name": "ask_what_is_oco", "confidence": 0.9731},
                        {"name": "ask_oco_tasks", "confidence": 0.0123},
                    ],
                },
            },
            {"event": "slot", "name": "life_domain", "value": "geld"},
            {
                "event": "action",
                "name": "utter_what_is_oco",
                "policy": "RulePolicy",
                "confidence": 1.0,
            },
            {
                "event": "bot",
                "text": "Een cliëntondersteuner helpt u gratis.",
                "data": {"buttons": [{"title": "Meer weten", "payload": "/ask_oco_tasks"}]},
            },
            {"event": "action", "name": "action_listen", "policy": "RulePolicy"},
        ]
        if gemeente:
            events.insert(-3, {"event": "slot", "name": "gemeente", "value": gemeente})
            slots["gemeente"] = gemeente
        slots["life_domain"] = "geld"
    return {"sender_id": sender, "slots": slots, "events": events}


class FakeRasa:
    """Fake Rasa server and fake action server (aiohttp), with switchable answers."""

    def __init__(self) -> None:
        self.rasa_status = 200
        self.webhook_status = 200
        self.actions_status = 200
        self.received: list[dict[str, Any]] = []
        self.tracker_queries: list[dict[str, str]] = []

    def rasa_app(self) -> web.Application:
        async def root(_request: web.Request) -> web.Response:
            return web.Response(text="Hello from Rasa: 3.6.21", status=self.rasa_status)

        async def webhook(request: web.Request) -> web.Response:
            body = await request.json()
            self.received.append(body)
            if self.webhook_status >= 400:
                return web.Response(status=self.webhook_status, text="error")
            answer = [{"recipient_id": body["sender"], "text": f"U zei: {body['message']}"}]
            return web.json_response(answer)

        async def tracker(request: web.Request) -> web.Response:
            self.tracker_queries.append(dict(request.query))
            sender = request.match_info["sender"]
            mine = [body for body in self.received if body["sender"] == sender]
            return web.json_response(fake_tracker(sender, mine))

        app = web.Application()
        app.router.add_get("/", root)
        app.router.add_post("/webhooks/rest/webhook", webhook)
        app.router.add_get("/conversations/{sender}/tracker", tracker)
        return app

    def action_app(self) -> web.Application:
        async def health(_request: web.Request) -> web.Response:
            return web.json_response({"status": "ok"}, status=self.actions_status)

        app = web.Application()
        app.router.add_get("/health", health)
        return app


class Stack:
    """Fake Rasa + fake action server + web apps, all on free 127.0.0.1 ports."""

    def __init__(self, tmp: Path) -> None:
        # Several Sanic apps start in this process: test mode keeps Sanic's start-up
        # optimisation ("touchup") from rewriting already rewritten methods.
        Sanic.test_mode = True
        self.tmp = tmp
        self.loop = LoopThread()
        self.fake = FakeRasa()
        self._runners: list[web.AppRunner] = []
        self._servers: list[Any] = []
        self.rasa_url = self.loop.run(self._start_aiohttp(self.fake.rasa_app()))
        self.action_url = self.loop.run(self._start_aiohttp(self.fake.action_app()))
        self._apps = 0

    async def _start_aiohttp(self, app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        sock = free_socket()
        site = web.SockSite(runner, sock)
        await site.start()
        self._runners.append(runner)
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def settings(self, **overrides: Any) -> Settings:
        base = load_settings()
        values = {
            "rasa_url": self.rasa_url,
            "action_server_url": self.action_url,
            "staff_token": STAFF_TOKEN,
            "api_token": "",
            "database_url": f"sqlite:///{self.tmp / 'intakes.db'}",
            "smtp_host": "",
        }
        values.update(overrides)
        return dataclasses.replace(base, **values)

    def start_webapp(self, settings: Settings, **kwargs: Any) -> str:
        """Start create_app(settings) on a free port; return its base URL."""
        self._apps += 1
        app = create_app(settings, name=f"oco_webapp_test_{id(self)}_{self._apps}", **kwargs)
        return self.loop.run(self._start_sanic(app))

    async def _start_sanic(self, app: Any) -> str:
        sock = free_socket()
        server = await app.create_server(
            sock=sock, return_asyncio_server=True, access_log=False, debug=False
        )
        # create_server has already bound the socket (it awaits the AsyncioServer).
        await server.startup()
        await server.before_start()
        await server.after_start()
        self._servers.append(server)
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def _stop_all(self) -> None:
        for server in self._servers:
            await server.before_stop()
            server.close()
            await server.wait_closed()
            await server.after_stop()
        for runner in self._runners:
            await runner.cleanup()

    def close(self) -> None:
        self.loop.run(self._stop_all())
        self.loop.stop()
