"""The intake store: contract record, validation, unique references, status, deletion."""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.intake import outbox as outbox_module
from bot.intake.db import make_engine
from bot.intake.store import CONTRACT_FIELDS, IntakeStore
from tests.db_fixtures import make_draft

pytest_plugins = ["tests.db_fixtures"]

REFERENCE = re.compile(r"^OCO-\d{4}-\d{5}$")


def test_create_returns_the_contract_record(store: IntakeStore) -> None:
    consent = datetime(2026, 3, 4, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    record = store.create_intake(make_draft(consent_at=consent), notify_to="team@oco.example")

    assert set(CONTRACT_FIELDS) <= set(record)
    assert set(record) - set(CONTRACT_FIELDS) <= {"delivery", "conversation_id"}
    assert REFERENCE.match(record["reference"])
    assert record["status"] == "nieuw"
    assert record["phone"] == "+31612345678"
    assert record["email"] == "fatima.devries@example.nl"
    assert record["life_domains"] == ["geld", "wonen"]
    assert record["urgent"] is False
    assert record["conversation_id"] == "conv-fatima"
    assert record["delivery"] == "pending"
    created = datetime.fromisoformat(record["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - created) < timedelta(minutes=1)
    assert datetime.fromisoformat(record["consent_at"]) == consent
    assert store.get_intake(record["reference"]) == record


def test_the_notification_is_queued_with_the_intake(store: IntakeStore) -> None:
    with_address = store.create_intake(make_draft(), notify_to="Team@OCO.example")
    without = store.create_intake(make_draft(), notify_to=None)

    rows = {row["reference"]: row for row in store.outbox_status()}
    assert rows[with_address["reference"]]["status"] == "pending"
    assert rows[with_address["reference"]]["recipient"] == "team@oco.example"
    assert rows[without["reference"]]["status"] == "geen_adres"
    assert without["delivery"] == "geen_adres"
    assert all("body" not in row and "subject" not in row for row in rows.values())


def test_a_failing_outbox_insert_rolls_back_the_intake(store: IntakeStore, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbox_module, "enqueue_notification", broken)
    with pytest.raises(RuntimeError):
        store.create_intake(make_draft(), notify_to="team@oco.example")
    monkeypatch.undo()

    assert store.list_intakes() == []
    assert store.outbox_status() == []
    # The counter was rolled back too: the next intake gets number 1.
    assert store.create_intake(make_draft(), None)["reference"].endswith("-00001")


@pytest.mark.parametrize(
    "overrides",
    [
        {"contact_preference": "brief"},
        {"phone": None, "email": None},
        {"phone": "", "email": "  "},
        {"contact_preference": "email", "email": None},
        {"contact_preference": "telefoon", "phone": None},
        {"contact_preference": "whatsapp", "phone": None},
        {"phone": "06-1234"},
        {"email": "fatima@"},
        {"consent_at": datetime(2026, 1, 1, 12, 0)},  # naive
        {"consent_at": None},
        {"life_domains": ["geld", "ruimtevaart"]},
        {"wijkteam_contact": "misschien"},
        {"gemeente": "Den Haag!"},
        {"name": "   "},
        {"summary": ""},
    ],
)
def test_contract_violations_raise_and_store_nothing(store: IntakeStore, overrides) -> None:
    with pytest.raises(ValueError):
        store.create_intake(make_draft(**overrides), notify_to="team@oco.example")
    assert store.list_intakes() == []
    assert store.outbox_status() == []


def test_one_contact_detail_matching_the_preference_is_enough(store: IntakeStore) -> None:
    by_mail = store.create_intake(make_draft(phone=None, contact_preference="email"), None)
    by_whatsapp = store.create_intake(make_draft(email=None, contact_preference="whatsapp"), None)
    assert (by_mail["phone"], by_mail["email"]) == (None, "fatima.devries@example.nl")
    assert (by_whatsapp["phone"], by_whatsapp["email"]) == ("+31612345678", None)


def test_list_is_newest_first_and_filters(store: IntakeStore) -> None:
    first = store.create_intake(make_draft(gemeente="dordrecht"), None)
    second = store.create_intake(make_draft(gemeente="almere"), None)
    third = store.create_intake(make_draft(gemeente="dordrecht"), None)
    store.update_status(third["reference"], "in_behandeling")

    def refs(items):
        return [item["reference"] for item in items]

    assert refs(store.list_intakes()) == [third["reference"], second["reference"],
                                          first["reference"]]
    assert refs(store.list_intakes(gemeente="dordrecht")) == [third["reference"],
                                                             first["reference"]]
    assert refs(store.list_intakes(status="nieuw")) == [second["reference"], first["reference"]]
    assert refs(store.list_intakes(gemeente="dordrecht", status="nieuw")) == [first["reference"]]
    assert store.list_intakes(gemeente="papendrecht") == []


def test_status_only_moves_forward_one_step(store: IntakeStore) -> None:
    reference = store.create_intake(make_draft(), None)["reference"]
    with pytest.raises(ValueError):
        store.update_status(reference, "afgerond")
    with pytest.raises(ValueError):
        store.update_status(reference, "nieuw")
    with pytest.raises(ValueError):
        store.update_status(reference, "gearchiveerd")

    assert store.update_status(reference, "in_behandeling")["status"] == "in_behandeling"
    assert store.update_status(reference, "afgerond")["status"] == "afgerond"
    with pytest.raises(ValueError):
        store.update_status(reference, "in_behandeling")
    assert store.get_intake(reference)["status"] == "afgerond"
    with pytest.raises(KeyError):
        store.update_status("OCO-2000-99999", "in_behandeling")


def test_delete_returns_the_conversation_and_removes_everything(store: IntakeStore) -> None:
    kept = store.create_intake(make_draft(conversation_id="other"), "team@oco.example")
    gone = store.create_intake(make_draft(conversation_id="conv-42"), "team@oco.example")
    no_conversation = store.create_intake(make_draft(conversation_id=None), None)

    assert store.delete_intake(gone["reference"]) == "conv-42"
    assert store.get_intake(gone["reference"]) is None
    assert store.outbox_status(gone["reference"]) == []
    assert store.delete_intake(no_conversation["reference"]) is None
    assert [r["reference"] for r in store.list_intakes()] == [kept["reference"]]
    with pytest.raises(KeyError):
        store.delete_intake(gone["reference"])


def test_ping(store: IntakeStore, tmp_path) -> None:
    assert store.ping() is True
    store.engine = make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert store.ping() is False


# --- concurrency: many processes, one database ---------------------------------------------


def _create_many(database_url: str, count: int) -> list[str]:
    """Runs in a child process: its own store, `count` simultaneous creations."""
    intake_store = IntakeStore(database_url)
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [
            pool.submit(intake_store.create_intake, make_draft(name=f"Inwoner {i}"), None)
            for i in range(count)
        ]
        references = [future.result()["reference"] for future in futures]
    intake_store.dispose()
    return references


def test_fifty_concurrent_creations_from_several_processes_get_unique_references(
    db_url: str,
) -> None:
    processes, per_process = 5, 10
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        # Every child also constructs the store (and so the schema) at the same moment.
        results = pool.starmap(_create_many, [(db_url, per_process)] * processes)

    references = [ref for chunk in results for ref in chunk]
    assert len(references) == 50
    assert len(set(references)) == 50
    assert all(REFERENCE.match(ref) for ref in references)
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(1, 51))

    check = IntakeStore(db_url)
    stored = check.list_intakes()
    assert sorted(r["reference"] for r in stored) == sorted(references)
    assert len(check.outbox_status()) == 50
    check.dispose()


# --- additive migration --------------------------------------------------------------------


def test_missing_columns_are_added_to_an_older_schema(db_url: str) -> None:
    old = create_engine(db_url, future=True)
    id_type = "SERIAL" if old.dialect.name == "postgresql" else "INTEGER"
    with old.begin() as conn:
        conn.execute(text(
            f"CREATE TABLE oco_intakes (id {id_type} PRIMARY KEY, reference VARCHAR(32) NOT NULL "
            "UNIQUE, created_at TIMESTAMP NOT NULL, gemeente VARCHAR(100) NOT NULL, channel "
            "VARCHAR(40) NOT NULL, name TEXT NOT NULL, phone VARCHAR(32), email VARCHAR(320), "
            "contact_preference VARCHAR(20) NOT NULL, preferred_time TEXT, life_domains JSON "
            "NOT NULL, summary TEXT NOT NULL, wijkteam_contact VARCHAR(20) NOT NULL, urgent "
            "BOOLEAN NOT NULL, consent_at TIMESTAMP NOT NULL, status VARCHAR(20) NOT NULL)"
        ))
        conn.execute(text(
            "INSERT INTO oco_intakes (reference, created_at, gemeente, channel, name, phone, "
            "email, contact_preference, preferred_time, life_domains, summary, "
            "wijkteam_contact, urgent, consent_at, status) "
            "VALUES ('OCO-2025-00001', '2025-05-01 10:00:00', "
            "'almere', 'web', 'Oud', '+31612345678', NULL, 'telefoon', NULL, '[\"zorg\"]', "
            "'Oude vraag', 'ja', false, '2025-05-01 09:59:00', 'nieuw')"
        ))
    old.dispose()

    migrated = IntakeStore(db_url)
    columns = {c["name"] for c in inspect(migrated.engine).get_columns("oco_intakes")}
    assert {"conversation_id", "updated_at"} <= columns
    record = migrated.get_intake("OCO-2025-00001")
    assert record is not None
    assert record["conversation_id"] is None
    assert record["life_domains"] == ["zorg"]
    assert record["created_at"] == "2025-05-01T10:00:00+00:00"
    assert migrated.create_intake(make_draft(), None)["status"] == "nieuw"
    migrated.dispose()
