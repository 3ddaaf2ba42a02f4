"""Rasa tracker and lock stores configured by URL (OCO_TRACKER_STORE_URL, OCO_LOCK_STORE_URL).

Rasa's own SQL tracker store logs an error and carries on when its database is missing,
after which conversations silently live in memory only. These classes check the
connection first and stop Rasa with a clear message instead.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """A configured store cannot be used; the message never contains a password."""


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("://", 1)[0] + "://..."


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


class LockStoreFromUrl(LockStore):
    """Factory: in-memory locks for an empty URL, Redis locks for ``redis://host:port/db``."""

    def __new__(cls, endpoint_config: EndpointConfig) -> LockStore:  # type: ignore[misc]
        url = (endpoint_config.url or "").strip()
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise StoreUnavailable("OCO_LOCK_STORE_URL moet leeg zijn of met redis:// beginnen.")
        store = RedisLockStore(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            db=int(parts.path.strip("/") or 0),
            password=unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "rediss",
        )
        try:
            store.red.ping()
        except Exception as error:
            raise StoreUnavailable(
                f"De Redis lock store op {parts.hostname}:{parts.port or 6379} is niet "
                f"bereikbaar ({type(error).__name__}). Controleer OCO_LOCK_STORE_URL."
            ) from None
        return store
