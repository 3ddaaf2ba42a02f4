"""Runtime settings, read from the environment (see docs/contract.md §2 and the README).

Every service reads its configuration through this module so that names and defaults
live in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from bot.paths import VAR_DIR


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw else default


def _positive(name: str, default: int) -> int:
    """A positive integer from the environment; anything else gives the default."""
    try:
        value = _env_int(name, default)
    except ValueError:
        return default
    return value if value > 0 else default


def default_sqlite_url(filename: str) -> str:
    """A SQLite URL for a file under var/, creating the folder when needed."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / filename}"


def redacted(url: str) -> str:
    """A database or Redis URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url  # only where a URL is shown

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("://", 1)[0] + "://..."


@dataclass(frozen=True)
class Settings:
    rasa_port: int
    action_port: int
    web_port: int
    rasa_url: str
    action_server_url: str
    api_token: str
    staff_token: str
    database_url: str
    tracker_store_url: str
    lock_store_url: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_from: str
    smtp_starttls: bool
    notify_email: str
    conversation_retention_days: int
    intake_retention_days: int
    # Limits against abuse (docs/scale.md); defaults keep existing code working.
    max_message_length: int = 2000
    rate_limit: str = "60/minute"
    max_body_bytes: int = 64 * 1024
    # Public base URL of the web app, for the link to an intake in the staff e-mail.
    public_url: str = "http://localhost:8080"
    # Security (docs/security.md): shared secrets, bind addresses, proxies, mail, logs.
    proxy_secret: str = ""
    action_secret: str = ""
    rasa_host: str = "127.0.0.1"
    action_host: str = "127.0.0.1"
    web_host: str = "0.0.0.0"
    trusted_proxies: str = "127.0.0.1,::1"
    rate_limit_address: str = "120/minute"
    smtp_security: str = "starttls"
    smtp_cafile: str = ""
    log_format: str = "text"
    log_sql: bool = False


def load_settings() -> Settings:
    """Read the settings from the environment (cheap; call it where needed)."""
    rasa_port = _env_int("OCO_RASA_PORT", 5005)
    action_port = _env_int("OCO_ACTION_PORT", 5055)
    smtp_security = _smtp_security()
    return Settings(
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=_env_int("OCO_WEB_PORT", 8080),
        rasa_url=_env("OCO_RASA_URL", f"http://127.0.0.1:{rasa_port}"),
        action_server_url=_env("OCO_ACTION_SERVER_URL", f"http://127.0.0.1:{action_port}"),
        api_token=_env("OCO_API_TOKEN"),
        staff_token=_env("OCO_STAFF_TOKEN"),
        database_url=_env("OCO_DATABASE_URL") or default_sqlite_url("intakes.db"),
        tracker_store_url=_env("OCO_TRACKER_STORE_URL") or default_sqlite_url("tracker.db"),
        lock_store_url=_env("OCO_LOCK_STORE_URL"),
        smtp_host=_env("OCO_SMTP_HOST"),
        smtp_port=_env_int("OCO_SMTP_PORT", SMTP_DEFAULT_PORTS[smtp_security]),
        smtp_user=_env("OCO_SMTP_USER"),
        smtp_password=_env("OCO_SMTP_PASSWORD"),
        smtp_from=_env("OCO_SMTP_FROM", "oco-wegwijzer@localhost"),
        smtp_starttls=smtp_security == "starttls",
        notify_email=_env("OCO_NOTIFY_EMAIL"),
        conversation_retention_days=_env_int("OCO_CONVERSATION_RETENTION_DAYS", 28),
        intake_retention_days=_env_int("OCO_INTAKE_RETENTION_DAYS", 90),
        max_message_length=_positive("OCO_MAX_MESSAGE_LENGTH", 2000),
        rate_limit=_env("OCO_RATE_LIMIT", "60/minute"),
        max_body_bytes=_positive("OCO_MAX_BODY_BYTES", 64 * 1024),
        public_url=(_env("OCO_PUBLIC_URL") or f"http://localhost:{_env_int('OCO_WEB_PORT', 8080)}").rstrip("/"),
        proxy_secret=_env("OCO_PROXY_SECRET"),
        action_secret=_env("OCO_ACTION_SECRET"),
        rasa_host=_env("OCO_RASA_HOST", "127.0.0.1"),
        action_host=_env("OCO_ACTION_HOST", "127.0.0.1"),
        web_host=_env("OCO_WEB_HOST", "0.0.0.0"),
        trusted_proxies=_env("OCO_TRUSTED_PROXIES", "127.0.0.1,::1"),
        rate_limit_address=_env("OCO_RATE_LIMIT_ADDRESS", "120/minute"),
        smtp_security=smtp_security,
        smtp_cafile=_env("OCO_SMTP_CAFILE"),
        log_format="json" if _env("OCO_LOG_FORMAT").lower() == "json" else "text",
        log_sql=_env("OCO_LOG_SQL").lower() in {"1", "true", "yes", "on"},
    )


SMTP_SECURITY_MODES = ("starttls", "tls", "plain")
SMTP_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "plain": 25}


def _smtp_security() -> str:
    """OCO_SMTP_SECURITY: ``starttls`` (default), ``tls`` (implicit, port 465) or ``plain``.

    Plain SMTP only when asked for by name (a relay on the same machine). Unknown values
    give ``starttls``, never ``plain``.
    """
    value = _env("OCO_SMTP_SECURITY").lower()
    return value if value in SMTP_SECURITY_MODES else "starttls"
