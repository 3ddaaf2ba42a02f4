"""Read and write the anonymous counters (table oco_stats_counts, bot/ops/analytics/models.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from bot.ops.analytics import vocabulary as v
from bot.ops.analytics.models import analytics_metadata, counts
from bot.ops.analytics.reducer import Increment
from bot.ops.intake.db import make_engine, writer

_PG_SCHEMA_LOCK_KEY = 0x0C0_57A7  # differs from the intake schema lock
_KEY_COLUMNS = ("day", "gemeente", "channel", "metric", "key")
# Metrics whose keys are shown as a breakdown (the others are plain totals).
BREAKDOWN_METRICS = (v.INTENTS, v.LIFE_DOMAINS_METRIC, v.ROUTES, v.HANDOVER, v.FORM_EXITS)


@dataclass
class StatsSummary:
    """The counts for one period and (optionally) one municipality."""

    start: date
    end: date
    gemeente: str | None
    per_day: list[tuple[date, int]] = field(default_factory=list)
    by_gemeente: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def conversations(self) -> int:
        return self.totals.get(v.CONVERSATIONS, 0)

    @property
    def is_empty(self) -> bool:
        """True when nothing at all was counted in the period."""
        return not any(self.totals.values())

    def breakdown(self, metric: str) -> dict[str, int]:
        return self.breakdowns.get(metric, {})

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer of GET /api/stats."""
        handover = self.breakdown(v.HANDOVER)
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "gemeente": self.gemeente,
            "conversations": self.conversations,
            "conversations_per_day": [
                {"date": day.isoformat(), "count": n} for day, n in self.per_day
            ],
            "gemeenten": self.by_gemeente,
            "channels": self.by_channel,
            "intents": self.breakdown(v.INTENTS),
            "life_domains": self.breakdown(v.LIFE_DOMAINS_METRIC),
            "routes": self.breakdown(v.ROUTES),
            "fallbacks": self.totals.get(v.FALLBACKS, 0),
            "crisis": self.totals.get(v.CRISIS, 0),
            "handovers": {step: handover.get(step, 0) for step in v.HANDOVER_STEPS},
            "form_exits": self.breakdown(v.FORM_EXITS),
        }


def _sorted_desc(pairs: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(pairs.items(), key=lambda item: (-item[1], item[0])))


class AnalyticsStore:
    """The counters in the intake database (OCO_DATABASE_URL)."""

    def __init__(self, database_url: str | None = None, *, engine: Engine | None = None) -> None:
        if engine is None:
            if not database_url:
                raise ValueError("database_url or engine is required")
            engine = make_engine(database_url)
        self.engine = engine
        self._schema_ready = False

    def ensure_schema(self) -> None:
        """Create the table when missing (safe with several processes)."""
        if self._schema_ready:
            return
        with writer(self.engine).begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK_KEY})
            analytics_metadata.create_all(conn)
        self._schema_ready = True

    def dispose(self) -> None:
        self.engine.dispose()

    # --- writing -------------------------------------------------------------------

    def add(self, increments: Mapping[Increment, int]) -> None:
        """Add the counts in one transaction (upsert; safe for concurrent writers)."""
        if not increments:
            return
        self.ensure_schema()
        rows = [
            {"day": i.day, "gemeente": i.gemeente, "channel": i.channel, "metric": i.metric,
             "key": i.key, "count": n}
            for i, n in increments.items()
        ]
        with writer(self.engine).begin() as conn:
            dialect = conn.dialect.name
            if dialect in ("sqlite", "postgresql"):
                insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
                stmt = insert(counts)
                stmt = stmt.on_conflict_do_update(
                    index_elements=list(_KEY_COLUMNS),
                    set_={"count": counts.c.count + stmt.excluded.count},
                )
                conn.execute(stmt, rows)
                return
            for row in rows:  # other databases: update, else insert
                match = [counts.c[name] == row[name] for name in _KEY_COLUMNS]
                done = conn.execute(
                    update(counts).where(*match).values(count=counts.c.count + row["count"])
                )
                if not done.rowcount:
                    conn.execute(counts.insert().values(**row))

    # --- reading -------------------------------------------------------------------

    def _filtered(self, query: Select, start: date, end: date, gemeente: str | None) -> Select:
        query = query.where(counts.c.day >= start, counts.c.day <= end)
        if gemeente:
            query = query.where(counts.c.gemeente == gemeente)
        return query

    def summary(self, start: date, end: date, gemeente: str | None = None) -> StatsSummary:
        """All counts between start and end (inclusive), for one or all municipalities."""
        self.ensure_schema()
        total = func.sum(counts.c.count)
        result = StatsSummary(start=start, end=end, gemeente=gemeente)
        with self.engine.connect() as conn:
            by_key = conn.execute(self._filtered(
                select(counts.c.metric, counts.c.key, total).group_by(counts.c.metric, counts.c.key),
                start, end, gemeente,
            )).all()
            conversations = self._filtered(
                select(counts.c.day, counts.c.gemeente, counts.c.channel, total)
                .where(counts.c.metric == v.CONVERSATIONS)
                .group_by(counts.c.day, counts.c.gemeente, counts.c.channel),
                start, end, gemeente,
            )
            conversation_rows = conn.execute(conversations).all()
        for metric, key, n in by_key:
            result.totals[metric] = result.totals.get(metric, 0) + int(n)
            if metric in BREAKDOWN_METRICS:
                result.breakdowns.setdefault(metric, {})[key] = int(n)
        result.breakdowns = {m: _sorted_desc(b) for m, b in result.breakdowns.items()}
        per_day: dict[date, int] = {}
        by_gemeente: dict[str, int] = {}
        by_channel: dict[str, int] = {}
        for day, slug, channel, n in conversation_rows:
            per_day[day] = per_day.get(day, 0) + int(n)
            by_gemeente[slug] = by_gemeente.get(slug, 0) + int(n)
            by_channel[channel] = by_channel.get(channel, 0) + int(n)
        days = (end - start).days + 1
        result.per_day = [
            (start + timedelta(d), per_day.get(start + timedelta(d), 0)) for d in range(days)
        ]
        result.by_gemeente = _sorted_desc(by_gemeente)
        result.by_channel = _sorted_desc(by_channel)
        return result

    def rows(self, start: date, end: date, gemeente: str | None = None) -> list[dict[str, Any]]:
        """The raw counter rows of the period (for the CSV download), oldest first."""
        self.ensure_schema()
        query = self._filtered(
            select(*(counts.c[name] for name in _KEY_COLUMNS), counts.c.count).order_by(
                *(counts.c[name] for name in _KEY_COLUMNS)
            ),
            start, end, gemeente,
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def gemeenten(self) -> list[str]:
        """Every municipality slug that has counts (for the filter)."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            found = conn.execute(select(counts.c.gemeente).distinct()).scalars().all()
        return sorted(found)
