"""Rasa tracker and lock stores configured by URL (OCO_TRACKER_STORE_URL, OCO_LOCK_STORE_URL).

Rasa's own SQL tracker store logs an error and carries on when its database is missing,
after which conversations silently live in memory only. These classes check the
connection first and stop Rasa with a clear message instead.

While Rasa runs, it wraps every tracker store in ``FailSafeTrackerStore``: when the
database goes away later, a turn is answered from an empty in-memory conversation and is
not stored. That cannot be switched off from here; docs/scale.md says what it means.
``StrictSQLTrackerStore`` notes the time of each failure, so the channels can tell the
resident (and answer a crisis message themselves): ``bot.rasa_plugins.store_health``.

Rasa's ``SQLTrackerStore`` turns *any* ValueError during a query into "schema not found"
and exits the whole server; psycopg2 raises ValueError for a NUL byte in a string, so one
REST message with a NUL in its sender stopped Rasa (issue 13, item 1).
``StrictSQLTrackerStore.session_scope`` lets such errors be ordinary query errors.

Rasa's open-source ``RedisLockStore`` reads, changes and writes its ticket lock in three
separate Redis calls, so two instances can take the same ticket and handle two messages
of one conversation at once (tests/integration/test_scale_locks.py shows it). ``RedisQueueLockStore``
issues and grants tickets with atomic Redis scripts instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Generator, Iterator
from urllib.parse import urlsplit

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from bot.ops import logging_privacy
from bot.ops.settings import redacted
from bot.rasa_plugins import rasa_speedups
from bot.rasa_plugins.store_health import note_tracker_store_failure, tracker_store_failed_since

logger = logging.getLogger(__name__)

# Every Rasa server process loads this module (endpoints.yml), so the measured speed-up
# for custom action calls is installed here (bot/rasa_plugins/rasa_speedups.py, docs/scale.md), and
# so is the log filter that masks personal data (bot/ops/logging_privacy.py).
rasa_speedups.install()
logging_privacy.install()

__all__ = ["tracker_store_failed_since"]


class StoreUnavailable(RuntimeError):
    """A configured store cannot be used; the message never contains a password."""


def check_database(url: str) -> None:
    """Connect once; raise StoreUnavailable when the database is missing or unreachable."""
    try:
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        raise StoreUnavailable(
            f"De tracker store database {redacted(url)} is niet bereikbaar of bestaat niet "
            f"({type(error).__name__}). Controleer OCO_TRACKER_STORE_URL."
        ) from None


class StrictSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore from one SQLAlchemy URL that refuses to start without its database."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: Any = None,
        **kwargs: Any,
    ) -> None:
        url = (host or "").strip()
        if "://" not in url:
            raise StoreUnavailable("OCO_TRACKER_STORE_URL moet een SQLAlchemy-URL zijn.")
        check_database(url)
        logger.info("Tracker store: %s", redacted(url))
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Any, None, None]:
        """Like Rasa's, but a ValueError in a query is an error of that query, not an exit."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError:
                raise StoreUnavailable(
                    "Het PostgreSQL-schema van de tracker store bestaat niet (POSTGRESQL_SCHEMA)."
                ) from None
            yield session
        finally:
            session.close()

    async def retrieve(self, sender_id: str) -> Any:
        try:
            return await super().retrieve(sender_id)
        except Exception:
            note_tracker_store_failure()
            raise

    async def retrieve_full_tracker(self, conversation_id: str) -> Any:
        try:
            return await super().retrieve_full_tracker(conversation_id)
        except Exception:
            note_tracker_store_failure()
            raise

    async def save(self, tracker: Any) -> None:
        try:
            await super().save(tracker)
        except Exception:
            note_tracker_store_failure()
            raise

    async def stream_events(self, tracker: Any) -> None:
        """Published from ``_additional_events`` instead (see there)."""
        return None

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Any]:
        """The events to store, also handed to the event broker (the analytics counts).

        Rasa's ``stream_events`` reads the whole conversation from the database a second
        time on every save only to find these same new events; profiling showed ~11 % of
        the server's CPU time there. The events and their order are the same.
        """
        events = list(super()._additional_events(session, tracker))
        if self.event_broker is not None:
            for event in events:
                self.event_broker.publish({"sender_id": tracker.sender_id, **event.as_dict()})
        return iter(events)


# KEYS: ticket counter, queue (sorted set). ARGV: alive-key prefix, lifetime ms, keep ms.
_ISSUE_LUA = """
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ticket, ticket)
redis.call('SET', ARGV[1] .. ticket, '1', 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return ticket
"""

# KEYS: queue. ARGV: alive-key prefix, own ticket, lifetime ms.
# 1 = own turn (the holder's lifetime starts now), 0 = wait, -1 = own ticket is gone.
# Tickets at the head whose holder died (alive key expired) are dropped.
_ACQUIRE_LUA = """
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #head == 0 then return -1 end
  if head[1] == ARGV[2] then
    redis.call('SET', ARGV[1] .. ARGV[2], '1', 'PX', ARGV[3])
    return 1
  end
  if redis.call('EXISTS', ARGV[1] .. head[1]) == 0 then
    redis.call('ZREM', KEYS[1], head[1])
  else
    if redis.call('PEXPIRE', ARGV[1] .. ARGV[2], ARGV[3]) == 0 then return -1 end
    return 0
  end
end
"""


class RedisQueueLockStore(LockStore):
    """A first-come-first-served lock per conversation in Redis, safe across instances.

    Each message takes a ticket from an atomic counter and waits until its ticket is at
    the head of the conversation's queue. A holder that dies is skipped once its lifetime
    (Rasa's TICKET_LOCK_LIFETIME, default 60 s) has passed. Keys hold a hash of the
    conversation id: WhatsApp conversation ids are phone numbers.
    """

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        key_prefix: str = "oco:lock:",
        poll_interval_s: float = 0.01,
        endpoint_config: EndpointConfig | None = None,
    ) -> None:
        import redis
        import redis.asyncio as aioredis

        if endpoint_config is not None:
            url = endpoint_config.url or url
            key_prefix = endpoint_config.kwargs.get("key_prefix", key_prefix)
        self.url = url
        self.key_prefix = key_prefix
        self.poll_interval_s = poll_interval_s
        self.red = redis.Redis.from_url(url, socket_timeout=5)
        self._aio = aioredis.from_url(url, socket_timeout=5)
        self._issue = self._aio.register_script(_ISSUE_LUA)
        self._acquire = self._aio.register_script(_ACQUIRE_LUA)
        super().__init__()

    def _keys(self, conversation_id: str) -> tuple[str, str, str]:
        digest = hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:32]
        base = f"{self.key_prefix}{digest}"
        return f"{base}:seq", f"{base}:queue", f"{base}:alive:"

    def ping(self) -> None:
        self.red.ping()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock; raises LockError after twice the lifetime of waiting."""
        seq, queue, alive = self._keys(conversation_id)
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        ticket = int(await self._issue(keys=[seq, queue], args=[alive, lifetime_ms, lifetime_ms * 10]))
        try:
            deadline = time.monotonic() + 2 * lock_lifetime
            while True:
                state = int(await self._acquire(keys=[queue], args=[alive, ticket, lifetime_ms]))
                if state == 1:
                    break
                if state == -1 or time.monotonic() > deadline:
                    raise LockError(f"Could not acquire the lock for a conversation (ticket {ticket}).")
                await asyncio.sleep(self.poll_interval_s)
            yield TicketLock(conversation_id)
        finally:
            await self._release(queue, alive, ticket)

    async def _release(self, queue: str, alive: str, ticket: int) -> None:
        try:
            async with self._aio.pipeline(transaction=True) as pipe:
                await pipe.zrem(queue, ticket).delete(f"{alive}{ticket}").execute()
        except Exception as error:  # the ticket then expires by itself
            logger.warning("Lock release failed (%s).", type(error).__name__)


class LockStoreFromUrl(LockStore):
    """Factory: in-memory locks for an empty URL, Redis locks for ``redis://host:port/db``."""

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:  # type: ignore[misc]
        url = (endpoint_config.url or "").strip()
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise StoreUnavailable("OCO_LOCK_STORE_URL moet leeg zijn of met redis:// beginnen.")
        store = RedisQueueLockStore(url)
        try:
            store.ping()
        except Exception as error:
            raise StoreUnavailable(
                f"De Redis lock store op {parts.hostname}:{parts.port or 6379} is niet "
                f"bereikbaar ({type(error).__name__}). Controleer OCO_LOCK_STORE_URL."
            ) from None
        return store
