"""Retention: old intakes and old conversation events are removed; counts only on the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.intake.models import intakes
from bot.intake.store import IntakeStore
from bot.retention import delete_conversation, purge
from bot.settings import load_settings
from tests.db_fixtures import add_tracker_events, make_draft, tracker_senders

pytest_plugins = ["tests.db_fixtures"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def tracker_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return request.getfixturevalue("pg_url")


def backdate(store: IntakeStore, reference: str, created_at: datetime) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(intakes).where(intakes.c.reference == reference).values(created_at=created_at)
        )


def configure(monkeypatch, database_url: str, tracker_url: str) -> None:
    monkeypatch.setenv("OCO_DATABASE_URL", database_url)
    monkeypatch.setenv("OCO_TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("OCO_INTAKE_RETENTION_DAYS", "365")
    monkeypatch.setenv("OCO_CONVERSATION_RETENTION_DAYS", "28")


def test_purge_removes_only_what_is_past_its_retention(
    store: IntakeStore, db_url: str, tmp_path, monkeypatch
) -> None:
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    configure(monkeypatch, db_url, tracker)
    old = store.create_intake(make_draft(), "team@oco.example")["reference"]
    recent = store.create_intake(make_draft(), "team@oco.example")["reference"]
    backdate(store, old, NOW - timedelta(days=366))
    backdate(store, recent, NOW - timedelta(days=364))
    add_tracker_events(tracker, [
        ("old-conv", (NOW - timedelta(days=40)).timestamp()),
        ("mixed-conv", (NOW - timedelta(days=29)).timestamp()),
        ("mixed-conv", (NOW - timedelta(days=27)).timestamp()),
        ("new-conv", (NOW - timedelta(hours=1)).timestamp()),
    ])

    counts = purge(load_settings(), now=NOW)

    assert counts == {"intakes": 1, "outbox": 1, "conversation_events": 2}
    assert store.get_intake(old) is None
    assert store.outbox_status(old) == []
    assert store.get_intake(recent) is not None
    assert [sender for sender, _ in tracker_senders(tracker)] == ["mixed-conv", "new-conv"]
    assert purge(load_settings(), now=NOW) == {"intakes": 0, "outbox": 0,
                                               "conversation_events": 0}


def test_tracker_store_without_events_table_is_fine(
    sqlite_url: str, tmp_path, monkeypatch
) -> None:
    tracker = f"sqlite:///{tmp_path / 'empty-tracker.db'}"
    configure(monkeypatch, sqlite_url, tracker)
    assert purge(load_settings(), now=NOW)["conversation_events"] == 0
    assert delete_conversation(tracker, "conv-1") == 0


def test_delete_conversation_removes_one_sender(tracker_url: str) -> None:
    add_tracker_events(tracker_url, [("conv-1", 1.0), ("conv-1", 2.0), ("conv-2", 3.0)])
    assert delete_conversation(tracker_url, "conv-1") == 2
    assert tracker_senders(tracker_url) == [("conv-2", 3.0)]
    assert delete_conversation(tracker_url, "conv-1") == 0


def test_cli_prints_counts_only(store: IntakeStore, db_url: str, tmp_path) -> None:
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    reference = store.create_intake(make_draft(), "team@oco.example")["reference"]
    backdate(store, reference, datetime.now(timezone.utc) - timedelta(days=400))
    add_tracker_events(tracker, [("conv-old", 1000.0)])
    env = {**os.environ, "OCO_DATABASE_URL": db_url, "OCO_TRACKER_STORE_URL": tracker}

    result = subprocess.run(
        [sys.executable, "-m", "bot.retention"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=True,
    )

    assert json.loads(result.stdout) == {"intakes": 1, "outbox": 1, "conversation_events": 1}
    for secret in ("Fatima", "+31612345678", "fatima.devries", "team@oco.example"):
        assert secret not in result.stdout + result.stderr
