"""Sending e-mail over SMTP (stdlib smtplib), configured from bot.ops.settings.

Security (OCO_SMTP_SECURITY, issue 13 item 6): ``starttls`` (default, port 587) or ``tls``
(implicit TLS, port 465), both with a verified TLS context: the server's certificate must
be valid for ``OCO_SMTP_HOST`` (system CA store, or OCO_SMTP_CAFILE). A server that does
not offer STARTTLS is an error (the message stays in the outbox), never a silent fall
back to plain text. ``plain`` only when asked for by name, for a relay on the same
machine or network.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from bot.ops.settings import Settings


class Mailer(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send one plain-text message; raise smtplib.SMTPException or OSError on failure."""


SECURITY_MODES = ("starttls", "tls", "plain")


def tls_context(cafile: str = "") -> ssl.SSLContext:
    """A verifying client context: certificate chain and host name are checked."""
    context = ssl.create_default_context(cafile=cafile or None)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class SmtpMailer:
    """One SMTP connection per message: simple, and fine for a handful of intakes a day.

    ``security`` is ``starttls`` (default), ``tls`` or ``plain``; the TLS modes verify the
    server's certificate (``cafile`` adds a CA bundle, e.g. of the municipality).
    """

    def __init__(
        self,
        host: str,
        port: int = 587,
        sender: str = "oco-wegwijzer@localhost",
        user: str = "",
        password: str = "",
        security: str = "starttls",
        timeout_s: float = 15.0,
        cafile: str = "",
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"SMTP security must be one of {SECURITY_MODES}")
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.security = security
        self.timeout_s = timeout_s
        self.cafile = cafile

    @property
    def starttls(self) -> bool:
        return self.security == "starttls"

    def build_message(self, recipient: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        return message

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                    context=tls_context(self.cafile))
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send one message; raises smtplib.SMTPException, ssl.SSLError or OSError.

        With ``starttls`` a server without STARTTLS raises SMTPNotSupportedError and a
        certificate that does not verify raises ssl.SSLCertVerificationError: nothing is
        sent in plain text then (not even the login).
        """
        message = self.build_message(recipient, subject, body)
        with self._connect() as smtp:
            if self.security == "starttls":
                smtp.starttls(context=tls_context(self.cafile))
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
        security=getattr(settings, "smtp_security", "starttls"),
        cafile=getattr(settings, "smtp_cafile", ""),
    )


def describe_mail_mode(settings: Settings) -> str:
    """One line for the start-up banner; never shows the SMTP password."""
    if not settings.smtp_host:
        return (
            "E-mail: lokale modus (OCO_SMTP_HOST is leeg) - meldingen van nieuwe aanvragen "
            "blijven in de wachtrij (outbox) staan; bekijk ze via /staff/intakes of /api/outbox. "
            "Zet OCO_SMTP_HOST om ze te versturen."
        )
    security = {
        "starttls": "STARTTLS, certificaat gecontroleerd",
        "tls": "TLS, certificaat gecontroleerd",
        "plain": "ZONDER versleuteling (OCO_SMTP_SECURITY=plain)",
    }.get(getattr(settings, "smtp_security", "starttls"), "STARTTLS, certificaat gecontroleerd")
    login = "met login" if settings.smtp_user else "zonder login"
    return (
        f"E-mail: meldingen gaan via SMTP {settings.smtp_host}:{settings.smtp_port} "
        f"({security}, {login}), afzender {settings.smtp_from}."
    )
