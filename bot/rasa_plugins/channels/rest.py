"""The REST channel (``POST /webhooks/rest/webhook``, docs/contract.md §3) with answers in every case.

Rasa's built-in ``rest`` channel answers 500 on a body that is not JSON, processes
messages of any length, logs the resident's text when something fails, and answers an
empty list (silence) when the action server is down. This channel keeps the same path
and answer format, and:

- refuses bodies over OCO_MAX_BODY_BYTES with 413, and anything that is not a JSON object
  with a valid ``sender`` and a string ``message`` (also binary, deeply nested JSON, lone
  surrogates) with 400, never a 5xx;
- keeps each channel's conversations apart (bot/ops/gate/sender_ids.py): a REST sender
  is a conversation id of its own, never one of the web widget, the staff test page or
  WhatsApp; only the web app's chat proxy, proven by OCO_PROXY_SECRET, may say that a
  message comes from the web widget or the staff test page;
- sets ``metadata`` itself: ``channel`` (``rest`` or ``web``), ``gemeente`` (only a valid
  slug from the client), ``staff_test`` (only from the proxy); everything else the
  client sends in ``metadata`` is dropped;
- replaces line breaks and control characters in the message by spaces;
- limits messages per conversation (OCO_RATE_LIMIT) and per client address
  (OCO_RATE_LIMIT_ADDRESS; a direct caller on this machine is not limited per address);
- answers messages over OCO_MAX_MESSAGE_LENGTH politely without processing them;
- when Redis, the tracker store or the action server fails, answers a crisis message with
  the crisis numbers itself (bot/ops/gate/safety_net.py) and adds a Dutch message with
  a phone route and a retry hint; a short "please rephrase" when the bot stays silent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.domain.slugs import clean_slug
from bot.ops import logging_privacy
from bot.ops.gate import sender_ids
from bot.ops.gate.client_address import client_address, is_local
from bot.ops.gate.limits import RateLimiter, is_too_long, limit_texts
from bot.ops.gate.proxy_auth import PROXY_SECRET_HEADER, proxy_secret_ok
from bot.ops.gate.rate_limits import address_limiter, conversation_limiter
from bot.ops.gate.safety_net import already_answered, crisis_texts
from bot.ops.gate.text_clean import clean_message, is_encodable
from bot.ops.settings import Settings, load_settings
from bot.rasa_plugins.channels.shared import ActionServerProbe, fault_text, read_body
from bot.rasa_plugins.store_health import tracker_store_failed_since

logger = logging.getLogger(__name__)

# Every Rasa server process loads this channel (credentials.yml): mask personal data in
# every log line of the process from here on (bot/ops/logging_privacy.py).
logging_privacy.install()

CHANNEL_NAME = "rest"
RETRY_AFTER_S = "60"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _bad_request(reason: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


@dataclass(frozen=True)
class RestMessage:
    """One valid request: who sent it, which conversation, what, and the server's metadata."""

    client_sender: str  # echoed as recipient_id (docs/contract.md §3)
    conversation_id: str  # the Rasa sender id (bot/ops/gate/sender_ids.py)
    text: str  # cleaned (no control characters)
    metadata: Dict[str, Any]
    channel: str  # "rest" or "web"


def parse_rest_payload(payload: Any, trusted: bool) -> RestMessage | str:
    """A RestMessage from a decoded JSON body, or the reason for a 400.

    ``trusted`` is True only for the web app's chat proxy (OCO_PROXY_SECRET): then the
    sender is a widget id (``web:<id>``) or, with ``metadata.staff_test``, a staff test id.
    """
    if not isinstance(payload, dict):
        return "body must be a JSON object"
    sender, text, metadata = payload.get("sender"), payload.get("message"), payload.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    staff_test = trusted and metadata.get("staff_test") is True
    if staff_test:
        if not sender_ids.is_staff_test_sender(sender):
            return "sender must be a staff test id"
        conversation_id = sender
    elif trusted:
        if not sender_ids.valid_web_sender(sender):
            return "sender must be 1-64 characters of A-Z, a-z, 0-9, _ or -"
        conversation_id = sender_ids.web_conversation_id(sender)
    else:
        if not sender_ids.valid_rest_sender(sender):
            return ("sender must be 1-128 characters of A-Z, a-z, 0-9, _ . @ + = - "
                    "(not starting with 'stafftest-')")
        conversation_id = sender
    if not isinstance(text, str):
        return "message must be a string"
    if not is_encodable(text):
        return "message must be valid Unicode text"
    channel = sender_ids.WEB if trusted else sender_ids.REST
    server_metadata: Dict[str, Any] = {"channel": channel}
    gemeente = clean_slug(metadata.get("gemeente"))
    if gemeente:
        server_metadata["gemeente"] = gemeente
    if staff_test:
        server_metadata["staff_test"] = True
    return RestMessage(sender, conversation_id, clean_message(text), server_metadata, channel)


def decode_json(body: bytes) -> Any:
    """The JSON value of a body; raises ValueError for anything that is not JSON.

    Deeply nested arrays or objects raise RecursionError inside ``json.loads``: that is
    turned into ValueError too (a 400, not a 500).
    """
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


class SafeRestInput(InputChannel):
    """Drop-in replacement for Rasa's ``rest`` channel (same name, path and answers)."""

    def __init__(
        self,
        settings: Settings | None = None,
        probe: ActionServerProbe | None = None,
        conversation_limits: RateLimiter | None = None,
        address_limits: RateLimiter | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.texts = limit_texts()
        self.probe = probe or ActionServerProbe.for_settings(self.settings)
        self.conversation_limits = conversation_limits or conversation_limiter(self.settings)
        self.address_limits = address_limits or address_limiter(self.settings)
        self._warned_proxy = False

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        return cls()

    def _reply(self, sender: str, text: str) -> Dict[str, Any]:
        return {"recipient_id": sender, "text": text}

    def _trusted(self, request: Request) -> bool:
        submitted = request.headers.get(PROXY_SECRET_HEADER)
        if submitted is None:
            return False
        ok = proxy_secret_ok(self.settings.proxy_secret, submitted)
        if not ok and not self._warned_proxy:
            self._warned_proxy = True
            logger.warning("REST request with a wrong %s: handled as a plain REST client "
                           "(OCO_PROXY_SECRET must be the same for Rasa and the web app).",
                           PROXY_SECRET_HEADER)
        return ok

    async def over_limit(self, request: Request, message: RestMessage, trusted: bool) -> bool:
        """True when this message is over the rate per conversation or per client address.

        The chat proxy applies both limits itself. A direct caller on this machine (no
        proxy in between) is not limited per address: that is the web app, a local nginx
        with X-Forwarded-For is limited per real client address.
        """
        if trusted:
            return False
        forwarded = request.headers.get("x-forwarded-for")
        address = client_address(request.ip, forwarded, self.settings.trusted_proxies)
        if (forwarded or not is_local(address)) and not await self.address_limits.allow("addr:" + address):
            return True
        return not await self.conversation_limits.allow("rest:" + message.conversation_id)

    async def handle(
        self, on_new_message: OnNewMessage, sender: str, text: str, metadata: Dict[str, Any] | None,
        input_channel: str, conversation_id: str | None = None,
    ) -> List[Dict[str, Any]]:
        """Process one message and return the bot's answers (never an empty list).

        ``sender`` is the client's own id (the ``recipient_id`` of every answer);
        ``conversation_id`` the Rasa sender id (default: ``sender``).
        """
        conversation_id = conversation_id or sender
        gemeente = (metadata or {}).get("gemeente")
        if is_too_long(text, self.settings):
            answer = [self._reply(sender, t) for t in crisis_texts(text)]
            answer.append(self._reply(sender, self.texts["message_too_long"].format(
                max_length=self.settings.max_message_length)))
            return answer
        if not text:
            return [self._reply(sender, self.texts["no_answer"])]
        collector = CollectingOutputChannel()
        probe = asyncio.ensure_future(self.probe.ok())
        started = time.monotonic()
        failed = False
        try:
            await on_new_message(
                UserMessage(text, collector, conversation_id, input_channel=input_channel, metadata=metadata)
            )
        except Exception as error:
            # The type only: the exception text may quote what the resident wrote.
            failed = True
            logger.error("REST message could not be handled: %s", type(error).__name__)
        messages = [{**m, "recipient_id": sender} for m in collector.messages]
        actions_ok = await probe
        if failed or not actions_ok or tracker_store_failed_since(started):
            crisis = crisis_texts(text)
            if crisis and not already_answered(messages, crisis):
                messages = [self._reply(sender, t) for t in crisis]
            messages.append(self._reply(sender, fault_text(gemeente, self.texts)))
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
            body = await read_body(request, self.settings.max_body_bytes)
            if body is None:
                return _bad_request("payload too large", status=413)
            try:
                payload = decode_json(body)
            except ValueError:
                return _bad_request("body is not valid JSON")
            trusted = self._trusted(request)
            message = parse_rest_payload(payload, trusted)
            if isinstance(message, str):
                return _bad_request(message)
            if await self.over_limit(request, message, trusted):
                answer = [self._reply(message.client_sender, t) for t in crisis_texts(message.text)]
                if answer:  # a crisis message is answered, never refused
                    return response.json(answer)
                answer.append(self._reply(message.client_sender, self.texts["rate_limited"]))
                return response.json(answer, status=429, headers={"Retry-After": RETRY_AFTER_S})
            answer = await self.handle(
                on_new_message, message.client_sender, message.text, message.metadata,
                message.channel, conversation_id=message.conversation_id,
            )
            return response.json(answer)

        return webhook
