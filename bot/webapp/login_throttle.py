"""Throttling of failed staff logins per client address (issue 13, item 11).

After `max_failures` wrong codes from one address within `window_s` seconds, that
address may not try again until the oldest failure has left the window. A correct code
clears the address. Kept in the memory of the web app process: with several web app
instances each counts for itself (the limit per instance still stops guessing: a 43-
character token cannot be guessed in a few attempts per quarter of an hour).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque

MAX_FAILURES = 5
WINDOW_S = 15 * 60
MAX_ADDRESSES = 10_000  # memory bound: the oldest addresses are forgotten first


class LoginThrottle:
    """Failed attempts per address in a sliding window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.get(address)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[address]
        return times

    def wait_seconds(self, address: str, now: float | None = None) -> int:
        """0 when `address` may try now, else the whole seconds until it may."""
        now = time.monotonic() if now is None else now
        times = self._recent(address, now)
        if len(times) < self.max_failures:
            return 0
        return max(1, math.ceil(times[0] + self.window_s - now))

    def failed(self, address: str, now: float | None = None) -> None:
        """Count one wrong code from `address`."""
        now = time.monotonic() if now is None else now
        times = self._recent(address, now)
        times.append(now)
        self._failures[address] = times
        self._failures.move_to_end(address)
        while len(self._failures) > MAX_ADDRESSES:
            self._failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        """A correct code: forget the address's failures."""
        self._failures.pop(address, None)
