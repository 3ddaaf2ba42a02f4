"""Shared database fixtures for the intake tests (import the fixtures you use).

PostgreSQL tests get a schema of their own (dropped afterwards) on the machine's server;
they skip when it is unreachable, except with CI=true where they fail.

Test modules both import helpers from here and load it with
``pytest_plugins = ["tests.support.db"]``; it has no asserts, hence PYTEST_DONT_REWRITE
(avoids pytest's "already imported" warning).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine

from bot.ops.intake.store import IntakeDraft, IntakeStore

PG_SERVER_URL = os.environ.get("OCO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_or_skip() -> None:
    import psycopg2

    try:
        psycopg2.connect(PG_SERVER_URL, connect_timeout=3).close()
    except psycopg2.OperationalError as exc:
        message = f"PostgreSQL not reachable at {PG_SERVER_URL}: {type(exc).__name__}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a fresh, private PostgreSQL schema (via search_path)."""
    _postgres_or_skip()
    schema = f"oco_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER_URL, future=True)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_SERVER_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'intakes.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """The intake database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url) -> Iterator[IntakeStore]:
    intake_store = IntakeStore(db_url)
    yield intake_store
    intake_store.dispose()


def make_draft(**overrides: Any) -> IntakeDraft:
    """A valid draft; override any field."""
    values: dict[str, Any] = {
        "gemeente": "dordrecht",
        "channel": "web",
        "name": "Fatima de Vries",
        "phone": "06-12345678",
        "email": "Fatima.deVries@Example.nl",
        "contact_preference": "telefoon",
        "preferred_time": "dinsdagochtend",
        "life_domains": ["geld", "wonen"],
        "summary": "Ik heb schulden en ben bang dat ik mijn huis uit moet.",
        "wijkteam_contact": "nee",
        "urgent": False,
        "consent_at": datetime.now(timezone.utc),
        "conversation_id": "conv-fatima",
    }
    values.update(overrides)
    return IntakeDraft(**values)


# --- Rasa tracker store (the SQLTrackerStore `events` table) ------------------------------

_tracker_metadata = MetaData()
rasa_events = Table(
    "events",
    _tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def add_tracker_events(url: str, events: list[tuple[str, float]]) -> None:
    """Create the Rasa `events` table if needed and add (sender_id, epoch) user events."""
    engine = create_engine(url, future=True)
    _tracker_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            rasa_events.insert(),
            [
                {"sender_id": sender, "type_name": "user", "timestamp": ts,
                 "intent_name": "describe_situation", "data": '{"text": "ik heb schulden"}'}
                for sender, ts in events
            ],
        )
    engine.dispose()


def tracker_senders(url: str) -> list[tuple[str, float]]:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(rasa_events.select().order_by(rasa_events.c.id)).all()
    engine.dispose()
    return [(row.sender_id, row.timestamp) for row in rows]
