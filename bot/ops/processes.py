"""Start the three services (Rasa, action server, web app) as child processes.

Used by ``make run`` (bot.ops.cli) and by the tests that need a running assistant, so both
start the services the same way.

Security defaults (docs/security.md): Rasa and the action server listen on 127.0.0.1
(OCO_RASA_HOST, OCO_ACTION_HOST); the Rasa HTTP API is only switched on with a token
(OCO_API_TOKEN; ``make run`` generates one); the action server needs OCO_ACTION_SECRET
and the web app's chat proxy proves itself to Rasa with OCO_PROXY_SECRET: both are
generated here when unset, so every child of one start shares them.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import requests

from bot.ops.logging_privacy import WARNING_FILTERS
from bot.ops.settings import Settings
from bot.paths import PROJECT_ROOT

MODEL_PATH = PROJECT_ROOT / "models" / "oco-wegwijzer.tar.gz"
WHATSAPP_VARIABLES = (
    "OCO_WHATSAPP_VERIFY_TOKEN",
    "OCO_WHATSAPP_APP_SECRET",
    "OCO_WHATSAPP_ACCESS_TOKEN",
    "OCO_WHATSAPP_API_BASE_URL",
    "OCO_WHATSAPP_NUMBERS",
)


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    ready_url: str


def service_environment(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for the children: every variable endpoints.yml and credentials.yml use."""
    env = dict(os.environ if base is None else base)
    defaults = {
        "OCO_ACTION_ENDPOINT_URL": f"{settings.action_server_url}/webhook",
        "OCO_TRACKER_STORE_URL": settings.tracker_store_url,
        "OCO_LOCK_STORE_URL": settings.lock_store_url,
        "OCO_DATABASE_URL": settings.database_url,
        "OCO_RASA_URL": settings.rasa_url,
        "OCO_ACTION_SERVER_URL": settings.action_server_url,
        "OCO_RASA_PORT": str(settings.rasa_port),
        "OCO_ACTION_PORT": str(settings.action_port),
        "OCO_WEB_PORT": str(settings.web_port),
        "OCO_RASA_HOST": settings.rasa_host,
        "OCO_ACTION_HOST": settings.action_host,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        # Dependencies' deprecation warnings at start-up (bot/ops/logging_privacy.py).
        "PYTHONWARNINGS": ",".join(WARNING_FILTERS),
        # Internal secrets: no person needs them, every child of this start shares them.
        "OCO_ACTION_SECRET": settings.action_secret or secrets.token_urlsafe(32),
        "OCO_PROXY_SECRET": settings.proxy_secret or secrets.token_urlsafe(32),
    }
    defaults.update({name: "" for name in WHATSAPP_VARIABLES})
    for name, value in defaults.items():
        if not env.get(name):
            env[name] = value
    return env


def ensure_api_token(env: dict[str, str]) -> str | None:
    """Generate OCO_API_TOKEN when unset; returns the new token (to print once) or None.

    Without a token the Rasa HTTP API (``/conversations``, ``/model/parse``) stays off.
    """
    if env.get("OCO_API_TOKEN"):
        return None
    env["OCO_API_TOKEN"] = secrets.token_urlsafe(24)
    return env["OCO_API_TOKEN"]


def ensure_staff_token(env: dict[str, str]) -> str | None:
    """Generate OCO_STAFF_TOKEN when unset; returns the new token (to print once) or None."""
    if env.get("OCO_STAFF_TOKEN"):
        return None
    env["OCO_STAFF_TOKEN"] = secrets.token_urlsafe(24)
    return env["OCO_STAFF_TOKEN"]


def services(settings: Settings, model: Path = MODEL_PATH, web: bool = True) -> list[Service]:
    """The commands of the three services. The Rasa HTTP API only with ``settings.api_token``.

    Rasa and the web app start through ``bot.ops.start`` (dependency warnings filtered).
    """
    rasa = [
        sys.executable, "-m", "bot.ops.start", "rasa", "run", "--model", str(model),
        "--interface", settings.rasa_host, "--port", str(settings.rasa_port),
        "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
        "--credentials", str(PROJECT_ROOT / "credentials.yml"),
    ]
    if settings.api_token:
        rasa += ["--enable-api", "--auth-token", settings.api_token]
    found = [
        Service(
            "actions",
            [sys.executable, "-m", "bot.rasa_plugins.action_server", "--actions", "actions",
             "--host", settings.action_host, "--port", str(settings.action_port)],
            f"{settings.action_server_url}/health",
        ),
        Service("rasa", rasa, f"{settings.rasa_url}/"),
    ]
    if web:
        found.append(
            Service("web", [sys.executable, "-m", "bot.ops.start", "bot.webapp"],
                    f"http://127.0.0.1:{settings.web_port}/healthz")
        )
    return found


def is_ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_until_ready(urls: list[str], timeout_s: float, is_alive=lambda: True) -> bool:
    """Poll until every URL answers 200, the timeout passes or a child died."""
    deadline = time.monotonic() + timeout_s
    pending = list(urls)
    while pending and time.monotonic() < deadline and is_alive():
        pending = [url for url in pending if not is_ready(url)]
        if pending:
            time.sleep(1)
    return not pending
