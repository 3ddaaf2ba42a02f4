"""A fake WhatsApp Cloud API (Meta Graph API) on 127.0.0.1 for tests.

It records every POST to ``/{version}/{phone_number_id}/messages``, checks the bearer
token, rejects messages the real API would reject for size reasons (HTTP 400), and can
be told to answer the next requests with an error (e.g. 500) first.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any, Dict, List

from aiohttp import web

API_VERSION = "v19.0"

# Size limits of the real Cloud API that the fake enforces.
LIMITS = {
    "text": 4096,
    "body": 1024,
    "buttons": 3,
    "button_title": 20,
    "button_id": 256,
    "rows": 10,
    "row_title": 24,
    "row_id": 200,
    "row_description": 72,
    "list_button": 20,
    "section_title": 24,
}


@dataclass
class RecordedRequest:
    phone_number_id: str
    authorization: str
    payload: Dict[str, Any]
    status: int


def limit_violations(message: Dict[str, Any]) -> List[str]:
    """What the real API would refuse in this message (empty list: acceptable)."""
    problems: List[str] = []
    if message.get("messaging_product") != "whatsapp" or not message.get("to"):
        problems.append("envelope")
    kind = message.get("type")
    if kind == "text":
        body = message.get("text", {}).get("body", "")
        if not body or len(body) > LIMITS["text"]:
            problems.append("text")
    elif kind == "interactive":
        interactive = message["interactive"]
        body = interactive.get("body", {}).get("text", "")
        if not body or len(body) > LIMITS["body"]:
            problems.append("body")
        action = interactive.get("action", {})
        if interactive.get("type") == "button":
            buttons = action.get("buttons", [])
            titles = [b["reply"]["title"] for b in buttons]
            if not 1 <= len(buttons) <= LIMITS["buttons"] or len(set(titles)) != len(titles):
                problems.append("buttons")
            for button in buttons:
                if len(button["reply"]["title"]) > LIMITS["button_title"]:
                    problems.append("button_title")
                if len(button["reply"]["id"]) > LIMITS["button_id"]:
                    problems.append("button_id")
        elif interactive.get("type") == "list":
            if len(action.get("button", "")) > LIMITS["list_button"]:
                problems.append("list_button")
            rows = [row for section in action.get("sections", []) for row in section["rows"]]
            if not 1 <= len(rows) <= LIMITS["rows"]:
                problems.append("rows")
            for section in action.get("sections", []):
                if len(section.get("title", "")) > LIMITS["section_title"]:
                    problems.append("section_title")
            for row in rows:
                if len(row["title"]) > LIMITS["row_title"]:
                    problems.append("row_title")
                if len(row["id"]) > LIMITS["row_id"]:
                    problems.append("row_id")
                if len(row.get("description", "")) > LIMITS["row_description"]:
                    problems.append("row_description")
        else:
            problems.append("interactive type")
    return problems


class FakeGraphApi:
    """Start with ``await start()``; ``base_url`` then points at it."""

    def __init__(self, access_token: str) -> None:
        self.access_token = access_token
        self.requests: List[RecordedRequest] = []
        self._failures: List[int] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.base_url = ""

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order."""
        self._failures.extend(statuses)

    @property
    def delivered(self) -> List[Dict[str, Any]]:
        """Payloads the fake accepted (2xx), in order."""
        return [r.payload for r in self.requests if 200 <= r.status < 300]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/{version}/{phone_number_id}/messages", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/{API_VERSION}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for_delivered(self, count: int, timeout: float = 5.0) -> List[Dict[str, Any]]:
        """Wait until at least ``count`` messages were accepted."""

        async def _wait() -> None:
            while len(self.delivered) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(_wait(), timeout)
        return self.delivered

    async def _messages(self, request: web.Request) -> web.Response:
        payload = await request.json()
        authorization = request.headers.get("Authorization", "")
        if authorization != f"Bearer {self.access_token}":
            status, answer = 401, {"error": {"code": 190, "message": "Invalid OAuth access token"}}
        elif self._failures:
            status = self._failures.pop(0)
            answer = {"error": {"code": 1, "message": "Temporary failure"}}
        elif problems := limit_violations(payload):
            status, answer = 400, {"error": {"code": 100, "message": ", ".join(problems)}}
        else:
            status = 200
            answer = {
                "messaging_product": "whatsapp",
                "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
                "messages": [{"id": f"wamid.fake{next(self._ids)}"}],
            }
        self.requests.append(
            RecordedRequest(request.match_info["phone_number_id"], authorization, payload, status)
        )
        self._changed.set()
        return web.json_response(answer, status=status)
