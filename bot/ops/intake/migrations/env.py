"""Alembic environment for the intake database (run through `oco db upgrade`).

The migrations run on the connection that `bot.ops.intake.db.upgrade_schema` passes in
`config.attributes["connection"]`, inside its transaction and schema lock. Run from the
`alembic` command line instead (`alembic -c bot/ops/intake/migrations/alembic.ini ...`), this
file opens that locked transaction itself on OCO_DATABASE_URL.
"""

from __future__ import annotations

from alembic import context

from bot.ops.intake.db import VERSION_TABLE, locked_schema_transaction, make_engine


def _run(connection) -> None:
    context.configure(
        connection=connection,
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
elif context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; use `oco db upgrade`.")
else:
    from bot.ops.settings import load_settings

    engine = make_engine(load_settings().database_url)
    try:
        with locked_schema_transaction(engine) as conn:
            _run(conn)
    finally:
        engine.dispose()
