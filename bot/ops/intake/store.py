"""The intake store: the handover record a resident agreed to send (docs/contract.md §6).

`create_intake` validates the draft (bot/domain/intake_draft.py), gives it a unique reference and
queues the notification e-mail in the same transaction; it returns only after the commit,
so the resident is told a reference that really exists.

Every read and change can be limited to one municipality (`gemeente=`): a staff account
of one municipality sees and changes only its intakes, and for it any other reference
simply does not exist (KeyError / None, which the web layer answers with 404).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, distinct, insert, select, text, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import DBAPIError

from bot.domain.contact_validation import normalise_email
from bot.domain.intake_draft import IntakeDraft, InvalidDraft, MissingContact, validate_draft
from bot.domain.vocabulary import INTAKE_STATUSES, NIEUW
from bot.ops.intake.access_log import AccessLog
from bot.ops.intake.db import ensure_schema, make_engine, writer
from bot.ops.intake.models import intakes, outbox
from bot.ops.intake.outbox import Outbox
from bot.ops.intake.references import next_reference

log = logging.getLogger(__name__)

__all__ = [
    "CONTRACT_FIELDS", "RECORD_FIELDS", "IntakeDraft", "IntakeStore", "IntakeStoreError",
    "InvalidDraft", "MissingContact", "validate_draft",
]

_REFERENCE_YEAR_TZ = ZoneInfo("Europe/Amsterdam")
# Who changed a status when the administrator's token (OCO_STAFF_TOKEN) was used.
ADMINISTRATOR = "beheerder"

CONTRACT_FIELDS = (
    "reference", "created_at", "gemeente", "channel", "name", "phone", "email",
    "contact_preference", "preferred_time", "life_domains", "summary", "wijkteam_contact",
    "urgent", "consent_at", "status",
)
# The API record: the contract fields plus the safety note and the last status change.
RECORD_FIELDS = (*CONTRACT_FIELDS, "safety_note", "status_changed_at", "status_changed_by")


class IntakeStoreError(RuntimeError):
    """A database failure while storing an intake, stripped of the values involved.

    Driver messages (e.g. PostgreSQL's "Failing row contains (...)") can quote personal
    data; this error carries only the driver's error class, so it is safe to log.
    """


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


def _record(row: Row) -> dict[str, Any]:
    data = row._mapping
    record = {name: data[name] for name in RECORD_FIELDS}
    record["created_at"] = _iso(data["created_at"])
    record["consent_at"] = _iso(data["consent_at"])
    record["status_changed_at"] = _iso(data["status_changed_at"])
    record["life_domains"] = list(data["life_domains"] or [])
    record["urgent"] = bool(data["urgent"])
    record["conversation_id"] = data["conversation_id"]
    record["delivery"] = data["delivery"]
    return record


class IntakeStore:
    """Intakes, their notification outbox and the access log in one SQL database.

    `database_url`: SQLite or PostgreSQL. `staff_url`: the public base URL of the web
    app for the link in the notification e-mail; by default OCO_PUBLIC_URL, read once
    here. Opening a store brings the schema to the newest migration.
    """

    def __init__(self, database_url: str, staff_url: str | None = None) -> None:
        if staff_url is None:
            from bot.ops.settings import load_settings

            staff_url = load_settings().public_url
        self.staff_url = staff_url
        self.engine: Engine = make_engine(database_url)
        self.writer: Engine = writer(self.engine)
        ensure_schema(self.engine)
        self.outbox = Outbox(self.engine, self.writer)
        self.access_log = AccessLog(self.engine, self.writer)

    def dispose(self) -> None:
        self.engine.dispose()

    # --- creating -------------------------------------------------------------------

    def create_intake(self, draft: IntakeDraft, notify_to: str | None) -> dict[str, Any]:
        """Validate, store and queue the notification; return the committed record.

        Raises MissingContact / InvalidDraft (both ValueError) for a draft that breaks
        the contract, IntakeStoreError when the database fails.
        """
        values = validate_draft(draft)
        recipient = normalise_email(notify_to) if notify_to else None
        if notify_to and recipient is None:
            log.warning("notification address for gemeente %s is invalid", values["gemeente"])
        now = utcnow()
        try:
            with self.writer.begin() as conn:
                reference = next_reference(conn, now.astimezone(_REFERENCE_YEAR_TZ).year)
                values.update(reference=reference, created_at=now, status=NIEUW)
                result = conn.execute(insert(intakes).values(**values))
                intake_id = result.inserted_primary_key[0]
                row = conn.execute(self._select().where(intakes.c.id == intake_id)).one()
                record = _record(row)
                record["delivery"] = self.outbox.enqueue(
                    conn, intake_id, record, recipient, now, self.staff_url
                )
        except DBAPIError as exc:
            raise IntakeStoreError(f"intake not stored: {type(exc.orig).__name__}") from None
        log.info(
            "intake %s created (gemeente=%s, delivery=%s)",
            reference, values["gemeente"], record["delivery"],
        )
        return record

    # --- reading --------------------------------------------------------------------

    @staticmethod
    def _select():
        return select(intakes, outbox.c.status.label("delivery")).select_from(
            intakes.outerjoin(outbox, outbox.c.intake_id == intakes.c.id)
        )

    def list_intakes(
        self,
        gemeente: str | None = None,
        status: str | None = None,
        urgent: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Intakes, newest first, optionally only one gemeente, one status, (not) urgent."""
        query = self._select().order_by(intakes.c.created_at.desc(), intakes.c.id.desc())
        if gemeente:
            query = query.where(intakes.c.gemeente == gemeente)
        if status:
            query = query.where(intakes.c.status == status)
        if urgent is not None:
            query = query.where(intakes.c.urgent == urgent)
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def get_intake(self, reference: str, gemeente: str | None = None) -> dict[str, Any] | None:
        """One intake, or None (also when it belongs to another gemeente than `gemeente`)."""
        query = self._select().where(intakes.c.reference == reference)
        if gemeente:
            query = query.where(intakes.c.gemeente == gemeente)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _record(row) if row is not None else None

    def gemeenten(self) -> list[str]:
        """The municipalities that have intakes (for the staff filter), sorted."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(distinct(intakes.c.gemeente))).scalars().all()
        return sorted(rows)

    # --- changing -------------------------------------------------------------------

    def update_status(
        self,
        reference: str,
        status: str,
        changed_by: str = ADMINISTRATOR,
        gemeente: str | None = None,
    ) -> dict[str, Any]:
        """Set the status (nieuw, in_behandeling or afgerond) and note who and when.

        Staff may set any of the three (also back, e.g. to reopen an intake). Setting the
        status it already has changes nothing. Raises ValueError for an unknown status
        and KeyError for an unknown reference (or one of another gemeente than
        `gemeente`).
        """
        if status not in INTAKE_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        condition = [intakes.c.reference == reference]
        if gemeente:
            condition.append(intakes.c.gemeente == gemeente)
        with self.writer.begin() as conn:
            current = conn.execute(select(intakes.c.status).where(*condition)).scalar_one_or_none()
            if current is None:
                raise KeyError(reference)
            if current != status:
                now = utcnow()
                conn.execute(
                    update(intakes)
                    .where(*condition)
                    .values(status=status, updated_at=now, status_changed_at=now,
                            status_changed_by=changed_by)
                )
        if current != status:
            log.info("intake %s status %s -> %s", reference, current, status)
        record = self.get_intake(reference)
        assert record is not None
        return record

    def delete_intake(self, reference: str, gemeente: str | None = None) -> str | None:
        """Delete the intake and its outbox rows; return its conversation_id (may be None).

        Raises KeyError when there is no intake with this reference (in `gemeente`).
        """
        condition = [intakes.c.reference == reference]
        if gemeente:
            condition.append(intakes.c.gemeente == gemeente)
        with self.writer.begin() as conn:
            row = conn.execute(
                select(intakes.c.id, intakes.c.conversation_id).where(*condition)
            ).first()
            if row is None:
                raise KeyError(reference)
            conn.execute(delete(outbox).where(outbox.c.intake_id == row.id))
            conn.execute(delete(intakes).where(intakes.c.id == row.id))
        log.info("intake %s deleted", reference)
        return row.conversation_id

    def purge_created_before(self, cutoff: datetime) -> dict[str, int]:
        """Delete intakes (and their outbox rows) created before `cutoff` (retention)."""
        old_ids = select(intakes.c.id).where(intakes.c.created_at < cutoff)
        with self.writer.begin() as conn:
            removed_outbox = conn.execute(
                delete(outbox).where(outbox.c.intake_id.in_(old_ids))
            ).rowcount
            removed_intakes = conn.execute(
                delete(intakes).where(intakes.c.created_at < cutoff)
            ).rowcount
        return {"intakes": removed_intakes, "outbox": removed_outbox}

    # --- health and delivery status --------------------------------------------------

    def ping(self) -> bool:
        """True when the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not healthy"
            log.warning("intake database ping failed: %s", type(exc).__name__)
            return False
        return True

    def outbox_status(
        self, reference: str | None = None, gemeente: str | None = None
    ) -> list[dict[str, Any]]:
        """Delivery status of notifications, newest first (never the message bodies)."""
        return self.outbox.status_rows(reference, gemeente)
