"""The intake store: the handover record a resident agreed to send (CONTRACT.md §6).

`create_intake` validates the draft, gives it a unique reference and queues the
notification e-mail in the same transaction; it returns only after the commit, so the
resident is told a reference that really exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import DBAPIError

from bot.contact_validation import normalise_email, normalise_phone
from bot.intake import outbox as outbox_queue
from bot.intake.db import ensure_schema, make_engine, writer
from bot.intake.models import INTAKE_STATUSES, intakes, outbox
from bot.intake.references import next_reference
from bot.slugs import is_slug

log = logging.getLogger(__name__)

CONTACT_PREFERENCES = ("telefoon", "email", "whatsapp")
WIJKTEAM_CONTACT = ("ja", "nee", "onbekend")
LIFE_DOMAINS = (
    "wonen", "werk", "geld", "zorg", "jeugd", "onderwijs", "welzijn", "wmo", "mantelzorg",
)
# Allowed status changes: forward only, one step at a time.
STATUS_TRANSITIONS = {"nieuw": "in_behandeling", "in_behandeling": "afgerond"}
_REFERENCE_YEAR_TZ = ZoneInfo("Europe/Amsterdam")

CONTRACT_FIELDS = (
    "reference", "created_at", "gemeente", "channel", "name", "phone", "email",
    "contact_preference", "preferred_time", "life_domains", "summary", "wijkteam_contact",
    "urgent", "consent_at", "status",
)


class IntakeStoreError(RuntimeError):
    """A database failure while storing an intake, stripped of the values involved.

    Driver messages (e.g. PostgreSQL's "Failing row contains (...)") can quote personal
    data; this error carries only the driver's error class, so it is safe to log.
    """


@dataclass
class IntakeDraft:
    """What the intake form collected, before it is stored."""

    gemeente: str
    channel: str
    name: str
    phone: str | None
    email: str | None
    contact_preference: str
    preferred_time: str | None
    life_domains: list[str] = field(default_factory=list)
    summary: str = ""
    wijkteam_contact: str = "onbekend"
    urgent: bool = False
    consent_at: datetime | None = None
    conversation_id: str | None = None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def validate_draft(draft: IntakeDraft) -> dict[str, Any]:
    """Check the contract rules and return normalised column values (ValueError if not)."""
    gemeente = (_clean_text(draft.gemeente) or "").lower()
    if not is_slug(gemeente):
        raise ValueError("gemeente must be a slug such as 'dordrecht'")
    channel = _clean_text(draft.channel)
    if not channel:
        raise ValueError("channel is required")
    name = _clean_text(draft.name)
    if not name:
        raise ValueError("name is required")
    if draft.contact_preference not in CONTACT_PREFERENCES:
        raise ValueError(f"contact_preference must be one of {', '.join(CONTACT_PREFERENCES)}")

    phone = None
    if _clean_text(draft.phone):
        phone = normalise_phone(draft.phone)
        if phone is None:
            raise ValueError("phone is not a valid phone number")
    email = None
    if _clean_text(draft.email):
        email = normalise_email(draft.email)
        if email is None:
            raise ValueError("email is not a valid e-mail address")
    if phone is None and email is None:
        raise ValueError("at least one of phone and email is required")
    if draft.contact_preference in ("telefoon", "whatsapp") and phone is None:
        raise ValueError(f"contact_preference {draft.contact_preference} needs a phone number")
    if draft.contact_preference == "email" and email is None:
        raise ValueError("contact_preference email needs an e-mail address")

    domains = list(dict.fromkeys(draft.life_domains or []))
    unknown = [d for d in domains if d not in LIFE_DOMAINS]
    if unknown:
        raise ValueError(f"unknown life_domains: {', '.join(sorted(unknown))}")
    summary = _clean_text(draft.summary)
    if not summary:
        raise ValueError("summary is required")
    if draft.wijkteam_contact not in WIJKTEAM_CONTACT:
        raise ValueError(f"wijkteam_contact must be one of {', '.join(WIJKTEAM_CONTACT)}")
    if not isinstance(draft.urgent, bool):
        raise ValueError("urgent must be a boolean")
    consent_at = draft.consent_at
    if not isinstance(consent_at, datetime) or consent_at.tzinfo is None:
        raise ValueError("consent_at must be a time-zone aware datetime")

    return {
        "gemeente": gemeente,
        "channel": channel,
        "name": name,
        "phone": phone,
        "email": email,
        "contact_preference": draft.contact_preference,
        "preferred_time": _clean_text(draft.preferred_time),
        "life_domains": domains,
        "summary": summary,
        "wijkteam_contact": draft.wijkteam_contact,
        "urgent": draft.urgent,
        "consent_at": consent_at.astimezone(timezone.utc),
        "conversation_id": _clean_text(draft.conversation_id),
    }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


def _record(row: Row) -> dict[str, Any]:
    data = row._mapping
    record = {name: data[name] for name in CONTRACT_FIELDS}
    record["created_at"] = _iso(data["created_at"])
    record["consent_at"] = _iso(data["consent_at"])
    record["life_domains"] = list(data["life_domains"] or [])
    record["urgent"] = bool(data["urgent"])
    record["conversation_id"] = data["conversation_id"]
    record["delivery"] = data["delivery"]
    return record


class IntakeStore:
    """Intakes and their notification outbox in one SQL database (SQLite or PostgreSQL)."""

    def __init__(self, database_url: str) -> None:
        self.engine: Engine = make_engine(database_url)
        self.writer: Engine = writer(self.engine)
        ensure_schema(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    # --- creating -------------------------------------------------------------------

    def create_intake(self, draft: IntakeDraft, notify_to: str | None) -> dict[str, Any]:
        """Validate, store and queue the notification; return the committed record."""
        values = validate_draft(draft)
        recipient = normalise_email(notify_to) if notify_to else None
        if notify_to and recipient is None:
            log.warning("notification address for gemeente %s is invalid", values["gemeente"])
        now = utcnow()
        try:
            with self.writer.begin() as conn:
                reference = next_reference(conn, now.astimezone(_REFERENCE_YEAR_TZ).year)
                values.update(reference=reference, created_at=now, status="nieuw")
                result = conn.execute(insert(intakes).values(**values))
                intake_id = result.inserted_primary_key[0]
                row = conn.execute(self._select().where(intakes.c.id == intake_id)).one()
                record = _record(row)
                record["delivery"] = outbox_queue.enqueue_notification(
                    conn, intake_id, record, recipient, now
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
        self, gemeente: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Intakes, newest first, optionally filtered by gemeente and/or status."""
        query = self._select().order_by(intakes.c.created_at.desc(), intakes.c.id.desc())
        if gemeente:
            query = query.where(intakes.c.gemeente == gemeente)
        if status:
            query = query.where(intakes.c.status == status)
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def get_intake(self, reference: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._select().where(intakes.c.reference == reference)).first()
        return _record(row) if row is not None else None

    # --- changing -------------------------------------------------------------------

    def update_status(self, reference: str, status: str) -> dict[str, Any]:
        """Move an intake one step forward (nieuw -> in_behandeling -> afgerond).

        Raises KeyError for an unknown reference and ValueError for any other change.
        """
        if status not in INTAKE_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self.writer.begin() as conn:
            current = conn.execute(
                select(intakes.c.status).where(intakes.c.reference == reference)
            ).scalar_one_or_none()
            if current is None:
                raise KeyError(reference)
            if STATUS_TRANSITIONS.get(current) != status:
                raise ValueError(f"status change {current} -> {status} is not allowed")
            conn.execute(
                update(intakes)
                .where(intakes.c.reference == reference, intakes.c.status == current)
                .values(status=status, updated_at=utcnow())
            )
        log.info("intake %s status -> %s", reference, status)
        record = self.get_intake(reference)
        assert record is not None
        return record

    def delete_intake(self, reference: str) -> str | None:
        """Delete the intake and its outbox rows; return its conversation_id (may be None).

        Raises KeyError when there is no intake with this reference.
        """
        with self.writer.begin() as conn:
            row = conn.execute(
                select(intakes.c.id, intakes.c.conversation_id).where(
                    intakes.c.reference == reference
                )
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

    def outbox_status(self, reference: str | None = None) -> list[dict[str, Any]]:
        """Delivery status of notifications, newest first (never the message bodies)."""
        return outbox_queue.status_rows(self.engine, reference)
