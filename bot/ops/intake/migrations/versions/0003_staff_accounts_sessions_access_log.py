"""Staff accounts per municipality, server-side staff sessions and the access log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oco_staff_accounts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("gemeente", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "oco_staff_sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("oco_staff_accounts.id"), nullable=True
        ),
        sa.Column("admin_key", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_oco_staff_sessions_expires", "oco_staff_sessions", ["expires_at"])
    op.create_table(
        "oco_access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("account_id", sa.Integer, nullable=True),
        sa.Column("reference", sa.String(32), nullable=True),
        sa.Column("gemeente", sa.String(100), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(100), nullable=True),
    )
    op.create_index("ix_oco_access_log_at", "oco_access_log", ["at"])
    op.create_index("ix_oco_access_log_reference", "oco_access_log", ["reference"])


def downgrade() -> None:
    op.drop_table("oco_access_log")
    op.drop_table("oco_staff_sessions")
    op.drop_table("oco_staff_accounts")
