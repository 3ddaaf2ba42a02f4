"""Issue 13 item 6: mail to the OCO team only over verified TLS, plain only when asked for.

A real SMTP server (aiosmtpd on 127.0.0.1) with a certificate from a test CA made here:
STARTTLS and implicit TLS deliver when the certificate verifies; an unknown CA, a wrong
host name or a server without STARTTLS deliver nothing (the message stays in the outbox).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.ops.intake.mailer import SmtpMailer, describe_mail_mode, mailer_from_settings
from bot.ops.settings import load_settings


@dataclass
class Certificates:
    ca_file: Path
    good: ssl.SSLContext  # server context: certificate for 127.0.0.1 / localhost
    wrong_host: ssl.SSLContext  # certificate for another host, same CA
    other_ca_file: Path


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(tmp: Path, label: str):
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(_name(label)).issuer_name(_name(label))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp / f"{label}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def _server_context(tmp: Path, ca_key, ca_cert, names: list[str], label: str) -> ssl.SSLContext:
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    alt = [x509.DNSName(n) for n in names if not n[0].isdigit()] + [
        x509.IPAddress(ipaddress.ip_address(n)) for n in names if n[0].isdigit()
    ]
    cert = (
        x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{label}.crt", tmp / f"{label}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    tmp = tmp_path_factory.mktemp("smtp-tls")
    ca_key, ca_cert, ca_file = _ca(tmp, "oco-test-ca")
    _, _, other_ca_file = _ca(tmp, "other-ca")
    return Certificates(
        ca_file=ca_file,
        good=_server_context(tmp, ca_key, ca_cert, ["127.0.0.1", "localhost"], "good"),
        wrong_host=_server_context(tmp, ca_key, ca_cert, ["smtp.elders.example"], "wrong"),
        other_ca_file=other_ca_file,
    )


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator:
    """Start an SMTP server: starttls=<context>, implicit=<context> or neither (plain)."""
    started: list[Controller] = []

    def start(starttls: ssl.SSLContext | None = None, implicit: ssl.SSLContext | None = None):
        inbox, port = Inbox(), _free_port()
        kwargs: dict = {}
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        if implicit is not None:
            kwargs["ssl_context"] = implicit
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        return inbox, port

    yield start
    for controller in started:
        controller.stop()


def mailer(port: int, security: str, cafile: str = "") -> SmtpMailer:
    return SmtpMailer(host="127.0.0.1", port=port, sender="wegwijzer@oco.example", security=security,
                      cafile=cafile, timeout_s=5)


def test_starttls_with_a_verified_certificate_delivers(smtp_server, certs: Certificates) -> None:
    inbox, port = smtp_server(starttls=certs.good)
    mailer(port, "starttls", str(certs.ca_file)).send("team@oco.example", "Nieuwe aanvraag", "Zie het dashboard.")
    assert len(inbox.messages) == 1


def test_implicit_tls_with_a_verified_certificate_delivers(smtp_server, certs: Certificates) -> None:
    inbox, port = smtp_server(implicit=certs.good)
    mailer(port, "tls", str(certs.ca_file)).send("team@oco.example", "Nieuwe aanvraag", "Zie het dashboard.")
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(("server", "cafile"), [
    ("good", "other"),  # a certificate from a CA we do not trust
    ("good", ""),  # the system CA store does not know the test CA either
    ("wrong_host", "ca"),  # the right CA, but for another host name
])
def test_starttls_refuses_a_certificate_that_does_not_verify(smtp_server, certs: Certificates,
                                                            server: str, cafile: str) -> None:
    inbox, port = smtp_server(starttls=getattr(certs, server))
    ca = {"other": str(certs.other_ca_file), "ca": str(certs.ca_file), "": ""}[cafile]
    with pytest.raises(ssl.SSLCertVerificationError):
        mailer(port, "starttls", ca).send("team@oco.example", "Nieuwe aanvraag", "geheim")
    assert inbox.messages == []


def test_a_server_without_starttls_gets_nothing_in_plain_text(smtp_server) -> None:
    inbox, port = smtp_server()
    with pytest.raises(smtplib.SMTPNotSupportedError):
        mailer(port, "starttls").send("team@oco.example", "Nieuwe aanvraag", "geheim")
    assert inbox.messages == []


def test_plain_smtp_only_when_asked_for_by_name(smtp_server) -> None:
    inbox, port = smtp_server()
    mailer(port, "plain").send("team@oco.example", "Nieuwe aanvraag", "via de relay op deze machine")
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(("environment", "security", "port"), [
    ({}, "starttls", 587),
    ({"OCO_SMTP_STARTTLS": "false"}, "starttls", 587),  # the old switch never means plain
    ({"OCO_SMTP_STARTTLS": "true"}, "starttls", 587),
    ({"OCO_SMTP_SECURITY": "tls"}, "tls", 465),
    ({"OCO_SMTP_SECURITY": "TLS "}, "tls", 465),
    ({"OCO_SMTP_SECURITY": "plain"}, "plain", 25),
    ({"OCO_SMTP_SECURITY": "plain", "OCO_SMTP_PORT": "2525"}, "plain", 2525),
    ({"OCO_SMTP_SECURITY": "none"}, "starttls", 587),
    ({"OCO_SMTP_SECURITY": "ssl"}, "starttls", 587),
])
def test_verified_tls_is_the_default_setting(monkeypatch, environment: dict, security: str, port: int) -> None:
    for name in ("OCO_SMTP_SECURITY", "OCO_SMTP_STARTTLS", "OCO_SMTP_PORT", "OCO_SMTP_CAFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OCO_SMTP_HOST", "smtp.gemeente.example")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    configured = mailer_from_settings(settings)
    assert (configured.security, configured.port) == (security, port)
    line = describe_mail_mode(settings)
    assert ("ZONDER versleuteling" in line) is (security == "plain")
