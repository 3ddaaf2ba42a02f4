"""The intake store: contract record, validation, unique references, status, deletion."""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot.domain.intake_draft import InvalidDraft, MissingContact
from bot.ops.intake.db import make_engine
from bot.ops.intake.outbox import Outbox
from bot.ops.intake.store import CONTRACT_FIELDS, RECORD_FIELDS, IntakeStore
from tests.support.db import make_draft

pytest_plugins = ["tests.support.db"]

REFERENCE = re.compile(r"^OCO-\d{4}-\d{5}$")


def test_create_returns_the_contract_record(store: IntakeStore) -> None:
    consent = datetime(2026, 3, 4, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    record = store.create_intake(make_draft(consent_at=consent), notify_to="team@oco.example")

    assert set(CONTRACT_FIELDS) <= set(record)
    assert set(record) - set(RECORD_FIELDS) <= {"delivery", "conversation_id"}
    assert (record["safety_note"], record["status_changed_at"], record["status_changed_by"]) == (
        None, None, None)
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

    monkeypatch.setattr(Outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        store.create_intake(make_draft(), notify_to="team@oco.example")
    monkeypatch.undo()

    assert store.list_intakes() == []
    assert store.outbox_status() == []
    # The counter was rolled back too: the next intake gets number 1.
    assert store.create_intake(make_draft(), None)["reference"].endswith("-00001")


def test_the_safety_note_is_kept_and_blank_means_none(store: IntakeStore) -> None:
    note = "Bellen kan op werkdagen tussen 9 en 12 uur. Geen bericht inspreken."
    with_note = store.create_intake(make_draft(safety_note=f"  {note}\n"), None)
    blank = store.create_intake(make_draft(safety_note="   "), None)
    assert store.get_intake(with_note["reference"])["safety_note"] == note
    assert blank["safety_note"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": None, "email": None}, "contact"),
        ({"phone": "", "email": "  "}, "contact"),
        ({"contact_preference": "email", "email": None}, "email"),
        ({"contact_preference": "telefoon", "phone": None}, "phone"),
        ({"contact_preference": "whatsapp", "phone": None}, "phone"),
        ({"phone": "06-1234"}, "phone"),
        ({"phone": "nul zes twaalf"}, "phone"),
        ({"email": "fatima@"}, "email"),
        ({"email": "fatima at example dot nl", "contact_preference": "email"}, "email"),
    ],
)
def test_no_way_to_reach_the_resident_is_missing_contact(
    store: IntakeStore, overrides, field: str
) -> None:
    with pytest.raises(MissingContact) as raised:
        store.create_intake(make_draft(**overrides), notify_to="team@oco.example")
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)
    assert store.list_intakes() == []
    assert store.outbox_status() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"contact_preference": "brief"},
        {"consent_at": datetime(2026, 1, 1, 12, 0)},  # naive
        {"consent_at": None},
        {"life_domains": ["geld", "ruimtevaart"]},
        {"wijkteam_contact": "misschien"},
        {"gemeente": "Den Haag!"},
        {"name": "   "},
        {"summary": ""},
        {"channel": "web\r\nBcc: iemand@example.nl"},
        {"channel": ""},
        {"urgent": "ja"},
        {"safety_note": 42},
        # Broken in more than one way: the error that is not the resident's wins.
        {"life_domains": ["ruimtevaart"], "phone": None, "email": None},
    ],
)
def test_contract_violations_raise_invalid_draft_and_store_nothing(
    store: IntakeStore, overrides
) -> None:
    with pytest.raises(InvalidDraft):
        store.create_intake(make_draft(**overrides), notify_to="team@oco.example")
    assert store.list_intakes() == []
    assert store.outbox_status() == []


def test_a_life_domain_added_to_the_data_is_valid_at_once(
    store: IntakeStore, monkeypatch
) -> None:
    import bot.domain.intake_draft as draft_module

    known = draft_module.life_domain_values()
    assert {"geld", "wonen", "zorg"} <= set(known)
    monkeypatch.setattr(draft_module, "life_domain_values", lambda: (*known, "vervoer"))
    record = store.create_intake(make_draft(life_domains=["vervoer", "geld"]), None)
    assert record["life_domains"] == ["vervoer", "geld"]


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


def test_staff_set_any_status_and_who_and_when_is_kept(store: IntakeStore) -> None:
    reference = store.create_intake(make_draft(), None)["reference"]
    with pytest.raises(ValueError):
        store.update_status(reference, "gearchiveerd")
    with pytest.raises(ValueError):
        store.update_status(reference, "in behandeling")  # the label, not the value

    moved = store.update_status(reference, "in_behandeling", changed_by="Petra (Dordrecht)")
    assert (moved["status"], moved["status_changed_by"]) == ("in_behandeling",
                                                              "Petra (Dordrecht)")
    changed_at = datetime.fromisoformat(moved["status_changed_at"])
    assert abs(datetime.now(timezone.utc) - changed_at) < timedelta(minutes=1)

    done = store.update_status(reference, "afgerond")
    assert (done["status"], done["status_changed_by"]) == ("afgerond", "beheerder")
    # Setting the same status again changes nothing, not even who or when.
    again = store.update_status(reference, "afgerond", changed_by="Iemand anders")
    assert again == done
    reopened = store.update_status(reference, "in_behandeling", changed_by="Petra (Dordrecht)")
    assert reopened["status"] == "in_behandeling"
    with pytest.raises(KeyError):
        store.update_status("OCO-2000-99999", "in_behandeling")


def test_a_gemeente_scope_hides_other_municipalities(store: IntakeStore) -> None:
    mine = store.create_intake(make_draft(gemeente="dordrecht"), None)["reference"]
    theirs = store.create_intake(make_draft(gemeente="almere", urgent=True), None)["reference"]

    assert [r["reference"] for r in store.list_intakes(gemeente="dordrecht")] == [mine]
    assert store.get_intake(theirs, gemeente="dordrecht") is None
    assert store.get_intake(mine, gemeente="dordrecht")["reference"] == mine
    with pytest.raises(KeyError):
        store.update_status(theirs, "afgerond", gemeente="dordrecht")
    with pytest.raises(KeyError):
        store.delete_intake(theirs, gemeente="dordrecht")
    assert store.get_intake(theirs)["status"] == "nieuw"
    assert [r["reference"] for r in store.outbox_status(gemeente="dordrecht")] == [mine]
    assert [r["reference"] for r in store.list_intakes(urgent=True)] == [theirs]
    assert [r["reference"] for r in store.list_intakes(urgent=False)] == [mine]
    assert store.gemeenten() == ["almere", "dordrecht"]


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


@pytest.mark.slow
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

