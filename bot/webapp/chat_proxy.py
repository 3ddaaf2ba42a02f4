"""POST /api/chat: the widget's way to the Rasa REST channel.

The proxy validates the input, adds ``metadata.channel = "web"`` and a validated
``metadata.gemeente``, and returns Rasa's JSON list unchanged. It proves itself to Rasa
with OCO_PROXY_SECRET (bot/ops/gate/proxy_auth.py): only then does Rasa file the message
under the web channel (conversation ``web:<sender>``), so the widget can never continue
a REST or WhatsApp conversation, and nothing the browser sends sets ``channel`` or
``staff_test``.

Limits: messages per client address (OCO_RATE_LIMIT_ADDRESS; X-Forwarded-For only from
OCO_TRUSTED_PROXIES) and per conversation (OCO_RATE_LIMIT), answered with 429 and a
Dutch text. When Rasa cannot be reached the resident still gets a Dutch answer with a
way forward, never a 5xx; a crisis message then (and over a limit) gets the crisis
numbers first (bot/ops/gate/safety_net.py). Message text and sender ids are never logged.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sanic import Blueprint, Request
from sanic.exceptions import InvalidUsage
from sanic.response import HTTPResponse, empty, json

from bot.domain.slugs import clean_slug
from bot.domain.vocabulary import WEB
from bot.ops.gate.client_address import client_address
from bot.ops.gate.limits import RateLimiter, rate_limiter_from_settings
from bot.ops.gate.rate_limits import address_limiter
from bot.ops.gate.safety_net import crisis_texts
from bot.ops.gate.sender_ids import valid_web_sender
from bot.ops.gate.text_clean import clean_message, is_encodable
from bot.ops.settings import load_settings
from bot.webapp.rasa_client import RasaUnavailable, send_to_rasa

logger = logging.getLogger(__name__)

TEXTS_FILE = Path(__file__).with_name("texts.yml")
CHANNEL = WEB  # metadata.channel of every widget message


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
    "Vary": "Origin",
}

bp = Blueprint("chat_proxy")


def max_message_length() -> int:
    """OCO_MAX_MESSAGE_LENGTH (characters, default 2000), read through bot.ops.settings."""
    return load_settings().max_message_length


def rate_limiter(app: Any) -> RateLimiter:
    """The app's per-sender limiter (OCO_RATE_LIMIT), created on first use."""
    limiter = getattr(app.ctx, "rate_limiter", None)
    if limiter is None:
        limiter = app.ctx.rate_limiter = rate_limiter_from_settings(app.ctx.settings)
    return limiter


def address_rate_limiter(app: Any) -> RateLimiter:
    """The app's per-client-address limiter (OCO_RATE_LIMIT_ADDRESS), created on first use."""
    limiter = getattr(app.ctx, "address_rate_limiter", None)
    if limiter is None:
        limiter = app.ctx.address_rate_limiter = address_limiter(app.ctx.settings)
    return limiter


def request_address(request: Request) -> str:
    """The client's address (X-Forwarded-For only from OCO_TRUSTED_PROXIES)."""
    settings = request.app.ctx.settings
    trusted = getattr(settings, "trusted_proxies", "127.0.0.1,::1")
    return client_address(request.ip, request.headers.get("x-forwarded-for"), trusted)


async def over_limit(request: Request, sender: str) -> bool:
    """True when the client address or the conversation sent too many messages."""
    app = request.app
    if not await address_rate_limiter(app).allow("addr:" + request_address(request)):
        return True
    return not await rate_limiter(app).allow(sender)


@lru_cache(maxsize=1)
def texts() -> dict[str, str]:
    """The resident-facing texts from texts.yml."""
    with TEXTS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def valid_sender(value: Any) -> bool:
    """A widget sender id: 1-64 characters of [A-Za-z0-9_-]."""
    return valid_web_sender(value)


def bot_messages(sender: str, text: str) -> list[dict[str, str]]:
    """One message in the format of Rasa's REST channel."""
    return [{"recipient_id": sender, "text": text}]


def _bad_request(reason: str) -> HTTPResponse:
    return json({"error": "bad_request", "detail": reason}, status=400, headers=CORS_HEADERS)


def parse_chat_request(request: Request) -> tuple[str, str, str | None] | HTTPResponse:
    """(sender, message, gemeente) from the body, or a 400 answer.

    The message comes back with line breaks and control characters replaced by spaces.
    """
    try:
        body = request.json
    except (InvalidUsage, ValueError, RecursionError):  # RecursionError: nested too deeply
        return _bad_request("body is not valid JSON")
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object")
    sender = body.get("sender")
    if not valid_sender(sender):
        return _bad_request("sender must be 1-64 characters of A-Z, a-z, 0-9, _ or -")
    message = body.get("message")
    if not isinstance(message, str) or not is_encodable(message):
        return _bad_request("message must be a non-empty string")
    message = clean_message(message)
    if not message:
        return _bad_request("message must be a non-empty string")
    metadata = body.get("metadata")
    gemeente = clean_slug(metadata.get("gemeente")) if isinstance(metadata, dict) else None
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
    if await over_limit(request, sender):
        crisis = crisis_texts(message)
        if crisis:  # a crisis message is answered, never refused
            return json(_messages(sender, crisis), headers=CORS_HEADERS)
        text = texts()["rate_limited"]
        headers = {**CORS_HEADERS, "Retry-After": "60"}
        return json(bot_messages(sender, text), status=429, headers=headers)
    limit = max_message_length()
    if len(message) > limit:
        text = texts()["message_too_long"].format(max_length=limit)
        return json(_messages(sender, [*crisis_texts(message), text]), headers=CORS_HEADERS)
    metadata: dict[str, Any] = {"channel": CHANNEL}
    if gemeente:
        metadata["gemeente"] = gemeente
    try:
        settings = request.app.ctx.settings
        answer = await send_to_rasa(
            request.app.ctx.http, settings.rasa_url, sender, message, metadata,
            proxy_secret=getattr(settings, "proxy_secret", ""),
        )
    except RasaUnavailable as exc:
        logger.warning("chat proxy: Rasa not available (%s)", exc)
        answer = _messages(sender, [*crisis_texts(message), texts()["rasa_unreachable"]])
    return json(answer, headers=CORS_HEADERS)


def _messages(sender: str, lines: list[str]) -> list[dict[str, str]]:
    return [{"recipient_id": sender, "text": line} for line in lines]
