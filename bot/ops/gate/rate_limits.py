"""Rate limiters per client address and per conversation (OCO_RATE_LIMIT_ADDRESS, OCO_RATE_LIMIT).

Both use ``bot.ops.gate.limits`` (a token bucket in memory, or in Redis when OCO_LOCK_STORE_URL is
Redis, so every instance counts together). Keys are hashed there: addresses and phone
numbers never reach Redis as text. Where the limits apply: docs/security.md.
"""

from __future__ import annotations

import logging

from bot.ops.gate.limits import (
    DEFAULT_RATE,
    MemoryRateLimiter,
    NoRateLimit,
    RateLimiter,
    RedisRateLimiter,
    parse_rate,
    rate_limiter_from_settings,
    redis_url_from_lock_store,
)
from bot.ops.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_ADDRESS_RATE = "120/minute"


def conversation_limiter(settings: Settings) -> RateLimiter:
    """Messages per conversation (OCO_RATE_LIMIT, default 60/minute)."""
    return rate_limiter_from_settings(settings)


def address_limiter(settings: Settings) -> RateLimiter:
    """Messages per client address (OCO_RATE_LIMIT_ADDRESS, default 120/minute)."""
    text = getattr(settings, "rate_limit_address", DEFAULT_ADDRESS_RATE)
    try:
        rate = parse_rate(text)
    except ValueError:
        logger.error("OCO_RATE_LIMIT_ADDRESS is not understood (e.g. '120/minute'); using %s.",
                     DEFAULT_ADDRESS_RATE)
        rate = parse_rate(DEFAULT_ADDRESS_RATE)
    if rate is None:
        return NoRateLimit()
    redis_url = redis_url_from_lock_store(settings.lock_store_url)
    if redis_url:
        return RedisRateLimiter(rate, redis_url, prefix="oco:rate-addr:")
    return MemoryRateLimiter(rate)


__all__ = ["DEFAULT_RATE", "address_limiter", "conversation_limiter"]
