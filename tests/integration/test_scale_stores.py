"""Shared stores from configuration: a PostgreSQL tracker store works, a missing or
unreachable one is a clear start-up error, and the analytics events stay exact.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bench.stack import create_database, drop_database, postgres_available, postgres_url
from bot.ops.processes import MODEL_PATH, service_environment
from bot.ops.settings import load_settings
from bot.paths import PROJECT_ROOT
from bot.rasa_plugins.stores import StoreUnavailable, StrictSQLTrackerStore
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.postgres

DOMAIN = Domain.from_dict({"intents": ["greet"], "slots": {"gemeente": {"type": "text", "mappings": []}}})


class RecordingBroker:
    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    if not postgres_available():
        skip_or_fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = create_database("oco_stores")
    try:
        yield name
    finally:
        drop_database(name)


def turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(SlotSet("gemeente", "almere"))
    tracker.update(ActionExecuted("action_listen"))


async def two_turns(store, sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    turn(tracker, "hallo")
    await store.save(tracker)
    turn(tracker, "nog een vraag")
    await store.save(tracker)
    return tracker


async def test_postgresql_tracker_store_keeps_a_conversation(database: str) -> None:
    broker = RecordingBroker()
    sender = f"store-{uuid.uuid4().hex}"
    await two_turns(StrictSQLTrackerStore(DOMAIN, host=postgres_url(database), event_broker=broker), sender)

    again = await StrictSQLTrackerStore(DOMAIN, host=postgres_url(database)).retrieve(sender)
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["hallo", "nog een vraag"]
    assert again.get_slot("gemeente") == "almere"
    assert broker.published and all(e["sender_id"] == sender for e in broker.published)


async def test_the_broker_gets_the_same_events_as_with_rasas_own_store(database: str) -> None:
    """The saved second read of the conversation changes nothing for the analytics."""
    ours, rasas = RecordingBroker(), RecordingBroker()
    url = postgres_url(database)
    await two_turns(StrictSQLTrackerStore(DOMAIN, host=url, event_broker=ours), "same-a")
    await two_turns(SQLTrackerStore(DOMAIN, host=url, event_broker=rasas), "same-b")
    strip = lambda events: [{k: v for k, v in e.items() if k not in ("sender_id", "timestamp")} for e in events]  # noqa: E731
    assert strip(ours.published) == strip(rasas.published)


def test_a_database_that_does_not_exist_is_a_clear_error() -> None:
    url = "postgresql://postgres:geheim@127.0.0.1:5432/oco_bestaat_niet_" + uuid.uuid4().hex[:8]
    with pytest.raises(StoreUnavailable) as caught:
        StrictSQLTrackerStore(DOMAIN, host=url)
    assert "OCO_TRACKER_STORE_URL" in str(caught.value)
    assert "geheim" not in str(caught.value)


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match="niet bereikbaar"):
        StrictSQLTrackerStore(DOMAIN, host="postgresql://postgres@127.0.0.1:1/oco")


@pytest.mark.stack
def test_rasa_does_not_start_on_a_missing_tracker_database(tmp_path: Path) -> None:
    """No silent fall-back to an in-memory tracker store: Rasa stops with the message."""
    if not MODEL_PATH.exists():
        skip_or_fail("no trained model: run `make train`")
    env = service_environment(load_settings(), base={k: v for k, v in os.environ.items() if not k.startswith("OCO_")})
    env.update({
        "OCO_TRACKER_STORE_URL": "postgresql://postgres@127.0.0.1:5432/oco_bestaat_niet_" + uuid.uuid4().hex[:8],
        "OCO_LOCK_STORE_URL": "",
        "OCO_ACTION_ENDPOINT_URL": "http://127.0.0.1:1/webhook",
        "OCO_DATABASE_URL": f"sqlite:///{tmp_path / 'intakes.db'}",
    })
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "run", "--model", str(MODEL_PATH), "--port", "1", "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
         "--credentials", str(PROJECT_ROOT / "credentials.yml")],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "StoreUnavailable" in output and "OCO_TRACKER_STORE_URL" in output
