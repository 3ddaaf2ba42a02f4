"""Reduce Rasa events to anonymous counter increments.

Rasa publishes every tracker event as a dict with the sender id. The reducer keeps a
small in-memory state per sender (municipality, channel, the pending form question) so
that counts can be attributed; that state never leaves the process and is forgotten
after `idle_seconds`. Only values from the whitelists in `bot.ops.analytics.vocabulary`
are ever returned.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.catalogue import UNKNOWN
from bot.domain.vocabulary import CHANNELS, INPUT_CHANNEL_NAMES, ROUTE_KINDS, STAFF_TEST_SENDER_PREFIX
from bot.ops.analytics import vocabulary as v

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
MAX_SENDERS = 20_000
IDLE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Increment:
    """One counter to raise by one: (day, municipality, channel, metric, key)."""

    day: date
    gemeente: str
    channel: str
    metric: str
    key: str = ""


@dataclass
class _SenderState:
    gemeente: str = UNKNOWN
    gemeente_from_slot: bool = False
    channel: str = v.OTHER
    active_loop: str | None = None
    requested_slot: str | None = None
    new_session: bool = False
    counted_domains: set[str] = field(default_factory=set)
    reference_this_turn: bool = False
    consent_this_turn: bool = False
    staff_test: bool = False
    last_seen: float = 0.0


def event_day(event: dict[str, Any]) -> date:
    """The local (Dutch) calendar day of an event."""
    stamp = event.get("timestamp")
    moment = (
        datetime.fromtimestamp(stamp, tz=timezone.utc)
        if isinstance(stamp, (int, float))
        else datetime.now(timezone.utc)
    )
    return moment.astimezone(LOCAL_TZ).date()


class EventReducer:
    """Turns a stream of Rasa event dicts into `Increment`s (not thread-safe: one loop)."""

    def __init__(
        self,
        vocabulary: v.Vocabulary | None = None,
        max_senders: int = MAX_SENDERS,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.vocabulary = vocabulary or v.default_vocabulary()
        self.max_senders = max_senders
        self.idle_seconds = idle_seconds
        self._senders: OrderedDict[str, _SenderState] = OrderedDict()

    # --- sender state --------------------------------------------------------------

    def _state(self, sender: str) -> _SenderState:
        now = time.monotonic()
        state = self._senders.pop(sender, None)
        if state is None or now - state.last_seen > self.idle_seconds:
            state = _SenderState(staff_test=sender.startswith(STAFF_TEST_SENDER_PREFIX))
        state.last_seen = now
        self._senders[sender] = state  # most recent last
        while len(self._senders) > self.max_senders:
            self._senders.popitem(last=False)
        return state

    def tracked_senders(self) -> int:
        """How many senders are held in memory (for tests and monitoring)."""
        return len(self._senders)

    # --- reduction -----------------------------------------------------------------

    def reduce(self, event: dict[str, Any]) -> list[Increment]:
        """The counters one event raises (often none)."""
        sender = event.get("sender_id")
        kind = event.get("event")
        if not isinstance(sender, str) or not isinstance(kind, str):
            return []
        state = self._state(sender)
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:
            return []
        found: list[tuple[str, str]] = handler(state, event) or []
        if state.staff_test or not found:
            return []
        day = event_day(event)
        return [Increment(day, state.gemeente, state.channel, m, k) for m, k in found]

    def _apply_metadata(self, state: _SenderState, metadata: Any, input_channel: Any) -> None:
        metadata = metadata if isinstance(metadata, dict) else {}
        if metadata.get("staff_test") is True:
            state.staff_test = True
        channel = metadata.get("channel")
        if channel in CHANNELS:
            state.channel = channel
        elif state.channel == v.OTHER and isinstance(input_channel, str):
            state.channel = INPUT_CHANNEL_NAMES.get(input_channel, v.OTHER)
        slug = self.vocabulary.gemeente(metadata.get("gemeente"))
        if slug and slug != UNKNOWN and not state.gemeente_from_slot:
            state.gemeente = slug

    def _form_exit(self, state: _SenderState) -> list[tuple[str, str]]:
        key = self.vocabulary.form_slot(state.active_loop, state.requested_slot)
        return [(v.FORM_EXITS, key)] if key else []

    def _on_session_started(self, state: _SenderState, _event: dict) -> list[tuple[str, str]]:
        found = self._form_exit(state)
        state.active_loop = state.requested_slot = None
        state.counted_domains = set()
        state.reference_this_turn = False
        state.new_session = True
        return found

    def _on_restart(self, state: _SenderState, _event: dict) -> list[tuple[str, str]]:
        state.active_loop = state.requested_slot = None
        return []

    def _on_user(self, state: _SenderState, event: dict) -> list[tuple[str, str]]:
        self._apply_metadata(state, event.get("metadata"), event.get("input_channel"))
        state.consent_this_turn = False
        found: list[tuple[str, str]] = []
        if state.new_session:
            state.new_session = False
            found.append((v.CONVERSATIONS, ""))
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        name = self.vocabulary.intent(intent)
        if name:
            found.append((v.INTENTS, name))
        state.reference_this_turn = False
        return found

    def _on_slot(self, state: _SenderState, event: dict) -> list[tuple[str, str]]:
        name, value = event.get("name"), event.get("value")
        if name == "session_started_metadata":
            self._apply_metadata(state, value, None)
        elif name == "gemeente":
            slug = self.vocabulary.gemeente(value)
            if slug and slug != UNKNOWN:
                state.gemeente, state.gemeente_from_slot = slug, True
        elif name == "requested_slot":
            state.requested_slot = value if isinstance(value, str) else None
        elif name == "intake_reference":
            state.reference_this_turn = bool(value)
        elif name == "consent_at" and value:
            # Consent is a question of the intake form: its time is set once per "ja".
            return self._consent(state)
        elif name == "route_kind" and value in ROUTE_KINDS:
            return [(v.ROUTES, value)]
        elif name == "life_domains" and isinstance(value, list):
            new = [d for d in value if d in self.vocabulary.life_domains
                   and d not in state.counted_domains]
            state.counted_domains.update(new)
            return [(v.LIFE_DOMAINS_METRIC, d) for d in new]
        return []

    @staticmethod
    def _consent(state: _SenderState) -> list[tuple[str, str]]:
        """One consent per turn, however many events say so."""
        if state.consent_this_turn:
            return []
        state.consent_this_turn = True
        return [(v.HANDOVER, v.CONSENT)]

    def _on_active_loop(self, state: _SenderState, event: dict) -> list[tuple[str, str]]:
        name = event.get("name")
        state.active_loop = name if name in self.vocabulary.forms else None
        if state.active_loop is None:
            state.requested_slot = None
        return []

    def _on_action(self, state: _SenderState, event: dict) -> list[tuple[str, str]]:
        name = event.get("name")
        if name == "action_handle_fallback":
            return [(v.FALLBACKS, "")]
        if name == "action_crisis_response":
            return [(v.CRISIS, "")]
        if name in ("action_start_handover", "action_ask_consent"):
            return [(v.HANDOVER, v.OFFERED)]
        if name == "action_start_intake":  # conversations stored before consent became a form question
            return self._consent(state)
        if name == "action_intake_done" and state.reference_this_turn:
            state.reference_this_turn = False
            return [(v.HANDOVER, v.COMPLETED)]
        if name == "action_stop_form":
            return self._form_exit(state)
        return []
