"""Data retention (AVG): remove old intakes and old conversation events.

Conversations live in Rasa's SQLTrackerStore: table `events` with columns id,
sender_id, type_name, timestamp (epoch seconds), intent_name, action_name, data.
Run `python -m bot.retention` (e.g. daily from cron); it prints counts only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import column, delete, inspect, table
from sqlalchemy.engine import Engine

from bot.intake.db import make_engine
from bot.intake.store import IntakeStore
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)

EVENTS_TABLE = "events"
_events = table(EVENTS_TABLE, column("sender_id"), column("timestamp"))


def _has_events_table(engine: Engine) -> bool:
    return inspect(engine).has_table(EVENTS_TABLE)


def delete_conversation(tracker_store_url: str, sender_id: str) -> int:
    """Delete every tracker event of one conversation; return how many were removed."""
    engine = make_engine(tracker_store_url, wal=False)
    try:
        if not _has_events_table(engine):
            return 0
        with engine.begin() as conn:
            removed = conn.execute(delete(_events).where(_events.c.sender_id == sender_id))
            return removed.rowcount
    finally:
        engine.dispose()


def purge_conversation_events(tracker_store_url: str, cutoff: datetime) -> int:
    """Delete tracker events older than `cutoff`; return how many were removed."""
    engine = make_engine(tracker_store_url, wal=False)
    try:
        if not _has_events_table(engine):
            return 0
        with engine.begin() as conn:
            removed = conn.execute(delete(_events).where(_events.c.timestamp < cutoff.timestamp()))
            return removed.rowcount
    finally:
        engine.dispose()


def purge(settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """Apply both retention periods; return the number of removed rows per kind."""
    now = now or datetime.now(timezone.utc)
    store = IntakeStore(settings.database_url)
    try:
        counts = store.purge_created_before(now - timedelta(days=settings.intake_retention_days))
    finally:
        store.dispose()
    counts["conversation_events"] = purge_conversation_events(
        settings.tracker_store_url, now - timedelta(days=settings.conversation_retention_days)
    )
    log.info("retention purge: %s", counts)
    return counts


def main() -> int:
    print(json.dumps(purge(load_settings()), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
