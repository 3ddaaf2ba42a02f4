"""Engine creation and the automatic schema set-up for the intake database.

Schema management is deliberately small:

1. `metadata.create_all` creates missing tables and indexes.
2. An *additive* migration step compares every table with the database and runs
   `ALTER TABLE ... ADD COLUMN` for each column that is missing (always as a nullable
   column, so existing rows stay valid). Renames, drops and type changes are not done
   automatically; they need a hand-written migration.

Both steps run in one transaction guarded by a lock (a PostgreSQL advisory lock, or
SQLite's `BEGIN IMMEDIATE`), so several processes may start at the same time.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine, create_engine, make_url
from sqlalchemy.pool import StaticPool

from bot.intake.models import metadata

log = logging.getLogger(__name__)

# Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE_OPTION = "oco_write"
_PG_SCHEMA_LOCK_KEY = 0x0C0_1A7A  # arbitrary constant shared by all processes
_SQLITE_BUSY_TIMEOUT_S = 30

# Our engines log under their own name, capped at INFO: SQLAlchemy logs result rows
# (personal data) at DEBUG, and `hide_parameters` only covers bound values.
ENGINE_LOGGING_NAME = "oco"
logging.getLogger(f"sqlalchemy.engine.Engine.{ENGINE_LOGGING_NAME}").setLevel(logging.INFO)


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


def ensure_schema(engine: Engine) -> list[str]:
    """Create missing tables and add missing columns; return the columns added."""
    with writer(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK_KEY})
        metadata.create_all(conn)
        added = _add_missing_columns(conn)
    for name in added:
        log.info("schema migration: added column %s", name)
    return added


def _add_missing_columns(conn: Connection) -> list[str]:
    inspector = inspect(conn)
    preparer = conn.dialect.identifier_preparer
    added: list[str] = []
    for table in metadata.sorted_tables:
        existing = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in existing:
                continue
            column_type = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {preparer.format_table(table)} "
                f"ADD COLUMN {preparer.format_column(column)} {column_type}"
            )
            added.append(f"{table.name}.{column.name}")
    return added
