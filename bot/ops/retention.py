"""Data retention and erasure (AVG): old intakes, old conversations, one intake on request.

- `purge`: intakes older than OCO_INTAKE_RETENTION_DAYS (default 90) with their outbox
  rows, conversation events older than OCO_CONVERSATION_RETENTION_DAYS (default 28),
  access-log entries older than ACCESS_LOG_RETENTION_DAYS and expired staff sessions.
- `run_retention_schedule`: runs `purge` inside the web app, every hour (so the deletion
  promise holds without cron); `oco purge` runs it once by hand.
- `erase_intake`: delete one intake and its conversation, conversation first.

Conversations live in Rasa's SQLTrackerStore: table `events` with columns id,
sender_id, type_name, timestamp (epoch seconds), intent_name, action_name, data.
Counts only are logged, never a sender id or reference list.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import column, delete, inspect, table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.sql.elements import ColumnElement

from bot.ops.intake.db import make_engine
from bot.ops.intake.store import IntakeStore
from bot.ops.settings import Settings, load_settings
from bot.ops.staff_accounts import StaffAccounts

log = logging.getLogger(__name__)

EVENTS_TABLE = "events"
_events = table(EVENTS_TABLE, column("sender_id"), column("timestamp"))
# The access log names staff and references only; kept a year for audits (AVG art. 32).
ACCESS_LOG_RETENTION_DAYS = 365
SCHEDULE_INTERVAL_S = 3600.0


def _has_events_table(engine: Engine) -> bool:
    return inspect(engine).has_table(EVENTS_TABLE)


def _missing_sqlite_file(url: str) -> bool:
    """True for a SQLite file that does not exist yet (opening it would create it)."""
    parsed = make_url(url)
    database = parsed.database or ""
    return (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not Path(database).exists()
    )


def _delete_events(tracker_store_url: str, condition: ColumnElement[bool]) -> int:
    """Delete the tracker events that meet `condition`; return how many were removed.

    0 without touching anything when the tracker store is a SQLite file that does not
    exist yet or has no `events` table. Database errors (SQLAlchemyError) propagate.
    """
    if _missing_sqlite_file(tracker_store_url):
        return 0
    engine = make_engine(tracker_store_url, wal=False)
    try:
        if not _has_events_table(engine):
            return 0
        with engine.begin() as conn:
            removed = conn.execute(delete(_events).where(condition))
            return removed.rowcount
    finally:
        engine.dispose()


def delete_conversation(tracker_store_url: str, sender_id: str) -> int:
    """Delete every tracker event of one conversation; return how many were removed."""
    return _delete_events(tracker_store_url, _events.c.sender_id == sender_id)


def purge_conversation_events(tracker_store_url: str, cutoff: datetime) -> int:
    """Delete tracker events older than `cutoff`; return how many were removed."""
    return _delete_events(tracker_store_url, _events.c.timestamp < cutoff.timestamp())


def erase_intake(
    store: IntakeStore, tracker_store_url: str, reference: str, gemeente: str | None = None
) -> dict[str, Any]:
    """Delete an intake and its conversation: the conversation first.

    If deleting the conversation fails (SQLAlchemyError is raised), the intake, and so
    the link to the conversation, is still there and staff can try again. Raises
    KeyError when there is no such intake (in `gemeente`, when given).
    Returns {"deleted": reference, "conversation_deleted": bool,
    "conversation_events_deleted": int}.
    """
    record = store.get_intake(reference, gemeente)
    if record is None:
        raise KeyError(reference)
    conversation_id = record.get("conversation_id")
    events_removed = delete_conversation(tracker_store_url, conversation_id) if conversation_id else 0
    store.delete_intake(reference, gemeente)
    return {
        "deleted": reference,
        "conversation_deleted": bool(conversation_id),
        "conversation_events_deleted": events_removed,
    }


def purge(
    settings: Settings, now: datetime | None = None, store: IntakeStore | None = None
) -> dict[str, int]:
    """Apply every retention period; return the number of removed rows per kind.

    `store`: an open intake store to use (the web app's); by default one is opened and
    closed for this call.
    """
    now = now or datetime.now(timezone.utc)
    own_store = store is None
    store = store or IntakeStore(settings.database_url, staff_url=settings.public_url)
    try:
        counts = store.purge_created_before(now - timedelta(days=settings.intake_retention_days))
        counts["access_log"] = store.access_log.purge_before(
            now - timedelta(days=ACCESS_LOG_RETENTION_DAYS)
        )
        counts["staff_sessions"] = StaffAccounts(store.engine, store.writer).purge_expired_sessions(now)
    finally:
        if own_store:
            store.dispose()
    counts["conversation_events"] = purge_conversation_events(
        settings.tracker_store_url, now - timedelta(days=settings.conversation_retention_days)
    )
    log.info("retention purge: %s", counts)
    return counts


async def run_retention_schedule(
    settings: Settings, store: IntakeStore, interval_s: float = SCHEDULE_INTERVAL_S
) -> None:
    """Run `purge` now and then every `interval_s` seconds until cancelled.

    A failed round is logged (error class only) and retried at the next interval.
    """
    while True:
        try:
            await asyncio.to_thread(purge, settings, None, store)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep the schedule alive
            log.error("retention purge failed: %s", type(exc).__name__)
        await asyncio.sleep(interval_s)


def main() -> int:
    print(json.dumps(purge(load_settings()), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
