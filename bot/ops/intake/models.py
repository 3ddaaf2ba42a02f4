"""SQLAlchemy 1.4 Core tables: intakes, reference counters, e-mail outbox, staff accounts,
staff sessions and the access log.

The database schema itself is made by the Alembic migrations in bot/ops/intake/migrations/
(`oco db upgrade`); these definitions must describe the schema at the newest revision
(tests/unit/intake/test_intake_migrations.py compares them).

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

from bot.domain.vocabulary import NIEUW

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
    Column("status", String(20), nullable=False, default=NIEUW),
    Column("conversation_id", String(255), nullable=True),
    # Added in migration 0002: for the worker after a violence signal (never e-mailed),
    # and who (staff account name, or "beheerder") changed the status, and when.
    Column("safety_note", Text, nullable=True),
    Column("status_changed_at", UTCDateTime, nullable=True),
    Column("status_changed_by", String(200), nullable=True),
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

# Staff accounts per municipality (migration 0003). The token itself is never stored:
# `token_hash` is the SHA-256 of the 32-byte random token (hex). Accounts are revoked,
# never deleted, so the access log keeps naming who did what.
staff_accounts = Table(
    "oco_staff_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("gemeente", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

# Server-side staff sessions: the cookie holds a random session id, the table its SHA-256.
# Logging out deletes the row, so a saved cookie stops working. `account_id` is NULL for
# the administrator (OCO_STAFF_TOKEN); `admin_key` then holds a hash of that token, so
# changing the token ends every administrator session.
staff_sessions = Table(
    "oco_staff_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("oco_staff_accounts.id"), nullable=True),
    Column("admin_key", String(64), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_oco_staff_sessions_expires", "expires_at"),
)

# Who read or changed which intake, and when (AVG art. 32). No resident data: the
# intake's reference and municipality, the staff name and what was done.
access_log = Table(
    "oco_access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("account_id", Integer, nullable=True),
    Column("reference", String(32), nullable=True),
    Column("gemeente", String(100), nullable=True),
    Column("action", String(40), nullable=False),
    Column("detail", String(100), nullable=True),
    Index("ix_oco_access_log_at", "at"),
    Index("ix_oco_access_log_reference", "reference"),
)
