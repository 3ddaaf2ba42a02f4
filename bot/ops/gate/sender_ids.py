"""Sender ids and conversation ids per channel (issue 13, items 1 and 3; docs/security.md).

A client chooses its own sender id on the REST webhook and in the web widget, so the
server never lets that id reach a conversation of another channel:

| channel | client sends | Rasa conversation id (``tracker.sender_id``) |
| --- | --- | --- |
| REST webhook | ``abc123`` | ``abc123`` (unchanged, so ``/conversations/abc123/...`` keeps working) |
| web widget (chat proxy) | ``abc123`` | ``web:abc123`` |
| staff test page (chat proxy) | ``stafftest-1f2e`` | ``stafftest-1f2e`` |
| WhatsApp | wa_id ``31612345678`` | ``whatsapp:31612345678`` |

REST ids may not contain ``:`` and may not start with ``stafftest-``: those shapes are
reserved for ids the server makes, so no REST client can name them. Only the web app's
chat proxy, which proves itself with a shared secret (bot/ops/gate/proxy_auth.py), makes
``web:`` and ``stafftest-`` ids; only the signed WhatsApp webhook makes ``whatsapp:`` ids.

All ids are short printable ASCII: no NUL byte or other control character ever reaches
the tracker store (a NUL made Rasa exit with PostgreSQL).
"""

from __future__ import annotations

import re
from typing import Any

from bot.domain.vocabulary import CHANNELS, REST, WEB, WHATSAPP  # noqa: F401  (CHANNELS, REST: re-exported)
from bot.domain.vocabulary import STAFF_TEST_SENDER_PREFIX as STAFF_TEST_PREFIX

# A REST sender: 1-128 characters, no ':' (reserved for namespaces), no whitespace.
REST_SENDER_MAX = 128
_REST_SENDER_RE = re.compile(r"[A-Za-z0-9_.@+=-]{1,128}")
# The widget makes its ids itself (bot/webapp/static): 1-64 of [A-Za-z0-9_-].
_WEB_SENDER_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_STAFF_TEST_RE = re.compile(re.escape(STAFF_TEST_PREFIX) + r"[A-Za-z0-9_-]{1,54}")
# WhatsApp ids are phone numbers in international format without '+' (E.164: max 15 digits).
_WHATSAPP_ID_RE = re.compile(r"[1-9][0-9]{5,14}")


def valid_rest_sender(value: Any) -> bool:
    """True for an acceptable REST ``sender``: 1-128 of ``A-Z a-z 0-9 _ . @ + = -``,
    not starting with the reserved ``stafftest-`` (any case)."""
    return (
        isinstance(value, str)
        and _REST_SENDER_RE.fullmatch(value) is not None
        and not value.lower().startswith(STAFF_TEST_PREFIX)
    )


def valid_web_sender(value: Any) -> bool:
    """True for a widget sender id: 1-64 of ``A-Z a-z 0-9 _ -``."""
    return isinstance(value, str) and _WEB_SENDER_RE.fullmatch(value) is not None


def is_staff_test_sender(value: Any) -> bool:
    """True for a staff test page id (``stafftest-`` + up to 54 of ``A-Z a-z 0-9 _ -``)."""
    return isinstance(value, str) and _STAFF_TEST_RE.fullmatch(value) is not None


def valid_whatsapp_id(value: Any) -> bool:
    """True for a WhatsApp ``wa_id``: 6-15 digits, no leading zero or '+'."""
    return isinstance(value, str) and _WHATSAPP_ID_RE.fullmatch(value) is not None


def web_conversation_id(sender: str) -> str:
    """``web:<sender>`` for the widget (also when it looks like a staff test id)."""
    return f"{WEB}:{sender}"


def whatsapp_conversation_id(wa_id: str) -> str:
    """``whatsapp:<wa_id>``."""
    return f"{WHATSAPP}:{wa_id}"


def whatsapp_number(wa_id: str) -> str:
    """The resident's number in E.164 (``+31612345678``) from a valid ``wa_id``."""
    return "+" + wa_id
