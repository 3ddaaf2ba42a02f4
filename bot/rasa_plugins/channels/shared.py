"""What the REST and WhatsApp channels share beyond the gate (bot/ops/gate/): reading a
request body up to a limit, asking whether the action server is up, and the fault text
with a phone route that follows a failure.

The web app's chat proxy has answers of its own (bot/webapp/texts.yml), so this stays with
the channels.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict

import aiohttp
from sanic.request import Request

from bot.ops.settings import Settings

PROBE_TTL_S = 0.0
PROBE_TIMEOUT_S = 1.0


class ActionServerProbe:
    """Whether the action server answers ``GET /health`` (a local call of about a millisecond).

    The channel asks while the message is being processed, so it costs no waiting time.
    ``ttl_s`` > 0 reuses a good answer for that long.
    """

    def __init__(self, health_url: str, ttl_s: float = PROBE_TTL_S) -> None:
        self.health_url = health_url
        self.ttl_s = ttl_s
        self._ok_until = float("-inf")
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> ActionServerProbe:
        """The probe of ``<OCO_ACTION_SERVER_URL>/health`` (a trailing slash is ignored)."""
        return cls(settings.action_server_url.rstrip("/") + "/health")

    async def ok(self) -> bool:
        if time.monotonic() < self._ok_until:
            return True
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S))
        try:
            async with self._session.get(self.health_url) as resp:
                ok = resp.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            ok = False
        if ok:
            self._ok_until = time.monotonic() + self.ttl_s
        return ok


def phone_route(gemeente: Any, texts: Dict[str, str]) -> str:
    """The phone route of the fault text: the OCO provider and number from the catalogue
    when ``gemeente`` is a known slug (``phone_route_known``), else ``phone_route_default``
    (texts from bot/ops/gate/limits_texts.yml). A catalogue error gives the default."""
    if isinstance(gemeente, str) and gemeente:
        try:
            from bot.domain.catalogue import load_catalogue

            entry = load_catalogue().get(gemeente)
        except Exception:  # a catalogue problem must not take the fallback text down
            entry = None
        provider = entry.oco_by_phone if entry else None
        if provider:
            return texts["phone_route_known"].format(naam=provider.naam, telefoon=provider.telefoon)
    return texts["phone_route_default"]


def fault_text(gemeente: Any, texts: Dict[str, str]) -> str:
    """The ``actions_down`` text (something is not working, try again later) with the
    phone route of ``gemeente`` filled in; ``texts`` is ``limit_texts()``."""
    return texts["actions_down"].format(phone_route=phone_route(gemeente, texts))


async def read_body(request: Request, limit: int) -> bytes | None:
    """The raw body of a streamed request, or None when it is larger than ``limit`` bytes.

    A ``Content-Length`` over the limit is refused before anything is read; otherwise the
    stream is read until it ends or passes the limit. Errors of the stream propagate.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    body = bytearray()
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            return None
