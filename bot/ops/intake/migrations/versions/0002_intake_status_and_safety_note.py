"""Intakes: safety note for the worker, and who changed the status and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Existing rows keep every value. A status changed before this revision had only
`updated_at`: that time becomes `status_changed_at`, and "beheerder" (the one staff
token there was) `status_changed_by`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("oco_intakes", sa.Column("safety_note", sa.Text, nullable=True))
    op.add_column("oco_intakes", sa.Column("status_changed_at", sa.DateTime, nullable=True))
    op.add_column("oco_intakes", sa.Column("status_changed_by", sa.String(200), nullable=True))
    intakes = sa.table(
        "oco_intakes",
        sa.column("status", sa.String),
        sa.column("updated_at", sa.DateTime),
        sa.column("status_changed_at", sa.DateTime),
        sa.column("status_changed_by", sa.String),
    )
    op.execute(
        intakes.update()
        .where(intakes.c.updated_at.is_not(None), intakes.c.status != "nieuw")
        .values(status_changed_at=intakes.c.updated_at, status_changed_by="beheerder")
    )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later): a batch copy of the table
    # would drop `oco_intakes` and so cascade-delete the outbox rows that point at it.
    for name in ("status_changed_by", "status_changed_at", "safety_note"):
        op.drop_column("oco_intakes", name)
