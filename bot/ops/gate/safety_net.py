"""The channel layer's own crisis answer, for when the bot itself cannot answer (issue 11.3).

When Redis (the lock store), the tracker store or the action server is down, or Rasa
does not answer, a resident who writes "ik wil niet meer leven" must still get the
crisis numbers first, not "Sorry, dat begreep ik niet goed". Every channel (REST,
WhatsApp, the web app's chat proxy) then runs the keyword net of ``bot.domain.safety`` on the
message itself and answers with ``bot.domain.safety.crisis_reply_texts(signal)``; the fault
text with a phone route follows. The same happens when a message is over the rate or
length limit: a crisis message is never refused.

Nothing here logs the message or the kind of crisis.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

from bot.domain import safety
from bot.ops.gate.limits import limit_texts

logger = logging.getLogger(__name__)


def crisis_texts(text: str | None) -> list[str]:
    """The crisis answer for a message, most urgent first; ``[]`` when there is no signal.

    Uses ``bot.domain.safety.detect_crisis`` and ``bot.domain.safety.crisis_reply_texts``; when the
    latter is missing or fails, the national numbers from ``limits_texts.yml``
    (``crisis_fallback``). Never raises.
    """
    if not text:
        return []
    try:
        signal = safety.detect_crisis(text)
    except Exception as error:  # a broken detector must not take the fault answer down
        logger.error("Crisis detection failed in the channel: %s", type(error).__name__)
        return []
    if signal is None:
        return []
    reply = getattr(safety, "crisis_reply_texts", None)
    if reply is not None:
        try:
            found = [t for t in reply(signal) if isinstance(t, str) and t.strip()]
        except Exception as error:
            logger.error("crisis_reply_texts failed in the channel: %s", type(error).__name__)
            found = []
        if found:
            return found
    return [limit_texts()["crisis_fallback"]]


def already_answered(messages: Iterable[dict[str, Any]], crisis: list[str]) -> bool:
    """True when every crisis text is already among the bot's messages (no repeat needed)."""
    sent = {str(m.get("text") or "").strip() for m in messages}
    return bool(crisis) and all(text.strip() in sent for text in crisis)
