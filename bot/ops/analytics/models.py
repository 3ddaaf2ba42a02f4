"""SQLAlchemy 1.4 Core table for the anonymous counters (in the intake database).

One row per (day, municipality, channel, metric, key) with a count. The columns hold
only whitelisted, enum-like values (see bot/ops/analytics/vocabulary.py); there is no
column for a sender id, a timestamp finer than a day, or any text from a resident.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, UniqueConstraint

analytics_metadata = MetaData()

counts = Table(
    "oco_stats_counts",
    analytics_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False, index=True),
    Column("gemeente", String(100), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("metric", String(40), nullable=False),
    Column("key", String(100), nullable=False, default=""),
    Column("count", Integer, nullable=False, default=0),
    UniqueConstraint("day", "gemeente", "channel", "metric", "key", name="uq_oco_stats_counts"),
)
