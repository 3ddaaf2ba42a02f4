"""Shared fixtures: a running assistant (Rasa + action server) for end-to-end tests.

Helpers that are not fixtures are in tests/support/ (``skip_or_fail`` and ``free_port``
are re-exported here for the modules that still import them from tests.conftest).

Tests marked ``stack`` talk to real servers over HTTP. They need the trained model
(``make test`` trains it first); without it they skip, except under CI=true.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.ops.processes import MODEL_PATH, service_environment, services, wait_until_ready  # noqa: E402
from bot.ops.settings import load_settings  # noqa: E402
from tests.support.ci import IN_CI, free_port, skip_or_fail  # noqa: E402, F401  (IN_CI: re-exported)


class RunningAssistant:
    """Talks to the REST channel of a running Rasa, like a resident would."""

    def __init__(self, rasa_url: str, settings, log_dir: Path) -> None:
        self.rasa_url = rasa_url
        self.settings = settings
        self.log_dir = log_dir

    def logs(self) -> str:
        """Everything the Rasa server and the action server have logged so far."""
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.log_dir.iterdir()))

    def send(self, sender: str, message: str, gemeente: str | None = None) -> list[dict]:
        body: dict = {"sender": sender, "message": message}
        if gemeente:
            body["metadata"] = {"gemeente": gemeente}
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.settings.api_token}, timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    @staticmethod
    def new_sender() -> str:
        return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """Rasa + action server on free ports, with their own SQLite databases."""
    if not MODEL_PATH.exists():
        skip_or_fail("no trained model: run `make train`")
    workdir = tmp_path_factory.mktemp("stack")
    rasa_port, action_port = free_port(), free_port()
    settings = replace(
        load_settings(),
        rasa_port=rasa_port,
        action_port=action_port,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_server_url=f"http://127.0.0.1:{action_port}",
        api_token="test-api-token",
        database_url=f"sqlite:///{workdir / 'intakes.db'}",
        tracker_store_url=f"sqlite:///{workdir / 'tracker.db'}",
        lock_store_url="",
    )
    env = service_environment(settings)
    env.update({
        "OCO_DATABASE_URL": settings.database_url,
        "OCO_TRACKER_STORE_URL": settings.tracker_store_url,
        "OCO_ACTION_ENDPOINT_URL": f"{settings.action_server_url}/webhook",
        "OCO_API_TOKEN": settings.api_token,
        "OCO_SMTP_HOST": "",
    })
    logs = workdir / "logs"
    logs.mkdir()
    processes = []
    for service in services(settings, web=False):
        log = (logs / f"{service.name}.log").open("w")
        processes.append(
            subprocess.Popen(service.command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        )
    try:
        ready = wait_until_ready(
            [f"{settings.action_server_url}/health", f"{settings.rasa_url}/"],
            timeout_s=300,
            is_alive=lambda: all(p.poll() is None for p in processes),
        )
        if not ready:
            tails = "\n".join(
                f"--- {path.name}\n{path.read_text()[-3000:]}" for path in logs.iterdir()
            )
            pytest.fail(f"assistant did not start:\n{tails}")
        yield RunningAssistant(settings.rasa_url, settings, logs)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
