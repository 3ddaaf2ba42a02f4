"""The access log: who read or changed which intake, and when (AVG art. 32).

One row per event, without resident data: the time, the staff name (an account name or
"beheerder"), the account id, the intake's reference and municipality, what was done and
a short detail (e.g. the new status). Administrators read it on /staff/toegang.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from bot.ops.intake.models import access_log

# What can be logged (the `action` column).
READ = "gelezen"  # one intake shown on the staff page or read through the API
LISTED = "in_lijst"  # whole record returned in an API list
STATUS_CHANGED = "status_gewijzigd"
DELETED = "verwijderd"
ACTIONS = (READ, LISTED, STATUS_CHANGED, DELETED)


@dataclass(frozen=True)
class AccessEvent:
    """One thing to log. `reference` / `gemeente` are the intake's."""

    action: str
    reference: str | None = None
    gemeente: str | None = None
    detail: str | None = None


class AccessLog:
    """The `oco_access_log` table (engine reads, writer writes)."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self.engine = engine
        self.writer = writer

    def record(
        self, actor: str, account_id: int | None, events: list[AccessEvent],
        now: datetime | None = None,
    ) -> None:
        """Write the events of one request for `actor` (a staff name, at most 200 chars)."""
        if not events:
            return
        for event in events:
            if event.action not in ACTIONS:
                raise ValueError(f"unknown access log action {event.action!r}")
        at = now or datetime.now(timezone.utc)
        rows = [
            {
                "at": at, "actor": actor[:200], "account_id": account_id,
                "reference": event.reference, "gemeente": event.gemeente,
                "action": event.action, "detail": (event.detail or None) and event.detail[:100],
            }
            for event in events
        ]
        with self.writer.begin() as conn:
            conn.execute(insert(access_log), rows)

    def entries(self, reference: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """The newest entries first (optionally of one reference), at most `limit`."""
        query = select(access_log).order_by(access_log.c.at.desc(), access_log.c.id.desc())
        if reference:
            query = query.where(access_log.c.reference == reference)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query.limit(limit)).mappings()]

    def purge_before(self, cutoff: datetime) -> int:
        """Delete entries older than `cutoff` (retention); return how many."""
        with self.writer.begin() as conn:
            return conn.execute(delete(access_log).where(access_log.c.at < cutoff)).rowcount
