"""Schema migrations (Alembic) of the intake database, on SQLite and PostgreSQL.

From the schema the code made before migrations existed, with rows in every table, the
upgrade keeps every row and value; an empty database ends up with exactly the tables
`bot/ops/intake/models.py` describes; a downgrade and a new upgrade keep the rows too.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.ops.intake.db import (
    VERSION_TABLE,
    current_revision,
    downgrade_schema,
    head_revision,
    make_engine,
    upgrade_schema,
)
from bot.ops.intake.models import metadata
from bot.ops.intake.store import IntakeStore
from bot.paths import PROJECT_ROOT
from tests.support.db import make_draft

pytest_plugins = ["tests.support.db"]

ROOT = PROJECT_ROOT
BEFORE_MIGRATIONS = ROOT / "tests" / "fixtures" / "intake_schema_before_migrations.sql"


def create_previous_schema(url: str) -> None:
    """The tables exactly as the pre-Alembic code created them, with three intakes."""
    engine = create_engine(url, future=True)
    sql = BEFORE_MIGRATIONS.read_text(encoding="utf-8")
    if engine.dialect.name == "sqlite":
        sql = sql.replace("SERIAL", "INTEGER").replace("TIMESTAMP WITHOUT TIME ZONE", "DATETIME")
    sql = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    statements = [statement.strip() for statement in sql.split(";") if statement.strip()]
    rows = [
        # (reference, created, updated, status, urgent, conversation)
        ("OCO-2026-00001", "2026-05-01 10:00:00", None, "nieuw", False, "conv-1"),
        ("OCO-2026-00002", "2026-05-02 11:00:00", "2026-05-03 09:15:00", "in_behandeling",
         True, None),
        ("OCO-2026-00003", "2026-05-04 12:00:00", "2026-05-05 16:45:00", "afgerond", False,
         "conv-3"),
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        for number, (reference, created, updated, status, urgent, conversation) in enumerate(
            rows, start=1
        ):
            conn.execute(
                text(
                    "INSERT INTO oco_intakes (reference, created_at, updated_at, gemeente, "
                    "channel, name, phone, email, contact_preference, preferred_time, "
                    "life_domains, summary, wijkteam_contact, urgent, consent_at, status, "
                    "conversation_id) VALUES (:reference, :created, :updated, 'almere', "
                    "'whatsapp', :name, '+31612345678', NULL, 'telefoon', 'ochtend', "
                    "'[\"zorg\", \"geld\"]', 'Mijn vraag in eigen woorden.', 'ja', :urgent, "
                    ":created, :status, :conversation)"
                ),
                {"reference": reference, "created": created, "updated": updated,
                 "name": f"Inwoner {number}", "urgent": urgent, "status": status,
                 "conversation": conversation},
            )
        conn.execute(text(
            "INSERT INTO oco_outbox (intake_id, reference, recipient, subject, body, status, "
            "attempts, created_at, sent_at) VALUES (1, 'OCO-2026-00001', 'team@oco.example', "
            "'Onderwerp', '', 'sent', 1, '2026-05-01 10:00:00', '2026-05-01 10:01:00')"
        ))
        conn.execute(text("INSERT INTO oco_reference_counters (year, last_value) VALUES (2026, 3)"))
    engine.dispose()


def schema_differences(url: str) -> list:
    """What Alembic's autogenerate would still change to match bot/ops/intake/models.py."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            return [
                diff for diff in compare_metadata(context, metadata)
                if not (diff[0] == "remove_table" and not diff[1].name.startswith("oco_"))
            ]
    finally:
        engine.dispose()


def test_upgrade_from_the_previous_schema_keeps_every_row(db_url: str) -> None:
    create_previous_schema(db_url)

    store = IntakeStore(db_url)
    try:
        with store.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
        records = {r["reference"]: r for r in store.list_intakes()}
        assert sorted(records) == ["OCO-2026-00001", "OCO-2026-00002", "OCO-2026-00003"]
        first, second, third = (records[f"OCO-2026-0000{n}"] for n in (1, 2, 3))
        assert first["name"] == "Inwoner 1"
        assert first["life_domains"] == ["zorg", "geld"]
        assert first["created_at"] == "2026-05-01T10:00:00+00:00"
        assert first["conversation_id"] == "conv-1"
        assert first["delivery"] == "sent"
        assert (second["urgent"], second["status"]) == (True, "in_behandeling")
        assert first["safety_note"] is None
        # A status changed before the migration: its time and "beheerder" are carried over.
        assert (first["status_changed_at"], first["status_changed_by"]) == (None, None)
        assert second["status_changed_at"] == "2026-05-03T09:15:00+00:00"
        assert third["status_changed_by"] == "beheerder"
        # The counter continues, the new columns and tables work.
        new = store.create_intake(make_draft(safety_note="Alleen overdag bellen."), None)
        assert new["reference"] == "OCO-2026-00004"
        assert store.get_intake(new["reference"])["safety_note"] == "Alleen overdag bellen."
        changed = store.update_status("OCO-2026-00001", "afgerond", changed_by="Petra")
        assert changed["status_changed_by"] == "Petra"
    finally:
        store.dispose()
    assert schema_differences(db_url) == []


def test_an_empty_database_gets_exactly_the_described_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    assert upgrade_schema(engine) == (None, head_revision())
    assert upgrade_schema(engine) == (head_revision(), head_revision())  # nothing left to do
    engine.dispose()
    assert schema_differences(db_url) == []


def test_a_very_old_schema_without_later_columns_is_completed(db_url: str) -> None:
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
    assert {"conversation_id", "updated_at", "safety_note", "status_changed_by"} <= columns
    record = migrated.get_intake("OCO-2025-00001")
    assert record is not None
    assert record["conversation_id"] is None
    assert record["life_domains"] == ["zorg"]
    assert record["created_at"] == "2025-05-01T10:00:00+00:00"
    assert migrated.create_intake(make_draft(), None)["status"] == "nieuw"
    migrated.dispose()


def test_downgrade_and_upgrade_again_keep_the_rows(db_url: str) -> None:
    create_previous_schema(db_url)
    store = IntakeStore(db_url)
    store.update_status("OCO-2026-00001", "in_behandeling", changed_by="Petra")
    engine = store.engine
    assert downgrade_schema(engine, "0001") == "0001"
    tables = set(inspect(engine).get_table_names())
    assert "oco_staff_accounts" not in tables
    assert "safety_note" not in {c["name"] for c in inspect(engine).get_columns("oco_intakes")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM oco_intakes")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM oco_outbox")).scalar_one() == 1
    assert upgrade_schema(engine) == ("0001", head_revision())
    assert len(store.list_intakes()) == 3
    assert store.get_intake("OCO-2026-00001")["status"] == "in_behandeling"
    assert store.get_intake("OCO-2026-00001")["delivery"] == "sent"
    store.dispose()


@pytest.mark.slow
def test_oco_db_upgrade_is_the_one_command_for_deployers(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'deploy.db'}"
    create_previous_schema(url)
    env = {**os.environ, "OCO_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "db", "upgrade"], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert head_revision() in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "bot.ops.cli", "db", "current"], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert again.returncode == 0, again.stderr
    assert head_revision() in again.stdout
    assert "up-to-date" in again.stdout or "bijgewerkt" in again.stdout
    store = IntakeStore(url)
    assert len(store.list_intakes()) == 3
    store.dispose()


@pytest.mark.parametrize("folder", ["bot/ops/intake/migrations/versions"])
def test_every_migration_has_a_downgrade_or_says_why_not(folder: str) -> None:
    for path in sorted((ROOT / folder).glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "def downgrade()" in source, path.name
        assert "def upgrade()" in source, path.name
