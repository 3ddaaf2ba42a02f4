"""What a resident's message may carry into the bot, the intake e-mail and the logs.

Every channel passes message text through :func:`clean_message` before Rasa sees it:
line breaks, NUL and other control characters become a single space (so no client
value can forge a line in the intake e-mail or in a log), and invisible direction
overrides (used to disguise text) are removed. Letters, digits, punctuation and emoji
stay as they are.
"""

from __future__ import annotations

import re

# C0 and C1 controls (tab, CR, LF, NUL, ...), DEL, and the Unicode line/paragraph separators.
_BREAKS_RE = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029]+")
# Bidirectional overrides/isolates and the byte-order mark: invisible, only used to disguise.
_INVISIBLE_RE = re.compile("[\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES_RE = re.compile(r"[ ]{2,}")


def clean_message(text: str) -> str:
    """The message with control characters replaced by one space, stripped.

    ``"ik heb\\r\\nKanaal: web"`` -> ``"ik heb Kanaal: web"``; ``"\\x00"`` -> ``""``.
    """
    text = _BREAKS_RE.sub(" ", text)
    text = _INVISIBLE_RE.sub("", text)
    return _SPACES_RE.sub(" ", text).strip()


def is_encodable(text: str) -> bool:
    """False for text with lone surrogates (``"\\ud800"`` is valid JSON, but not UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

