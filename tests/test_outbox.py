"""Notification outbox against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from bot.intake.mailer import SmtpMailer, describe_mail_mode, mailer_from_settings
from bot.intake.outbox import (
    BACKOFF_BASE_S,
    BACKOFF_CAP_S,
    backoff_delay,
    deliver_due,
    run_outbox_worker,
)
from bot.intake.store import IntakeStore
from bot.settings import load_settings
from tests.db_fixtures import make_draft

pytest_plugins = ["tests.db_fixtures"]

TEAM = "oco-team@dordrecht.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every received message; can refuse recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.refuse_recipients = False
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A port that is closed until `start()`; a real SMTP server after."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def mailer(smtp: SmtpServer) -> SmtpMailer:
    return SmtpMailer(host="127.0.0.1", port=smtp.port, sender="wegwijzer@oco.example",
                      timeout_s=5)


def later(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


def statuses(store: IntakeStore) -> list[str]:
    return sorted(row["status"] for row in store.outbox_status())


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n).total_seconds() for n in range(1, 15)]
    assert delays[0] == BACKOFF_BASE_S
    assert delays[1] == 2 * BACKOFF_BASE_S
    assert delays == sorted(delays)
    assert max(delays) == BACKOFF_CAP_S


def test_message_content_for_the_oco_team(
    store: IntakeStore, smtp: SmtpServer, mailer: SmtpMailer
) -> None:
    smtp.start()
    record = store.create_intake(make_draft(urgent=True, preferred_time="na 14 uur"), TEAM)
    assert deliver_due(store, mailer) == 1

    [(recipients, message)] = smtp.inbox.messages
    assert recipients == [TEAM]
    assert record["reference"] in message["Subject"]
    assert "URGENT" in message["Subject"]
    assert "Fatima" not in message["Subject"]
    body = message.get_payload(decode=True).decode("utf-8")
    for expected in (record["reference"], "Fatima de Vries", "+31612345678",
                     "fatima.devries@example.nl", "na 14 uur", "geld, wonen",
                     "Ik heb schulden en ben bang dat ik mijn huis uit moet.", "urgent"):
        assert expected in body
    [row] = store.outbox_status()
    assert row["status"] == "sent"
    assert row["attempts"] == 1
    assert row["sent_at"] is not None
    assert store.get_intake(record["reference"])["delivery"] == "sent"


def test_smtp_down_loses_nothing_and_delivers_exactly_once_later(
    store: IntakeStore, smtp: SmtpServer, mailer: SmtpMailer
) -> None:
    references = {store.create_intake(make_draft(), TEAM)["reference"] for _ in range(4)}
    store.create_intake(make_draft(), None)  # geen_adres: never sent

    assert deliver_due(store, mailer) == 0
    rows = [row for row in store.outbox_status() if row["status"] == "pending"]
    assert len(rows) == 4
    for row in rows:
        assert row["attempts"] == 1
        assert row["last_error"] == "ConnectionRefusedError"
        assert datetime.fromisoformat(row["next_attempt_at"]) > datetime.now(timezone.utc)
    # Not due yet: no new attempt.
    assert deliver_due(store, mailer) == 0
    assert all(row["attempts"] <= 1 for row in store.outbox_status())

    smtp.start()
    assert deliver_due(store, mailer, now=later(5)) == 4
    assert deliver_due(store, mailer, now=later(60)) == 0
    received = [message["Subject"] for _, message in smtp.inbox.messages]
    assert len(received) == 4
    assert {ref for ref in references if any(ref in subject for subject in received)} == references
    assert statuses(store) == ["geen_adres", "sent", "sent", "sent", "sent"]


def test_two_workers_never_send_the_same_message(
    db_url: str, smtp: SmtpServer, mailer: SmtpMailer
) -> None:
    smtp.start()
    first, second = IntakeStore(db_url), IntakeStore(db_url)
    for _ in range(12):
        first.create_intake(make_draft(), TEAM)

    barrier = threading.Barrier(4)
    counts: list[int] = []

    def worker(store: IntakeStore) -> None:
        barrier.wait()
        counts.append(deliver_due(store, mailer, limit=100))

    threads = [threading.Thread(target=worker, args=(s,)) for s in (first, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(counts) == 12
    assert len(smtp.inbox.messages) == 12
    assert len({message["Subject"] for _, message in smtp.inbox.messages}) == 12
    assert statuses(first) == ["sent"] * 12
    first.dispose()
    second.dispose()


def test_a_refused_recipient_is_marked_failed_without_retrying(
    store: IntakeStore, smtp: SmtpServer, mailer: SmtpMailer
) -> None:
    smtp.inbox.refuse_recipients = True
    smtp.start()
    store.create_intake(make_draft(), TEAM)

    assert deliver_due(store, mailer) == 0
    [row] = store.outbox_status()
    assert row["status"] == "failed"
    assert row["last_error"] == "SMTPRecipientsRefused"
    assert TEAM not in row["last_error"]
    assert deliver_due(store, mailer, now=later(120)) == 0
    assert smtp.inbox.messages == []


def test_without_smtp_host_there_is_no_mailer_and_messages_wait(
    store: IntakeStore, monkeypatch
) -> None:
    monkeypatch.setenv("OCO_SMTP_HOST", "")
    settings = load_settings()
    assert mailer_from_settings(settings) is None
    assert "lokale modus" in describe_mail_mode(settings)

    store.create_intake(make_draft(), TEAM)
    asyncio.run(asyncio.wait_for(run_outbox_worker(store, None, interval_s=0.01), timeout=2))
    assert statuses(store) == ["pending"]


def test_mail_mode_with_smtp_host_never_shows_the_password(monkeypatch) -> None:
    monkeypatch.setenv("OCO_SMTP_HOST", "smtp.gemeente.example")
    monkeypatch.setenv("OCO_SMTP_PORT", "587")
    monkeypatch.setenv("OCO_SMTP_USER", "wegwijzer")
    monkeypatch.setenv("OCO_SMTP_PASSWORD", "geheim-wachtwoord")
    monkeypatch.setenv("OCO_SMTP_STARTTLS", "true")
    settings = load_settings()
    mailer = mailer_from_settings(settings)
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.starttls) == ("smtp.gemeente.example", 587, True)
    line = describe_mail_mode(settings)
    assert "smtp.gemeente.example:587" in line
    assert "geheim-wachtwoord" not in line
    assert "\n" not in line


async def test_the_worker_delivers_in_the_background(
    store: IntakeStore, smtp: SmtpServer, mailer: SmtpMailer
) -> None:
    smtp.start()
    task = asyncio.create_task(run_outbox_worker(store, mailer, interval_s=0.05))
    try:
        await asyncio.to_thread(store.create_intake, make_draft(), TEAM)
        for _ in range(100):
            if smtp.inbox.messages:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(smtp.inbox.messages) == 1


def test_no_personal_data_in_any_log_line(
    store: IntakeStore, smtp: SmtpServer, mailer: SmtpMailer, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    draft = make_draft(name="Geheime Naamsdottir", phone="06-28765432",
                       email="Geheim.Adres@Privacy.example", summary="Een heel privé verhaal.")
    store.create_intake(draft, TEAM)
    store.create_intake(replace(draft, conversation_id=None), None)
    with pytest.raises(ValueError):
        store.create_intake(replace(draft, contact_preference="email", email="kapot@"), TEAM)
    store.list_intakes()
    deliver_due(store, mailer)  # SMTP down: failure is logged
    smtp.start()
    deliver_due(store, mailer, now=later(5))  # success is logged
    assert len(smtp.inbox.messages) == 1

    # aiosmtpd ("mail.log") plays the municipality's mail server: its logs are not ours.
    ours = [record for record in caplog.records if not record.name.startswith("mail.")]
    logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in ours)
    assert {record.name for record in ours} >= {"bot.intake.store", "bot.intake.outbox"}
    for secret in ("Geheime", "Naamsdottir", "28765432", "+31628765432", "geheim.adres",
                   "Geheim.Adres", "privé verhaal", TEAM):
        assert secret not in logged
