"""Readable, unique intake references: `OCO-<year>-<5 digits>`, numbered per year.

The number comes from a per-year counter row that is incremented inside the caller's
transaction. The row lock (PostgreSQL) or the database write lock (SQLite, taken at
`BEGIN IMMEDIATE`) serialises concurrent creators across processes, and the unique
constraint on `oco_intakes.reference` is the final safety net.
"""

from __future__ import annotations

import re

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.ops.intake.models import reference_counters

REFERENCE_RE = re.compile(r"^OCO-(\d{4})-(\d{5,})$")


def format_reference(year: int, number: int) -> str:
    """`OCO-2026-00042`; numbers past 99999 simply get more digits."""
    return f"OCO-{year:04d}-{number:05d}"


def is_reference(text: str) -> bool:
    """True when `text` looks like a reference (cheap check before a database query)."""
    return bool(REFERENCE_RE.match(text or ""))


def next_reference(conn: Connection, year: int) -> str:
    """Hand out the next reference for `year` within the open transaction on `conn`."""
    counter = reference_counters.c
    bump = (
        update(reference_counters)
        .where(counter.year == year)
        .values(last_value=counter.last_value + 1)
    )
    if conn.execute(bump).rowcount == 0:
        _create_counter(conn, year)
        conn.execute(bump)
    number = conn.execute(
        select(counter.last_value).where(counter.year == year)
    ).scalar_one()
    return format_reference(year, number)


def _create_counter(conn: Connection, year: int) -> None:
    """Insert the year's counter row; another process may win the race, which is fine."""
    try:
        with conn.begin_nested():
            conn.execute(insert(reference_counters).values(year=year, last_value=0))
    except IntegrityError:
        pass
