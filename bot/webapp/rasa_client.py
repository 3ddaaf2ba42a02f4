"""The web app's HTTP client for Rasa: send a message to the REST webhook, read a tracker.

Both calls map every way Rasa can fail (no connection, timeout, an error status, an
answer that is not JSON of the expected shape) to one exception, `RasaUnavailable`, so
callers show one Dutch fault text. Message texts and sender ids are never logged here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp

# The header with OCO_PROXY_SECRET: Rasa's REST channel then trusts `metadata.channel` and
# `metadata.staff_test` from the web app.
from bot.ops.gate.proxy_auth import PROXY_SECRET_HEADER

RASA_TIMEOUT_SECONDS = 18.0  # below the widget's own 20 s timeout
TRACKER_TIMEOUT_SECONDS = 10.0


class RasaUnavailable(Exception):
    """Rasa did not answer, answered an error status or something of the wrong shape."""


@contextlib.asynccontextmanager
async def _rasa_errors() -> AsyncIterator[None]:
    """Turn every transport or decoding failure into RasaUnavailable (class name only)."""
    try:
        yield
    except RasaUnavailable:
        raise
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        raise RasaUnavailable(type(exc).__name__) from exc


async def send_to_rasa(
    session: aiohttp.ClientSession,
    rasa_url: str,
    sender: str,
    message: str,
    metadata: dict[str, Any],
    timeout: float = RASA_TIMEOUT_SECONDS,
    proxy_secret: str = "",
) -> list[dict[str, Any]]:
    """POST to Rasa's REST webhook and return its list of messages.

    With ``proxy_secret`` (OCO_PROXY_SECRET) Rasa trusts ``metadata.channel`` ("web") and
    ``metadata.staff_test``. Raises RasaUnavailable for every transport, status or shape
    failure."""
    url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    payload = {"sender": sender, "message": message, "metadata": metadata}
    headers = {PROXY_SECRET_HEADER: proxy_secret} if proxy_secret else None
    async with _rasa_errors():
        async with session.post(
            url, json=payload, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as resp:
            if resp.status >= 400:
                raise RasaUnavailable(f"status {resp.status}")
            answer = await resp.json(content_type=None)
    if not isinstance(answer, list):
        raise RasaUnavailable("answer is not a list")
    return answer


async def fetch_tracker(
    session: aiohttp.ClientSession,
    rasa_url: str,
    conversation_id: str,
    api_token: str,
    timeout: float = TRACKER_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """GET Rasa's tracker for a conversation (with ?token= when the API is protected)."""
    url = f"{rasa_url.rstrip('/')}/conversations/{quote(conversation_id, safe='')}/tracker"
    params = {"token": api_token} if api_token else None
    async with _rasa_errors():
        async with session.get(
            url, params=params, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as resp:
            if resp.status != 200:
                raise RasaUnavailable(f"tracker status {resp.status}")
            tracker = await resp.json(content_type=None)
    if not isinstance(tracker, dict):
        raise RasaUnavailable("tracker is not an object")
    return tracker
