"""When did this process's tracker store last fail? (read by the channels; no Rasa imports).

``bot.rasa_plugins.stores.StrictSQLTrackerStore`` notes each failure; Rasa's ``FailSafeTrackerStore``
then answers from an empty in-memory conversation, and the channels use
:func:`tracker_store_failed_since` to tell the resident and, for a crisis message, give the
crisis numbers themselves (bot/ops/gate/safety_net.py).
"""

from __future__ import annotations

import time

_last_failure = float("-inf")


def note_tracker_store_failure() -> None:
    """Remember that the tracker store failed just now (time.monotonic())."""
    global _last_failure
    _last_failure = time.monotonic()


def tracker_store_failed_since(started: float) -> bool:
    """True when the tracker store of this process failed at or after ``started``
    (a time.monotonic() value)."""
    return _last_failure >= started
