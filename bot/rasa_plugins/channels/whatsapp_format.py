"""Turn Rasa bot messages into WhatsApp Cloud API message objects.

Pure functions, no I/O. The limits are those of the Cloud API "messages" endpoint:
https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # text message body
INTERACTIVE_BODY_LIMIT = 1024  # body of a button or list message
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
BUTTON_ID_LIMIT = 256
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
SECTION_TITLE_LIMIT = 24
LIST_BUTTON_LIMIT = 20

ELLIPSIS = "…"

# Where a long text may be split, best first. Each ends in whitespace, so the
# separator disappears when the pieces are stripped.
_BOUNDARIES = ("\n\n", "\n", ". ", "! ", "? ", "… ", ": ", "; ", ", ", " ")

TEXTS_FILE = Path(__file__).with_name("whatsapp_texts.yml")


@dataclass(frozen=True)
class ChannelTexts:
    """Resident-facing texts of the channel (from whatsapp_texts.yml)."""

    unsupported_message: str
    choose_button: str
    list_section_title: str
    default_body: str


@lru_cache(maxsize=1)
def load_texts(path: Path = TEXTS_FILE) -> ChannelTexts:
    """Read the channel texts once."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ChannelTexts(**{key: str(data[key]).strip() for key in ChannelTexts.__annotations__})


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking a cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def _cut_point(text: str, limit: int) -> int:
    """Index at which to cut ``text`` (longer than ``limit``) into a first piece."""
    for separator in _BOUNDARIES:
        # The separator may end just past the limit: its trailing whitespace is stripped.
        index = text.rfind(separator, 0, limit + 1)
        if index >= limit // 2:
            return index + len(separator)
    return limit


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Split ``text`` into stripped pieces of at most ``limit`` characters.

    Cuts prefer paragraph, line and sentence ends, then word ends; a piece is
    only cut hard when it has no boundary in its second half.
    """
    rest = text.strip()
    pieces: List[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        piece = rest[:cut].strip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def split_for_interactive(text: str) -> Tuple[List[str], str]:
    """Split a text that goes with buttons into leading text messages and a body.

    The body is the last piece of at most ``INTERACTIVE_BODY_LIMIT`` characters;
    everything before it goes out first as ordinary text messages.
    """
    stripped = text.strip()
    if len(stripped) <= INTERACTIVE_BODY_LIMIT:
        return [], stripped
    body = split_text(stripped, INTERACTIVE_BODY_LIMIT)[-1]
    head = stripped[: len(stripped) - len(body)]
    return split_text(head, TEXT_LIMIT), body


def _unique_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Truncate titles and keep them unique (WhatsApp rejects duplicates)."""
    result: List[str] = []
    for position, title in enumerate(titles, start=1):
        short = truncate(title, limit) or str(position)
        if short in result:
            suffix = f" {position}"
            short = truncate(title, limit - len(suffix)) + suffix
        result.append(short)
    return result


def _reply_id(button: Dict[str, Any], limit: int) -> str:
    """The id WhatsApp sends back on a click: the Rasa payload."""
    payload = str(button.get("payload") or button.get("title") or "")
    if len(payload) <= limit:
        return payload
    # A cut payload would be wrong; the title is what a resident would type instead.
    logger.warning("Button payload longer than %d characters; sending its title instead.", limit)
    return str(button.get("title") or "")[:limit]


def _envelope(recipient_id: str, kind: str, content: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient_id,
        "type": kind,
        kind: content,
    }


def text_messages(recipient_id: str, text: str) -> List[Dict[str, Any]]:
    """One or more text messages, each within the 4096-character limit."""
    return [
        _envelope(recipient_id, "text", {"preview_url": False, "body": piece})
        for piece in split_text(text, TEXT_LIMIT)
    ]


def image_message(recipient_id: str, url: str) -> Dict[str, Any]:
    """An image message that WhatsApp fetches from a public URL."""
    return _envelope(recipient_id, "image", {"link": url})


def custom_message(recipient_id: str, content: Dict[str, Any]) -> Dict[str, Any]:
    """A Cloud API message object from a Rasa ``custom`` response (needs a ``type``)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **content,
        "to": recipient_id,
    }


def _reply_buttons(body: str, buttons: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    titles = _unique_titles([str(b.get("title", "")) for b in buttons], BUTTON_TITLE_LIMIT)
    return {
        "type": "button",
        "body": {"text": body},
        "action": {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {"id": _reply_id(button, BUTTON_ID_LIMIT), "title": title},
                }
                for button, title in zip(buttons, titles, strict=True)
            ]
        },
    }


def _list(body: str, buttons: Sequence[Dict[str, Any]], texts: ChannelTexts) -> Dict[str, Any]:
    shown = list(buttons[:MAX_LIST_ROWS])
    if len(buttons) > MAX_LIST_ROWS:
        logger.warning(
            "WhatsApp lists hold at most %d choices; %d were dropped.",
            MAX_LIST_ROWS,
            len(buttons) - MAX_LIST_ROWS,
        )
    full_titles = [" ".join(str(b.get("title", "")).split()) for b in shown]
    titles = _unique_titles(full_titles, ROW_TITLE_LIMIT)
    rows = []
    for button, full, title in zip(shown, full_titles, titles, strict=True):
        row: Dict[str, Any] = {"id": _reply_id(button, ROW_ID_LIMIT), "title": title}
        if title != full:
            # The cut-off title is shown in full (as far as it fits) under the row.
            row["description"] = truncate(full, ROW_DESCRIPTION_LIMIT)
        rows.append(row)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": truncate(texts.choose_button, LIST_BUTTON_LIMIT),
            "sections": [
                {"title": truncate(texts.list_section_title, SECTION_TITLE_LIMIT), "rows": rows}
            ],
        },
    }


def button_messages(
    recipient_id: str,
    text: str,
    buttons: Sequence[Dict[str, Any]],
    texts: ChannelTexts,
) -> List[Dict[str, Any]]:
    """Text with Rasa buttons as WhatsApp messages.

    Up to 3 buttons become reply buttons, more become a list of at most 10 rows
    (further buttons are dropped). A body longer than 1024 characters is split:
    the leading part goes out first as text message(s).
    """
    if not buttons:
        return text_messages(recipient_id, text)
    leading, body = split_for_interactive(text)
    body = body or texts.default_body
    if len(buttons) <= MAX_REPLY_BUTTONS:
        interactive = _reply_buttons(body, buttons)
    else:
        interactive = _list(body, buttons, texts)
    messages = [m for piece in leading for m in text_messages(recipient_id, piece)]
    messages.append(_envelope(recipient_id, "interactive", interactive))
    return messages
