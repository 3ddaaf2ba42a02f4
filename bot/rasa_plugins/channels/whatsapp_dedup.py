"""Remember which WhatsApp message ids were handled, so retried deliveries are dropped.

Meta re-delivers a webhook when it did not get a quick 200. The interface is one
coroutine so a shared store (e.g. Redis ``SET key 1 NX EX ttl``) can replace the
in-memory one when several Rasa instances run.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable, Protocol


class MessageIdCache(Protocol):
    """Store of recently seen message ids."""

    async def add_if_new(self, message_id: str) -> bool:
        """Record ``message_id``; True when it had not been seen (within the TTL)."""
        ...


class InMemoryMessageIdCache:
    """A TTL + LRU set of message ids for a single process."""

    def __init__(
        self,
        ttl_seconds: float = 24 * 3600,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_size = max_size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest, stamp = next(iter(self._seen.items()))
            if now - stamp < self._ttl and len(self._seen) <= self._max_size:
                return
            del self._seen[oldest]

    async def add_if_new(self, message_id: str) -> bool:
        now = self._clock()
        self._expire(now)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now
        self._expire(now)
        return True
