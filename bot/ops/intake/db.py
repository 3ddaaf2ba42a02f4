"""Engine creation and the schema upgrade (Alembic) for the intake database.

The schema is made by the migrations in bot/ops/intake/migrations/versions/. `upgrade_schema`
brings a database to the newest revision; every process that opens an `IntakeStore` calls
it at start (the web app, the action server, `oco db upgrade`), so an empty database, a
database made before migrations existed and an older revision all end up the same.

The upgrade runs in one transaction guarded by a lock (a PostgreSQL advisory lock, or
SQLite's `BEGIN IMMEDIATE`), so several processes may start at the same time: the first
migrates, the others wait and then find nothing left to do.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, create_engine, make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

# Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE_OPTION = "oco_write"
_PG_SCHEMA_LOCK_KEY = 0x0C0_1A7A  # arbitrary constant shared by all processes
_SQLITE_BUSY_TIMEOUT_S = 30

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Our own version table, so the intake schema can share a database with other tools.
VERSION_TABLE = "oco_alembic_version"

# Our engines log under their own name at WARNING: at INFO SQLAlchemy logs every SQL
# statement, at DEBUG result rows (personal data); `hide_parameters` only covers bound
# values. Whoever wants statements (OCO_LOG_SQL) raises this logger's level on purpose.
ENGINE_LOGGING_NAME = "oco"
logging.getLogger(f"sqlalchemy.engine.Engine.{ENGINE_LOGGING_NAME}").setLevel(logging.WARNING)


_COMMON = {"future": True, "hide_parameters": True}


def normalise_url(database_url: str) -> str:
    """Accept the `postgres://` spelling some hosting platforms use."""
    if database_url.startswith("postgres://"):
        return "postgresql://" + database_url[len("postgres://") :]
    return database_url


def make_engine(database_url: str, wal: bool = True) -> Engine:
    """A 2.0-style engine; SQLite gets WAL, foreign keys and explicit transactions.

    `hide_parameters` keeps bound values (names, phone numbers, ...) out of log lines
    and exception messages. `wal=False` leaves a SQLite file's journal mode alone
    (used for Rasa's tracker database, which is not ours).
    """
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, logging_name=ENGINE_LOGGING_NAME, **_COMMON
        )

    in_memory = url.database in (None, "", ":memory:")
    kwargs: dict = {
        "connect_args": {"timeout": _SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    }
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, logging_name=ENGINE_LOGGING_NAME, **_COMMON, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal and not in_memory:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers lock at BEGIN, so two writers never dead-lock on a lock upgrade.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions take the write lock up front (SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for bot/ops/intake/migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision of the intake schema."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision a database is at; None for an empty or pre-migration database."""
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


@contextlib.contextmanager
def locked_schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction holding the schema lock (advisory lock / BEGIN IMMEDIATE)."""
    with writer(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK_KEY})
        yield conn


def upgrade_schema(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database to `revision` (default: the newest); return (before, after).

    Existing rows are kept. Raises SQLAlchemyError when the database fails; the
    transaction is then rolled back, so a failed upgrade leaves the old schema.
    """
    with locked_schema_transaction(engine) as conn:
        before = current_revision(conn)
        command.upgrade(alembic_config(conn), revision)
        after = current_revision(conn)
    if before != after:
        log.info("intake database schema upgraded from %s to %s", before or "leeg", after)
    return before, after


def downgrade_schema(engine: Engine, revision: str) -> str | None:
    """Migrate back to `revision` (for tests and emergencies); return the new revision."""
    with locked_schema_transaction(engine) as conn:
        command.downgrade(alembic_config(conn), revision)
        return current_revision(conn)


def ensure_schema(engine: Engine) -> tuple[str | None, str | None]:
    """What every process does at start: `upgrade_schema(engine)` to the newest revision."""
    return upgrade_schema(engine)
