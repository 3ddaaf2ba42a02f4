"""Baseline: the intake schema as it was before migrations (intakes, counters, outbox).

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Databases made before Alembic have these tables but no version table. For them this
step does what the old start-up code did: create what is missing and add missing columns
(as nullable columns, so existing rows stay valid). On an empty database it creates the
tables. The table definitions below are frozen copies: never change them, add a new
revision instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_metadata = sa.MetaData()

sa.Table(
    "oco_intakes",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(32), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=True),
    sa.Column("gemeente", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("contact_preference", sa.String(20), nullable=False),
    sa.Column("preferred_time", sa.Text, nullable=True),
    sa.Column("life_domains", sa.JSON, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("wijkteam_contact", sa.String(20), nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("consent_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=True),
    sa.Index("ix_oco_intakes_created_at", "created_at"),
    sa.Index("ix_oco_intakes_gemeente_status", "gemeente", "status"),
)

sa.Table(
    "oco_reference_counters",
    _metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_value", sa.Integer, nullable=False),
)

sa.Table(
    "oco_outbox",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "intake_id", sa.Integer, sa.ForeignKey("oco_intakes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("reference", sa.String(32), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=True),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime, nullable=True),
    sa.Column("claim_token", sa.String(64), nullable=True),
    sa.Column("claimed_until", sa.DateTime, nullable=True),
    sa.Index("ix_oco_outbox_due", "status", "next_attempt_at"),
    sa.Index("ix_oco_outbox_intake", "intake_id"),
)


def upgrade() -> None:
    conn = op.get_bind()
    _metadata.create_all(conn, checkfirst=True)
    inspector = sa.inspect(conn)
    for table in _metadata.sorted_tables:
        existing = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in existing:
                # Older pre-migration databases: add the column as nullable.
                op.add_column(table.name, sa.Column(column.name, column.type, nullable=True))
        indexes = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)


def downgrade() -> None:
    raise NotImplementedError("The baseline is not undone: that would delete every intake.")
