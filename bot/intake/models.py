"""SQLAlchemy 1.4 Core tables for intakes, their reference counters and the e-mail outbox.

All timestamps are stored as naive UTC (portable across SQLite and PostgreSQL) and
converted to aware UTC datetimes when read, see `UTCDateTime`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware (UTC) datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


INTAKE_STATUSES = ("nieuw", "in_behandeling", "afgerond")
OUTBOX_STATUSES = ("pending", "sent", "failed", "geen_adres")

intakes = Table(
    "oco_intakes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("gemeente", String(100), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("phone", String(32), nullable=True),
    Column("email", String(320), nullable=True),
    Column("contact_preference", String(20), nullable=False),
    Column("preferred_time", Text, nullable=True),
    Column("life_domains", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("wijkteam_contact", String(20), nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("consent_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False, default="nieuw"),
    Column("conversation_id", String(255), nullable=True),
    Index("ix_oco_intakes_created_at", "created_at"),
    Index("ix_oco_intakes_gemeente_status", "gemeente", "status"),
)

# One row per year; `last_value` is the last sequence number handed out that year.
reference_counters = Table(
    "oco_reference_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_value", Integer, nullable=False, default=0),
)

outbox = Table(
    "oco_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "intake_id",
        Integer,
        ForeignKey("oco_intakes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("reference", String(32), nullable=False),
    Column("recipient", String(320), nullable=True),
    Column("subject", Text, nullable=False),
    # Cleared once the message is sent: the intake row keeps the data, no second copy.
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    # Lease taken by a delivery worker; another worker skips the row until it expires.
    Column("claim_token", String(64), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Index("ix_oco_outbox_due", "status", "next_attempt_at"),
    Index("ix_oco_outbox_intake", "intake_id"),
)
