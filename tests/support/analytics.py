"""Read back everything the analytics store holds (for the privacy checks)."""

from __future__ import annotations

from sqlalchemy import MetaData, select

from bot.ops.analytics.store import AnalyticsStore


def dump_analytics_tables(store: AnalyticsStore) -> str:
    """Every row of every table in the database, as one string."""
    metadata = MetaData()
    metadata.reflect(bind=store.engine)
    lines = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            lines.append(f"[{table.name}] " + ",".join(table.columns.keys()))
            lines += [repr(tuple(row)) for row in conn.execute(select(table))]
    return "\n".join(lines)
