"""Retention: old intakes, conversation events, access-log lines and staff sessions are
removed, on a schedule inside the web app; one intake is erased with its conversation;
counts only on the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from bot.ops.intake.access_log import READ, AccessEvent
from bot.ops.intake.models import intakes
from bot.ops.intake.store import IntakeStore
from bot.ops.retention import (
    ACCESS_LOG_RETENTION_DAYS,
    delete_conversation,
    erase_intake,
    purge,
    run_retention_schedule,
)
from bot.ops.settings import load_settings
from bot.ops.staff_accounts import ADMINISTRATOR, SESSION_MAX_AGE, StaffAccounts
from bot.paths import PROJECT_ROOT
from tests.support.db import add_tracker_events, make_draft, tracker_senders

pytest_plugins = ["tests.support.db"]

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


def run_schedule_until(store: IntakeStore, done: Callable[[], bool], interval_s: float, polls: int) -> None:
    """Run the retention schedule every `interval_s` until `done()` (checked every 20 ms, at
    most `polls` times), then cancel it and check that it stops on the cancellation."""

    async def run_a_while() -> None:
        task = asyncio.create_task(run_retention_schedule(load_settings(), store, interval_s=interval_s))
        for _ in range(polls):
            if done():
                break
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run_a_while())


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

    assert counts == {"intakes": 1, "outbox": 1, "conversation_events": 2, "access_log": 0,
                      "staff_sessions": 0}
    assert store.get_intake(old) is None
    assert store.outbox_status(old) == []
    assert store.get_intake(recent) is not None
    assert [sender for sender, _ in tracker_senders(tracker)] == ["mixed-conv", "new-conv"]
    assert purge(load_settings(), now=NOW) == {"intakes": 0, "outbox": 0,
                                               "conversation_events": 0, "access_log": 0,
                                               "staff_sessions": 0}


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
        [sys.executable, "-m", "bot.ops.retention"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=True,
    )

    assert json.loads(result.stdout) == {"intakes": 1, "outbox": 1, "conversation_events": 1,
                                         "access_log": 0, "staff_sessions": 0}
    for secret in ("Fatima", "+31612345678", "fatima.devries", "team@oco.example"):
        assert secret not in result.stdout + result.stderr


def test_access_log_lines_and_expired_sessions_go_too(
    store: IntakeStore, sqlite_url: str, tmp_path, monkeypatch
) -> None:
    configure(monkeypatch, sqlite_url, f"sqlite:///{tmp_path / 'tracker.db'}")
    store.access_log.record("beheerder", None, [AccessEvent(READ, "OCO-2025-00001", "almere")],
                            now=NOW - timedelta(days=ACCESS_LOG_RETENTION_DAYS + 1))
    store.access_log.record("beheerder", None, [AccessEvent(READ, "OCO-2026-00001", "almere")],
                            now=NOW - timedelta(days=1))
    accounts = StaffAccounts(store.engine, store.writer)
    accounts.start_session(ADMINISTRATOR, "token", now=NOW - SESSION_MAX_AGE - timedelta(minutes=1))
    live = accounts.start_session(ADMINISTRATOR, "token", now=NOW - timedelta(minutes=5))

    counts = purge(load_settings(), now=NOW, store=store)

    assert (counts["access_log"], counts["staff_sessions"]) == (1, 1)
    assert [e["reference"] for e in store.access_log.entries()] == ["OCO-2026-00001"]
    assert accounts.member_for_session(live, "token", now=NOW) == ADMINISTRATOR


def test_the_schedule_runs_at_once_and_again_until_cancelled(
    store: IntakeStore, db_url: str, tmp_path, monkeypatch
) -> None:
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    configure(monkeypatch, db_url, tracker)
    old = store.create_intake(make_draft(), None)["reference"]
    backdate(store, old, datetime.now(timezone.utc) - timedelta(days=400))
    add_tracker_events(tracker, [("old-conv", 1000.0)])
    rounds: list[dict[str, int]] = []
    real_purge = purge

    def counting(*args, **kwargs):
        rounds.append(real_purge(*args, **kwargs))
        if len(rounds) == 2:  # a second intake expires between two rounds
            later = store.create_intake(make_draft(), None)["reference"]
            backdate(store, later, datetime.now(timezone.utc) - timedelta(days=400))
        return rounds[-1]

    monkeypatch.setattr("bot.ops.retention.purge", counting)

    run_schedule_until(store, lambda: len(rounds) >= 3, interval_s=0.05, polls=200)
    assert rounds[0]["intakes"] == 1 and rounds[0]["conversation_events"] == 1
    assert rounds[1]["intakes"] == 0
    assert rounds[2]["intakes"] == 1
    assert store.list_intakes() == []


def test_a_failing_round_is_logged_and_the_schedule_goes_on(
    store: IntakeStore, monkeypatch, caplog
) -> None:
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise OperationalError("DELETE ...", {"name": "Fatima"}, Exception("db down"))

    monkeypatch.setattr("bot.ops.retention.purge", failing)

    run_schedule_until(store, lambda: len(calls) >= 2, interval_s=0.02, polls=100)
    assert len(calls) >= 2
    assert "retention purge failed: OperationalError" in caplog.text
    assert "Fatima" not in caplog.text


def test_erase_intake_deletes_the_conversation_first(
    store: IntakeStore, tracker_url: str, monkeypatch
) -> None:
    add_tracker_events(tracker_url, [("conv-a", 1.0), ("conv-a", 2.0), ("conv-b", 3.0)])
    gone = store.create_intake(make_draft(conversation_id="conv-a"), None)["reference"]
    kept = store.create_intake(make_draft(conversation_id="conv-b", gemeente="almere"),
                               None)["reference"]

    with pytest.raises(KeyError):
        erase_intake(store, tracker_url, kept, gemeente="dordrecht")  # other municipality
    assert erase_intake(store, tracker_url, gone) == {
        "deleted": gone, "conversation_deleted": True, "conversation_events_deleted": 2,
    }
    assert store.get_intake(gone) is None
    assert tracker_senders(tracker_url) == [("conv-b", 3.0)]

    def broken(url: str, sender: str) -> int:
        raise OperationalError("DELETE FROM events", {}, Exception("tracker down"))

    monkeypatch.setattr("bot.ops.retention.delete_conversation", broken)
    with pytest.raises(OperationalError):
        erase_intake(store, tracker_url, kept)
    assert store.get_intake(kept) is not None  # still there: staff can try again
