"""Transactional outbox for the notification e-mails, and the worker that delivers them.

`Outbox(engine, writer)` owns the `oco_outbox` table; the intake store composes one and
writes a row in the same transaction as its intake (`Outbox.enqueue`). `deliver_due`
claims due rows one by one with a conditional UPDATE (a lease), so two workers never send
the same message; a failed attempt is retried with capped exponential back-off. Status
values: pending, sent, failed, geen_adres (no recipient configured: staff must forward
the intake by hand). This module imports nothing from the intake store.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import smtplib
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from bot.ops.intake.email_text import notification_body, notification_subject
from bot.ops.intake.models import intakes, outbox

if TYPE_CHECKING:
    from bot.ops.intake.mailer import Mailer

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 3600
MAX_ATTEMPTS = 20
LEASE_S = 120


def backoff_delay(attempts: int) -> timedelta:
    """Wait before retry number `attempts` (1-based): 30 s, 60 s, 120 s, ... capped at 1 h."""
    exponent = min(max(attempts - 1, 0), 20)
    return timedelta(seconds=min(BACKOFF_BASE_S * 2**exponent, BACKOFF_CAP_S))


def _due_condition(now: datetime):
    return and_(
        outbox.c.status == "pending",
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
    )


def _error_text(exc: BaseException) -> str:
    """Error class and SMTP code only: exception messages may contain addresses."""
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__} {code}" if code else type(exc).__name__


def _is_permanent(exc: BaseException) -> bool:
    """5xx answers and refused recipients will not get better by retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


class Outbox:
    """The notification e-mails of the intakes in one database (SQLite or PostgreSQL).

    `engine` reads; `writer` is the same engine whose transactions take the write lock
    up front (bot.ops.intake.db.writer).
    """

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self.engine = engine
        self.writer = writer

    def enqueue(
        self,
        conn: Connection,
        intake_id: int,
        record: dict[str, Any],
        recipient: str | None,
        now: datetime,
        staff_url: str,
    ) -> str:
        """Queue the notification for an intake inside the caller's transaction.

        `staff_url` is the base URL of the staff pages (for the link in the message).
        Returns the delivery status: "pending", or "geen_adres" without a recipient.
        """
        status = "pending" if recipient else "geen_adres"
        conn.execute(
            insert(outbox).values(
                intake_id=intake_id,
                reference=record["reference"],
                recipient=recipient,
                subject=notification_subject(record),
                body=notification_body(record, staff_url),
                status=status,
                attempts=0,
                next_attempt_at=now if recipient else None,
                created_at=now,
            )
        )
        return status

    def status_rows(
        self, reference: str | None = None, gemeente: str | None = None
    ) -> list[dict[str, Any]]:
        """Outbox rows without subject or body, newest first.

        `reference` keeps one intake's rows; `gemeente` only those of that municipality's
        intakes (a staff account sees nothing else).
        """
        columns = [
            outbox.c.id, outbox.c.reference, outbox.c.recipient, outbox.c.status,
            outbox.c.attempts, outbox.c.next_attempt_at, outbox.c.last_error,
            outbox.c.created_at, outbox.c.sent_at,
        ]
        query = select(*columns).order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
        if reference:
            query = query.where(outbox.c.reference == reference)
        if gemeente:
            query = query.where(
                outbox.c.intake_id.in_(select(intakes.c.id).where(intakes.c.gemeente == gemeente))
            )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            {
                key: (value.isoformat() if isinstance(value, datetime) else value)
                for key, value in row.items()
            }
            for row in rows
        ]

    def _claim(self, row_id: int, now: datetime) -> str | None:
        """Take the lease on one row; None when another worker was faster."""
        token = secrets.token_hex(16)
        with self.writer.begin() as conn:
            claimed = conn.execute(
                update(outbox)
                .where(outbox.c.id == row_id, _due_condition(now))
                .values(claim_token=token, claimed_until=now + timedelta(seconds=LEASE_S))
            ).rowcount
        return token if claimed == 1 else None

    def _finish(self, row_id: int, token: str, values: dict[str, Any]) -> None:
        with self.writer.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == row_id, outbox.c.claim_token == token)
                .values(claim_token=None, claimed_until=None, **values)
            )

    def deliver_due(self, mailer: Mailer, now: datetime | None = None, limit: int = 50) -> int:
        """Send every due pending message (at most `limit`); return how many were sent."""
        now = now or datetime.now(timezone.utc)
        with self.engine.connect() as conn:
            candidates = conn.execute(
                select(outbox.c.id)
                .where(_due_condition(now))
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
            ).scalars().all()

        sent = 0
        for row_id in candidates:
            token = self._claim(row_id, now)
            if token is None:
                continue
            with self.engine.connect() as conn:
                message = conn.execute(
                    select(outbox.c.recipient, outbox.c.subject, outbox.c.body,
                           outbox.c.attempts)
                    .where(outbox.c.id == row_id)
                ).one()
            attempts = message.attempts + 1
            try:
                mailer.send(message.recipient, message.subject, message.body)
            except (smtplib.SMTPException, OSError) as exc:  # TimeoutError is an OSError
                error = _error_text(exc)
                if _is_permanent(exc) or attempts >= MAX_ATTEMPTS:
                    values = {"status": "failed", "attempts": attempts, "last_error": error}
                else:
                    values = {
                        "attempts": attempts,
                        "last_error": error,
                        "next_attempt_at": now + backoff_delay(attempts),
                    }
                self._finish(row_id, token, values)
                log.warning("outbox message %s not sent (attempt %s): %s", row_id, attempts,
                            error)
                continue
            self._finish(
                row_id,
                token,
                # The body is kept small and without personal data, but there is no need
                # to keep it once delivered.
                {"status": "sent", "attempts": attempts, "sent_at": now, "last_error": None,
                 "body": ""},
            )
            sent += 1
            log.info("outbox message %s sent", row_id)
        return sent


async def run_outbox_worker(
    outbox_: Outbox, mailer: Mailer | None, interval_s: float = 15.0
) -> None:
    """Deliver due messages every `interval_s` seconds until cancelled.

    Without a mailer (no OCO_SMTP_HOST: "lokale modus") messages stay pending and the
    worker returns at once.
    """
    if mailer is None:
        log.info("outbox worker not started: no SMTP server configured (lokale modus)")
        return
    while True:
        try:
            await asyncio.to_thread(outbox_.deliver_due, mailer)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep the worker alive; retry next round
            log.error("outbox delivery round failed: %s", type(exc).__name__)
        await asyncio.sleep(interval_s)
