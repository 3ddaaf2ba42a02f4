"""WhatsApp Business Cloud API connector: a custom Rasa input channel named ``whatsapp``.

Rasa serves it at ``/webhooks/whatsapp/webhook`` (docs/contract.md §7):

- GET: Meta's subscription check (``hub.mode``, ``hub.verify_token``, ``hub.challenge``).
- POST: message deliveries, signed with ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw
  body with the app secret). Unsigned or wrongly signed requests get 401 and never reach
  the bot. Valid deliveries are acknowledged at once and handled in the background,
  one message at a time per resident, each message id only once.

The Rasa conversation id is ``whatsapp:<wa_id>`` (bot/ops/gate/sender_ids.py), so no
other channel can reach a WhatsApp conversation; ``metadata`` carries ``channel``
(``whatsapp``), ``gemeente`` (from the number the resident wrote to) and
``whatsapp_number`` (the resident's number in E.164, ``+31612345678``). Phone numbers are
personal data and are never logged, nor is any message text.

Limits (bot/ops/gate/limits.py): messages per sender number (OCO_RATE_LIMIT) and length
(OCO_MAX_MESSAGE_LENGTH), with a polite Dutch answer. A crisis message is never refused:
over a limit, or when Redis, the tracker store or the action server fails, the channel
answers with the crisis numbers itself (bot/ops/gate/safety_net.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Protocol, Union

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.domain.slugs import is_slug
from bot.ops.gate import sender_ids
from bot.ops.gate.limits import RateLimiter, is_too_long, limit_texts, rate_limiter_from_settings
from bot.ops.gate.safety_net import already_answered, crisis_texts
from bot.ops.gate.text_clean import clean_message
from bot.ops.settings import Settings, load_settings
from bot.rasa_plugins.channels.shared import ActionServerProbe, fault_text, read_body
from bot.rasa_plugins.channels.whatsapp_dedup import InMemoryMessageIdCache, MessageIdCache
from bot.rasa_plugins.channels.whatsapp_format import (
    ChannelTexts,
    button_messages,
    custom_message,
    image_message,
    load_texts,
    text_messages,
)
from bot.rasa_plugins.channels.whatsapp_graph import DEFAULT_API_BASE_URL, GraphApiClient
from bot.rasa_plugins.channels.whatsapp_inbound import InboundMessage, parse_webhook
from bot.rasa_plugins.store_health import tracker_store_failed_since

logger = logging.getLogger(__name__)

CHANNEL_NAME = "whatsapp"
MAX_BODY_BYTES = 256 * 1024
SIGNATURE_HEADER = "X-Hub-Signature-256"
# A resident over the rate limit is told so at most once per this many seconds.
RATE_NOTICE_INTERVAL_S = 60.0

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class HealthProbe(Protocol):
    async def ok(self) -> bool: ...


def wa_id_of(recipient_id: str) -> str:
    """The Graph API recipient (``31612345678``) of a conversation id (``whatsapp:31612345678``)."""
    prefix = sender_ids.WHATSAPP + ":"
    return recipient_id[len(prefix):] if recipient_id.startswith(prefix) else recipient_id


def parse_phone_number_ids(value: Union[str, Mapping[Any, Any], None]) -> Dict[str, str]:
    """Map phone_number_id -> gemeente slug from a mapping or an "id:slug,id:slug" string.

    Malformed entries are skipped with a warning, so one typo does not stop Rasa.
    """
    if not value:
        return {}
    if isinstance(value, Mapping):
        pairs: Iterable[tuple] = value.items()
    else:
        pairs = (item.partition(":")[::2] for item in str(value).split(",") if item.strip())
    result: Dict[str, str] = {}
    for raw_id, raw_slug in pairs:
        number_id, slug = str(raw_id).strip(), str(raw_slug or "").strip().lower()
        if number_id.isdigit() and is_slug(slug):
            result[number_id] = slug
        else:
            logger.warning("Ignoring malformed WhatsApp number entry (expected 'id:gemeente').")
    return result


def signature_is_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Check ``X-Hub-Signature-256: sha256=<hex>`` against the raw body, in constant time."""
    if not app_secret or not header:
        return False
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    expected = f"sha256={digest}".encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("utf-8", errors="replace"))


class WhatsAppOutput(OutputChannel):
    """Sends Rasa's answers to one resident from one of the municipality's numbers."""

    def __init__(
        self,
        client: GraphApiClient,
        phone_number_id: str,
        texts: ChannelTexts | None = None,
    ) -> None:
        self.client = client
        self.phone_number_id = phone_number_id
        self.texts = texts or load_texts()
        self.sent_texts: List[str] = []  # texts this output sent (the fault check reads it)
        self.sent_count = 0  # messages of any kind this output sent

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    async def _send_all(self, messages: List[Dict[str, Any]]) -> None:
        # In order; after a definite failure the rest would read out of context.
        for message in messages:
            self.sent_count += 1
            if not await self.client.send(self.phone_number_id, message):
                break

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent_texts.append(text)
        await self._send_all(text_messages(wa_id_of(recipient_id), text))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: List[Dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        self.sent_texts.append(text or "")
        await self._send_all(button_messages(wa_id_of(recipient_id), text or "", buttons, self.texts))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send_all([image_message(wa_id_of(recipient_id), image)])

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        """A ``custom`` response is sent as a Cloud API message object (it needs a type)."""
        if isinstance(json_message, dict) and json_message.get("type"):
            await self._send_all([custom_message(wa_id_of(recipient_id), json_message)])
        else:
            logger.warning("Custom WhatsApp response without a 'type' was not sent.")


class _SenderQueues:
    """Runs jobs in the background, in arrival order per sender, concurrently across senders."""

    def __init__(self) -> None:
        self._tails: Dict[str, asyncio.Task] = {}

    def submit(self, key: str, job: Callable[[], Awaitable[None]]) -> None:
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run_after(previous, job))
        self._tails[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: str, task: asyncio.Task) -> None:
        if self._tails.get(key) is task:
            del self._tails[key]

    @staticmethod
    async def _run_after(previous: asyncio.Task | None, job: Callable[[], Awaitable[None]]):
        if previous is not None:
            await asyncio.wait({previous})
        try:
            await job()
        except Exception as error:
            # The type only: exception texts may quote what the resident wrote.
            logger.error("Handling a WhatsApp message failed: %s.", type(error).__name__)

    async def wait_idle(self) -> None:
        """Wait until every submitted job has finished."""
        while self._tails:
            await asyncio.wait(set(self._tails.values()))


class WhatsAppInput(InputChannel):
    """Webhook for the WhatsApp Business Cloud API."""

    def __init__(
        self,
        verify_token: str = "",
        app_secret: str = "",
        access_token: str = "",
        api_base_url: str = DEFAULT_API_BASE_URL,
        phone_number_ids: Union[str, Mapping[Any, Any], None] = None,
        *,
        message_ids: MessageIdCache | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        retry_backoff_seconds: float = 0.5,
        settings: Settings | None = None,
        rate_limiter: RateLimiter | None = None,
        action_probe: HealthProbe | None = None,
    ) -> None:
        self.verify_token = (verify_token or "").strip()
        self.app_secret = (app_secret or "").strip()
        self.access_token = (access_token or "").strip()
        self.api_base_url = (api_base_url or "").strip() or DEFAULT_API_BASE_URL
        self.gemeente_by_number = parse_phone_number_ids(phone_number_ids)
        self.message_ids: MessageIdCache = message_ids or InMemoryMessageIdCache()
        self.max_body_bytes = max_body_bytes
        self.client = GraphApiClient(
            self.api_base_url, self.access_token, backoff_seconds=retry_backoff_seconds
        )
        self.texts = load_texts()
        self._queues = _SenderQueues()
        self._warned_unconfigured = False
        self.settings = settings or load_settings()
        self.rate_limiter = rate_limiter or rate_limiter_from_settings(self.settings)
        self.limit_texts = limit_texts()
        self._rate_noticed: Dict[str, float] = {}
        self.action_probe = ActionServerProbe.for_settings(self.settings) if action_probe is None else action_probe

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Build from the credentials.yml entry; missing secrets leave the webhook closed."""
        credentials = credentials or {}
        return cls(
            verify_token=str(credentials.get("verify_token") or ""),
            app_secret=str(credentials.get("app_secret") or ""),
            access_token=str(credentials.get("access_token") or ""),
            api_base_url=str(credentials.get("api_base_url") or DEFAULT_API_BASE_URL),
            phone_number_ids=credentials.get("phone_number_ids"),
        )

    @property
    def configured(self) -> bool:
        """Both secrets needed to accept and answer deliveries are present."""
        return bool(self.app_secret and self.access_token)

    def get_output_channel(self) -> OutputChannel | None:
        """Output for bot-initiated messages; only unambiguous with a single number."""
        if len(self.gemeente_by_number) != 1:
            return None
        (phone_number_id,) = self.gemeente_by_number
        return WhatsAppOutput(self.client, phone_number_id, self.texts)

    def metadata_for(self, message: InboundMessage) -> Dict[str, Any]:
        """Rasa metadata, all set here: ``channel``, ``whatsapp_number`` (E.164) and the
        municipality of the number the resident wrote to (``gemeente``, when configured)."""
        metadata: Dict[str, Any] = {
            "channel": CHANNEL_NAME,
            "whatsapp_number": sender_ids.whatsapp_number(message.sender),
        }
        gemeente = self.gemeente_by_number.get(message.phone_number_id)
        if gemeente:
            metadata["gemeente"] = gemeente
        return metadata

    async def wait_idle(self) -> None:
        """Wait until all accepted messages are handled (tests, graceful shutdown)."""
        await self._queues.wait_idle()

    async def _handle(self, message: InboundMessage, on_new_message: OnNewMessage) -> None:
        output = WhatsAppOutput(self.client, message.phone_number_id, self.texts)
        if not message.supported:
            await output.send_text_message(message.sender, self.texts.unsupported_message)
            return
        text = clean_message(message.text or "")
        if not await self.rate_limiter.allow(message.sender):
            logger.info("WhatsApp message over the rate limit not handled.")
            crisis = crisis_texts(text)
            for line in crisis:  # a crisis message is answered, never refused
                await output.send_text_message(message.sender, line)
            if not crisis and self._notice_due(message.sender):
                await output.send_text_message(message.sender, self.limit_texts["rate_limited"])
            return
        if is_too_long(text, self.settings):
            for line in crisis_texts(text):
                await output.send_text_message(message.sender, line)
            too_long = self.limit_texts["message_too_long"].format(max_length=self.settings.max_message_length)
            await output.send_text_message(message.sender, too_long)
            return
        if not text:
            await output.send_text_message(message.sender, self.limit_texts["no_answer"])
            return
        metadata = self.metadata_for(message)
        started = time.monotonic()
        failed = False
        try:
            await on_new_message(
                UserMessage(
                    text=text,
                    output_channel=output,
                    sender_id=sender_ids.whatsapp_conversation_id(message.sender),
                    input_channel=CHANNEL_NAME,
                    message_id=message.message_id,
                    metadata=metadata,
                )
            )
        except Exception as error:
            # The type only: exception texts may quote what the resident wrote.
            failed = True
            logger.error("Handling a WhatsApp message failed: %s.", type(error).__name__)
        await self._answer_faults(output, message.sender, text, metadata, failed, started)

    async def _answer_faults(
        self, output: WhatsAppOutput, sender: str, text: str, metadata: Dict[str, Any],
        failed: bool, started: float,
    ) -> None:
        """After a failure (Redis, tracker store, action server): crisis numbers, then a
        Dutch fault message with a phone route. The action server is only asked when the
        message is a crisis message or the bot sent nothing (a local call)."""
        crisis = crisis_texts(text)
        fault = failed or tracker_store_failed_since(started)
        if not fault and (crisis or not output.sent_count):
            fault = not await self.action_probe.ok()
        if not fault:
            return
        sent = [{"text": line} for line in output.sent_texts]
        if crisis and not already_answered(sent, crisis):
            for line in crisis:
                await output.send_text_message(sender, line)
        await output.send_text_message(sender, fault_text(metadata.get("gemeente"), self.limit_texts))

    def _notice_due(self, sender: str) -> bool:
        """True at most once per RATE_NOTICE_INTERVAL_S per sender (the notice is not spam too)."""
        now = time.monotonic()
        key = hashlib.sha256(sender.encode("utf-8")).hexdigest()
        if now - self._rate_noticed.get(key, float("-inf")) < RATE_NOTICE_INTERVAL_S:
            return False
        if len(self._rate_noticed) > 10_000:
            self._rate_noticed.clear()
        self._rate_noticed[key] = now
        return True

    async def accept(self, payload: Any, on_new_message: OnNewMessage) -> int:
        """Queue the new messages of a verified payload; returns how many were queued."""
        queued = 0
        for message in parse_webhook(payload):
            if not sender_ids.valid_whatsapp_id(message.sender):
                logger.warning("Ignoring a WhatsApp message whose sender is not a phone number.")
                continue
            if not await self.message_ids.add_if_new(message.message_id):
                logger.info("Ignoring a WhatsApp message that was delivered before.")
                continue
            self._queues.submit(
                message.sender,
                lambda message=message: self._handle(message, on_new_message),
            )
            queued += 1
        return queued

    def _refuse_unconfigured(self) -> HTTPResponse:
        if not self._warned_unconfigured:
            self._warned_unconfigured = True
            logger.warning(
                "WhatsApp channel is not configured: set OCO_WHATSAPP_APP_SECRET and "
                "OCO_WHATSAPP_ACCESS_TOKEN. Every webhook delivery is refused until then."
            )
        return response.json({"error": "whatsapp channel not configured"}, status=503)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            mode = request.args.get("hub.mode")
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            token_ok = bool(self.verify_token) and hmac.compare_digest(
                token.encode("utf-8"), self.verify_token.encode("utf-8")
            )
            if mode == "subscribe" and token_ok:
                return response.text(challenge)
            logger.warning("WhatsApp webhook verification refused.")
            return response.text("Forbidden", status=403)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if not self.configured:
                return self._refuse_unconfigured()
            body = await read_body(request, self.max_body_bytes)
            if body is None:
                return response.json({"error": "payload too large"}, status=413)
            if not signature_is_valid(self.app_secret, body, request.headers.get(SIGNATURE_HEADER)):
                logger.warning(
                    "WhatsApp webhook delivery with a missing or wrong signature refused."
                )
                return response.json({"error": "invalid signature"}, status=401)
            try:
                payload = json.loads(body)
            except ValueError:
                return response.json({"error": "invalid JSON"}, status=400)
            await self.accept(payload, on_new_message)
            return response.json({"status": "received"})

        @webhook.listener("after_server_stop")
        async def close_client(*_: Any) -> None:
            await self.client.close()

        return webhook
