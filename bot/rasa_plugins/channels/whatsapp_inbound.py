"""Read incoming messages from a WhatsApp Cloud API webhook payload.

https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
Delivery receipts (``statuses``) and reactions are skipped; anything the bot cannot
read (photos, voice messages, locations, ...) is marked as unsupported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List

# Message types that need no answer at all.
SILENT_TYPES = frozenset({"reaction", "system", "ephemeral", "request_welcome"})


@dataclass(frozen=True)
class InboundMessage:
    """One message from a resident. ``sender`` (the wa_id) is personal data: never log it."""

    message_id: str
    sender: str
    phone_number_id: str
    text: str | None  # None: a type the bot cannot read

    @property
    def supported(self) -> bool:
        return self.text is not None


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def message_text(message: Dict[str, Any]) -> str | None:
    """The text to give Rasa: the typed text, or the id of a clicked reply (= Rasa payload)."""
    kind = message.get("type")
    if kind == "text":
        return _dict(message.get("text")).get("body")
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get(interactive.get("type", "")))
        return reply.get("id") or reply.get("title")
    if kind == "button":  # quick-reply button of a template message
        button = _dict(message.get("button"))
        return button.get("payload") or button.get("text")
    return None


def _messages_in(value: Dict[str, Any]) -> Iterator[InboundMessage]:
    phone_number_id = str(_dict(value.get("metadata")).get("phone_number_id") or "")
    for raw in _list(value.get("messages")):
        message = _dict(raw)
        message_id, sender = message.get("id"), message.get("from")
        if not message_id or not sender or message.get("type") in SILENT_TYPES:
            continue
        text = message_text(message)
        if text is not None:
            text = str(text).strip()
            if not text:
                continue
        yield InboundMessage(str(message_id), str(sender), phone_number_id, text)


def parse_webhook(payload: Any) -> List[InboundMessage]:
    """All resident messages in a webhook payload, in delivery order."""
    found: List[InboundMessage] = []
    for entry in _list(_dict(payload).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            if change.get("field", "messages") != "messages":
                continue
            found.extend(_messages_in(_dict(change.get("value"))))
    return found
