"""The REST channel (``POST /webhooks/rest/webhook``, CONTRACT.md §3) with answers in every case.

Rasa's built-in ``rest`` channel answers 500 on a body that is not JSON, processes
messages of any length, logs the resident's text when something fails, and answers an
empty list (silence) when the action server is down. This channel keeps the same path
and answer format, and:

- refuses bodies over OCO_MAX_BODY_BYTES with 413 and broken requests with 400;
- answers messages over OCO_MAX_MESSAGE_LENGTH politely without processing them;
- adds a Dutch message with a phone route and a retry hint when the action server does
  not answer, and a short "please rephrase" when the bot would otherwise stay silent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.limits import is_too_long, limit_texts
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

CHANNEL_NAME = "rest"
PROBE_TTL_S = 0.0
PROBE_TIMEOUT_S = 1.0

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


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
    """'Bel <OCO provider>: <number>' from the catalogue when the municipality is known."""
    if isinstance(gemeente, str) and gemeente:
        try:
            from bot.catalogue import load_catalogue

            entry = load_catalogue().get(gemeente)
        except Exception:  # a catalogue problem must not take the fallback text down
            entry = None
        provider = entry.oco_by_phone if entry else None
        if provider:
            return texts["phone_route_known"].format(naam=provider.naam, telefoon=provider.telefoon)
    return texts["phone_route_default"]


def _bad_request(reason: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


class SafeRestInput(InputChannel):
    """Drop-in replacement for Rasa's ``rest`` channel (same name, path and answers)."""

    def __init__(self, settings: Settings | None = None, probe: ActionServerProbe | None = None) -> None:
        self.settings = settings or load_settings()
        self.texts = limit_texts()
        self.probe = probe or ActionServerProbe(self.settings.action_server_url.rstrip("/") + "/health")

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        return cls()

    async def _read_body(self, request: Request) -> bytes | None:
        """The raw body, or None when it is larger than the limit."""
        limit = self.settings.max_body_bytes
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

    def _reply(self, sender: str, text: str) -> Dict[str, Any]:
        return {"recipient_id": sender, "text": text}

    async def handle(
        self, on_new_message: OnNewMessage, sender: str, text: str, metadata: Dict[str, Any] | None,
        input_channel: str,
    ) -> List[Dict[str, Any]]:
        """Process one message and return the bot's answers (never an empty list)."""
        if is_too_long(text, self.settings):
            return [self._reply(sender, self.texts["message_too_long"].format(
                max_length=self.settings.max_message_length))]
        collector = CollectingOutputChannel()
        probe = asyncio.ensure_future(self.probe.ok())
        try:
            await on_new_message(
                UserMessage(text, collector, sender, input_channel=input_channel, metadata=metadata)
            )
        except Exception as error:
            # The type only: the exception text may quote what the resident wrote.
            logger.error("REST message could not be handled: %s", type(error).__name__)
        messages = list(collector.messages)
        if not await probe:
            gemeente = (metadata or {}).get("gemeente")
            route = phone_route(gemeente, self.texts)
            messages.append(self._reply(sender, self.texts["actions_down"].format(phone_route=route)))
        elif not messages:
            messages.append(self._reply(sender, self.texts["no_answer"]))
        return messages

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("custom_webhook_SafeRestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            body = await self._read_body(request)
            if body is None:
                return _bad_request("payload too large", status=413)
            try:
                payload = json.loads(body)
            except ValueError:
                return _bad_request("body is not valid JSON")
            if not isinstance(payload, dict):
                return _bad_request("body must be a JSON object")
            sender, text = payload.get("sender"), payload.get("message")
            if not isinstance(sender, str) or not sender or len(sender) > 128:
                return _bad_request("sender must be a non-empty string")
            if not isinstance(text, str):
                return _bad_request("message must be a string")
            metadata = payload.get("metadata")
            metadata = metadata if isinstance(metadata, dict) else None
            channel = payload.get("input_channel")
            channel = channel if isinstance(channel, str) and channel else CHANNEL_NAME
            return response.json(await self.handle(on_new_message, sender, text, metadata, channel))

        return webhook
