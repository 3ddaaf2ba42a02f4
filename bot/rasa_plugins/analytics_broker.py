"""A Rasa event broker that keeps only anonymous counters.

Configured in endpoints.yml::

    event_broker:
      type: bot.rasa_plugins.analytics_broker.AnalyticsEventBroker
      url: ${OCO_DATABASE_URL}

`publish` runs inside Rasa for every event, so it only reduces the event in memory
(bot/ops/analytics/reducer.py) and schedules a batched write a few seconds later in a
worker thread. It never raises into Rasa: errors are logged by class name only, because
driver messages could quote values.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from asyncio import AbstractEventLoop
from collections import Counter
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.ops.analytics.reducer import EventReducer, Increment
from bot.ops.analytics.store import AnalyticsStore
from bot.ops.settings import load_settings

logger = logging.getLogger(__name__)

FLUSH_DELAY_SECONDS = 2.0
MAX_PENDING_KEYS = 50_000  # counters kept while the database is unreachable


class AnalyticsEventBroker(EventBroker):
    """Reduces Rasa events to counters in oco_stats_counts."""

    def __init__(
        self,
        store: AnalyticsStore,
        reducer: EventReducer | None = None,
        flush_delay: float = FLUSH_DELAY_SECONDS,
    ) -> None:
        self.store = store
        self.reducer = reducer or EventReducer()
        self.flush_delay = flush_delay
        self._pending: Counter[Increment] = Counter()
        self._lock = threading.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._writing: asyncio.Future | None = None

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: AbstractEventLoop | None = None,
    ) -> AnalyticsEventBroker:
        """The broker for endpoints.yml; without a url it uses OCO_DATABASE_URL's default."""
        url = (getattr(broker_config, "url", None) or "").strip() or load_settings().database_url
        broker = cls(AnalyticsStore(url))
        try:
            broker.store.ensure_schema()
        except Exception as exc:  # the bot must work without analytics; retried on flush
            logger.warning("analytics: database not ready (%s)", type(exc).__name__)
        return broker

    def publish(self, event: dict[str, Any]) -> None:
        """Count one event; cheap, and never raises."""
        try:
            found = self.reducer.reduce(event)
            if not found:
                return
            with self._lock:
                self._pending.update(found)
            self._schedule_flush()
        except Exception as exc:
            logger.warning("analytics: event not counted (%s)", type(exc).__name__)

    def is_ready(self) -> bool:
        return True

    def _schedule_flush(self) -> None:
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside an event loop: write now
            self.flush()
            return
        self._timer = loop.call_later(self.flush_delay, self._start_flush, loop)

    def _start_flush(self, loop: AbstractEventLoop) -> None:
        self._timer = None
        self._writing = loop.run_in_executor(None, self.flush)

    def flush(self) -> int:
        """Write the pending counters; returns how many counters were written."""
        with self._lock:
            batch, self._pending = self._pending, Counter()
        if not batch:
            return 0
        try:
            self.store.add(batch)
        except Exception as exc:
            logger.warning("analytics: counters not stored yet (%s)", type(exc).__name__)
            with self._lock:
                if len(self._pending) + len(batch) <= MAX_PENDING_KEYS:
                    self._pending.update(batch)
            return 0
        return len(batch)

    async def close(self) -> None:
        """Write what is pending and release the database connections."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writing is not None:
            try:
                await self._writing
            except Exception as exc:
                logger.warning("analytics: flush failed (%s)", type(exc).__name__)
        await asyncio.get_running_loop().run_in_executor(None, self.flush)
        self.store.dispose()
