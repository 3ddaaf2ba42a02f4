"""Limits against abuse: message length and per-sender rate limiting (token bucket).

The rate limiter is in-memory for one process, or shared through Redis when
OCO_LOCK_STORE_URL points at Redis (several instances then count together). Sender ids
can be phone numbers, so Redis only ever sees a keyed hash of them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import yaml

from bot.ops.settings import Settings

logger = logging.getLogger(__name__)

TEXTS_FILE = Path(__file__).with_name("limits_texts.yml")
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|sec|s|minute|min|m|hour|h)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
MAX_MEMORY_KEYS = 100_000
DEFAULT_RATE = "60/minute"


@dataclass(frozen=True)
class Rate:
    """``count`` messages per ``period_s`` seconds, with bursts up to ``count``."""

    count: int
    period_s: float

    @property
    def per_second(self) -> float:
        return self.count / self.period_s


def parse_rate(value: str) -> Rate | None:
    """'20/minute', '5/10s', '100/hour' -> Rate; '', 'off' or '0/...' -> None (no limit)."""
    text = (value or "").strip().lower()
    if text in ("", "off", "none", "0"):
        return None
    match = _RATE_RE.match(text)
    if not match:
        raise ValueError(f"OCO_RATE_LIMIT {value!r}: expected e.g. '20/minute'")
    count, multiplier, unit = int(match[1]), int(match[2] or 1), match[3].lower()
    if count <= 0:
        return None
    return Rate(count, float(multiplier * _UNIT_SECONDS[unit]))


def is_too_long(text: str | None, settings: Settings) -> bool:
    """True when a message is longer than OCO_MAX_MESSAGE_LENGTH characters."""
    return text is not None and len(text) > settings.max_message_length


def limit_texts() -> dict[str, str]:
    """Resident-facing texts for the limits (Dutch, B1)."""
    with TEXTS_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _key(sender: str) -> str:
    """A hash of the sender id: phone numbers never reach Redis or memory dumps as text."""
    return hashlib.sha256(("oco-rate:" + sender).encode("utf-8")).hexdigest()[:32]


class RateLimiter(Protocol):
    async def allow(self, sender: str) -> bool: ...


class NoRateLimit:
    """Used when OCO_RATE_LIMIT is 'off'."""

    async def allow(self, sender: str) -> bool:
        return True


class MemoryRateLimiter:
    """Token bucket per sender in this process; the oldest senders are forgotten first."""

    def __init__(self, rate: Rate, clock: Any = time.monotonic, max_keys: int = MAX_MEMORY_KEYS) -> None:
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def allow(self, sender: str) -> bool:
        key, now = _key(sender), self.clock()
        tokens, last = self._buckets.pop(key, (float(self.rate.count), now))
        tokens = min(float(self.rate.count), tokens + (now - last) * self.rate.per_second)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed


# Atomic token bucket: KEYS[1] hash {tokens, ts}; ARGV capacity, refill/s, now (s).
_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return allowed
"""


class RedisRateLimiter:
    """Token bucket per sender in Redis, shared by every instance.

    When Redis does not answer, messages are let through (a warning is logged): residents
    must not be locked out because a limiter is down.
    """

    def __init__(self, rate: Rate, url: str, prefix: str = "oco:rate:") -> None:
        import redis.asyncio as aioredis

        self.rate = rate
        self.prefix = prefix
        self.client = aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._script = self.client.register_script(_BUCKET_LUA)

    async def allow(self, sender: str) -> bool:
        try:
            allowed = await self._script(
                keys=[self.prefix + _key(sender)],
                args=[self.rate.count, self.rate.per_second, time.time()],
            )
        except Exception as error:
            logger.warning("Rate limiter: Redis not available (%s); message allowed.", type(error).__name__)
            return True
        return bool(int(allowed))


def redis_url_from_lock_store(url: str) -> str | None:
    """The Redis URL when OCO_LOCK_STORE_URL is redis:// or rediss://, else None."""
    url = (url or "").strip()
    return url if urlsplit(url).scheme in ("redis", "rediss") else None


def rate_limiter_from_settings(settings: Settings) -> RateLimiter:
    """No limit, Redis-backed (several instances) or in-memory, from the settings."""
    try:
        rate = parse_rate(settings.rate_limit)
    except ValueError:
        logger.error("OCO_RATE_LIMIT is not understood (e.g. '20/minute'); using %s.", DEFAULT_RATE)
        rate = parse_rate(DEFAULT_RATE)
    if rate is None:
        return NoRateLimit()
    redis_url = redis_url_from_lock_store(settings.lock_store_url)
    if redis_url:
        return RedisRateLimiter(rate, redis_url)
    return MemoryRateLimiter(rate)
