"""Sending e-mail over SMTP (stdlib smtplib), configured from bot.settings."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from bot.settings import Settings


class Mailer(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send one plain-text message; raise smtplib.SMTPException or OSError on failure."""


class SmtpMailer:
    """One SMTP connection per message: simple, and fine for a handful of intakes a day."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = "oco-wegwijzer@localhost",
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout_s: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.starttls = starttls
        self.timeout_s = timeout_s

    def build_message(self, recipient: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        return message

    def send(self, recipient: str, subject: str, body: str) -> None:
        message = self.build_message(recipient, subject, body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def mailer_from_settings(settings: Settings) -> SmtpMailer | None:
    """The configured mailer, or None when OCO_SMTP_HOST is empty (lokale modus)."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


def describe_mail_mode(settings: Settings) -> str:
    """One line for the start-up banner; never shows the SMTP password."""
    if not settings.smtp_host:
        return (
            "E-mail: lokale modus (OCO_SMTP_HOST is leeg) - meldingen van nieuwe aanvragen "
            "blijven in de wachtrij (outbox) staan; bekijk ze via /staff/intakes of /api/outbox. "
            "Zet OCO_SMTP_HOST om ze te versturen."
        )
    security = "STARTTLS" if settings.smtp_starttls else "zonder STARTTLS"
    login = "met login" if settings.smtp_user else "zonder login"
    return (
        f"E-mail: meldingen gaan via SMTP {settings.smtp_host}:{settings.smtp_port} "
        f"({security}, {login}), afzender {settings.smtp_from}."
    )
