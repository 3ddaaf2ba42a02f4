"""POST /api/chat: the widget's way to the Rasa REST channel.

The proxy validates the input, adds ``metadata.channel = "web"`` and a validated
``metadata.gemeente``, and returns Rasa's JSON list unchanged. When Rasa cannot be
reached the resident still gets a Dutch answer with a way forward, never a 5xx.
Message text and sender ids are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from sanic import Blueprint, Request
from sanic.exceptions import InvalidUsage
from sanic.response import HTTPResponse, empty, json

from bot.limits import RateLimiter, rate_limiter_from_settings
from bot.settings import load_settings
from bot.slugs import clean_slug

logger = logging.getLogger(__name__)

TEXTS_FILE = Path(__file__).with_name("texts.yml")
# Below the widget's own 20 s timeout, so residents get the fallback text instead.
RASA_TIMEOUT_SECONDS = 18.0
CHANNEL = "web"

SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Municipality slugs: lower-case name with hyphens (CONTRACT.md §5), e.g. "schouwen-duiveland".

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
    "Vary": "Origin",
}

bp = Blueprint("chat_proxy")


class RasaUnavailable(Exception):
    """Rasa did not answer, answered 5xx or answered something that is not a message list."""


def max_message_length() -> int:
    """OCO_MAX_MESSAGE_LENGTH (characters, default 2000), read through bot.settings."""
    return load_settings().max_message_length


def rate_limiter(app: Any) -> RateLimiter:
    """The app's per-sender limiter (OCO_RATE_LIMIT), created on first use."""
    limiter = getattr(app.ctx, "rate_limiter", None)
    if limiter is None:
        limiter = app.ctx.rate_limiter = rate_limiter_from_settings(app.ctx.settings)
    return limiter


@lru_cache(maxsize=1)
def texts() -> dict[str, str]:
    """The resident-facing texts from texts.yml."""
    with TEXTS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def valid_sender(value: Any) -> bool:
    """A widget sender id: 1-64 characters of [A-Za-z0-9_-]."""
    return isinstance(value, str) and SENDER_RE.fullmatch(value) is not None


def clean_gemeente(value: Any) -> str | None:
    """The slug when it looks like a municipality slug, else None (it is then dropped)."""
    return clean_slug(value)


def bot_messages(sender: str, text: str) -> list[dict[str, str]]:
    """One message in the format of Rasa's REST channel."""
    return [{"recipient_id": sender, "text": text}]


async def send_to_rasa(
    session: aiohttp.ClientSession,
    rasa_url: str,
    sender: str,
    message: str,
    metadata: dict[str, Any],
    timeout: float = RASA_TIMEOUT_SECONDS,
) -> list[dict[str, Any]]:
    """POST to Rasa's REST webhook and return its list of messages."""
    url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    payload = {"sender": sender, "message": message, "metadata": metadata}
    try:
        async with session.post(
            url, json=payload, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as resp:
            if resp.status >= 400:
                raise RasaUnavailable(f"status {resp.status}")
            answer = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        raise RasaUnavailable(type(exc).__name__) from exc
    if not isinstance(answer, list):
        raise RasaUnavailable("answer is not a list")
    return answer


def _bad_request(reason: str) -> HTTPResponse:
    return json({"error": "bad_request", "detail": reason}, status=400, headers=CORS_HEADERS)


def parse_chat_request(request: Request) -> tuple[str, str, str | None] | HTTPResponse:
    """(sender, message, gemeente) from the body, or a 400 answer."""
    try:
        body = request.json
    except InvalidUsage:
        return _bad_request("body is not valid JSON")
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object")
    sender = body.get("sender")
    if not valid_sender(sender):
        return _bad_request("sender must be 1-64 characters of A-Z, a-z, 0-9, _ or -")
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        return _bad_request("message must be a non-empty string")
    metadata = body.get("metadata")
    gemeente = clean_gemeente(metadata.get("gemeente")) if isinstance(metadata, dict) else None
    return sender, message, gemeente


@bp.options("/api/chat")
async def chat_preflight(request: Request) -> HTTPResponse:
    """CORS preflight: the widget is embedded on municipal websites."""
    return empty(status=204, headers=CORS_HEADERS)


@bp.post("/api/chat")
async def chat(request: Request) -> HTTPResponse:
    """Forward one resident message to Rasa."""
    parsed = parse_chat_request(request)
    if isinstance(parsed, HTTPResponse):
        return parsed
    sender, message, gemeente = parsed
    if not await rate_limiter(request.app).allow(sender):
        text = texts()["rate_limited"]
        headers = {**CORS_HEADERS, "Retry-After": "60"}
        return json(bot_messages(sender, text), status=429, headers=headers)
    limit = max_message_length()
    if len(message) > limit:
        text = texts()["message_too_long"].format(max_length=limit)
        return json(bot_messages(sender, text), headers=CORS_HEADERS)
    metadata: dict[str, Any] = {"channel": CHANNEL}
    if gemeente:
        metadata["gemeente"] = gemeente
    try:
        answer = await send_to_rasa(
            request.app.ctx.http, request.app.ctx.settings.rasa_url, sender, message, metadata
        )
    except RasaUnavailable as exc:
        logger.warning("chat proxy: Rasa not available (%s)", exc)
        answer = bot_messages(sender, texts()["rasa_unreachable"])
    return json(answer, headers=CORS_HEADERS)
