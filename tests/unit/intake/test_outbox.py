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

from bot.ops.intake.mailer import SmtpMailer, describe_mail_mode, mailer_from_settings
from bot.ops.intake.outbox import (
    BACKOFF_BASE_S,
    BACKOFF_CAP_S,
    backoff_delay,
    run_outbox_worker,
)
from bot.ops.intake.store import IntakeStore
from bot.ops.settings import load_settings
from tests.support.db import make_draft

pytest_plugins = ["tests.support.db"]

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
    # aiosmtpd without TLS: plain SMTP must be asked for by name (bot/ops/intake/mailer.py).
    return SmtpMailer(host="127.0.0.1", port=smtp.port, sender="wegwijzer@oco.example",
                      timeout_s=5, security="plain")


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
    record = store.create_intake(
        make_draft(urgent=True, preferred_time="na 14 uur",
                   safety_note="Niet bellen als haar partner thuis is."),
        TEAM,
    )
    assert store.outbox.deliver_due(mailer) == 1

    [(recipients, message)] = smtp.inbox.messages
    assert recipients == [TEAM]
    assert record["reference"] in message["Subject"]
    assert "URGENT" in message["Subject"]
    assert "Fatima" not in message["Subject"]
    body = message.get_payload(decode=True).decode("utf-8")
    link = f"{store.staff_url}/staff/intakes/{record['reference']}"
    for expected in (record["reference"], "dordrecht", "Kanaal: web", "Urgent: ja",
                     "na 14 uur", link):
        assert expected in body, expected
    # No story, health, safety or contact details travel by e-mail.
    for secret in ("Fatima", "de Vries", "+31612345678", "06-12345678", "fatima.devries",
                   "schulden", "huis uit", "geld", "wonen", "partner", "Niet bellen"):
        assert secret not in body, secret
    [row] = store.outbox_status()
    assert row["status"] == "sent"
    assert row["attempts"] == 1
    assert row["sent_at"] is not None
    assert store.get_intake(record["reference"])["delivery"] == "sent"

    assert store.outbox.deliver_due(mailer) == 0
    assert len(smtp.inbox.messages) == 1


@pytest.mark.parametrize(
    ("preferred_time", "shown"),
    [
        ("dinsdagochtend", "dinsdagochtend"),
        ("na 14 uur", "na 14 uur"),
        ("  liefst\r\n's middags ", "liefst 's middags"),
        (None, "geen voorkeur opgegeven"),
        ("bel 06 12 34 56 78 na vijf uur", "zie de aanvraag"),
        ("0612345678", "zie de aanvraag"),
        ("mail naar jan@voorbeeld.nl", "zie de aanvraag"),
        ("x" * 200, "zie de aanvraag"),
    ],
)
def test_the_preferred_time_in_the_mail_never_carries_contact_details(
    store: IntakeStore, preferred_time: str | None, shown: str
) -> None:
    from bot.ops.intake.email_text import notification_body

    record = store.create_intake(make_draft(preferred_time=preferred_time), None)
    body = notification_body(record, "https://oco.example/")
    assert f"Beste moment voor contact: {shown}\n" in body
    assert f"https://oco.example/staff/intakes/{record['reference']}\n" in body


def test_a_public_url_setting_gives_the_link(db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("OCO_PUBLIC_URL", "https://wegwijzer.gemeente.example/")
    store = IntakeStore(db_url)
    try:
        record = store.create_intake(make_draft(), TEAM)
        assert store.staff_url == "https://wegwijzer.gemeente.example"
        from bot.ops.intake.email_text import notification_body

        assert ("https://wegwijzer.gemeente.example/staff/intakes/" + record["reference"]
                in notification_body(record, store.staff_url))
    finally:
        store.dispose()


def test_without_smtp_host_there_is_no_mailer_and_messages_wait(
    store: IntakeStore, monkeypatch
) -> None:
    monkeypatch.setenv("OCO_SMTP_HOST", "")
    settings = load_settings()
    assert mailer_from_settings(settings) is None
    assert "lokale modus" in describe_mail_mode(settings)

    store.create_intake(make_draft(), TEAM)
    asyncio.run(asyncio.wait_for(run_outbox_worker(store.outbox, None, interval_s=0.01), timeout=2))
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
    task = asyncio.create_task(run_outbox_worker(store.outbox, mailer, interval_s=0.05))
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
    store.outbox.deliver_due(mailer)  # SMTP down: failure is logged
    smtp.start()
    store.outbox.deliver_due(mailer, now=later(5))  # success is logged
    assert len(smtp.inbox.messages) == 1

    # aiosmtpd ("mail.log") plays the municipality's mail server: its logs are not ours.
    ours = [record for record in caplog.records if not record.name.startswith("mail.")]
    logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in ours)
    assert {record.name for record in ours} >= {"bot.ops.intake.store", "bot.ops.intake.outbox"}
    for secret in ("Geheime", "Naamsdottir", "28765432", "+31628765432", "geheim.adres",
                   "Geheim.Adres", "privé verhaal", TEAM):
        assert secret not in logged
