"""Issue 13 item 4: the action server (bot/rasa_plugins/action_server.py) runs nothing without the secret.

The app is served for real on 127.0.0.1 with a recording action; a forged call (no
secret, a wrong one, another header) gets 401 and runs nothing, ``GET /health`` stays
open (docs/contract.md §2), and Rasa's endpoint configuration sends the secret.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import aiohttp
import pytest

from bot.rasa_plugins.action_server import SECRET_HEADER, create_app, secret_ok
from tests.fixtures import security_actions
from tests.support.channels import start, stop

SECRET = "action-secret-for-tests"


def action_call(sender: str = "31612345678") -> dict[str, Any]:
    """An action call as Rasa sends it (trimmed): the forged intake of issue 13."""
    return {
        "next_action": "action_record_call",
        "sender_id": sender,
        "version": "3.6.21",
        "tracker": {"sender_id": sender, "slots": {"consent_at": "2026-01-01T00:00:00+00:00"},
                    "latest_message": {"text": "ja", "intent": {"name": "affirm"}}, "events": [],
                    "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None},
        "domain": {"slots": {}, "responses": {}, "forms": {}},
    }


@pytest.fixture(scope="module")
def app():
    # rasa_sdk names its Sanic app "rasa_sdk": one app per test process.
    return create_app(SECRET, security_actions)


@pytest.fixture
async def server(app) -> Iterator[str]:
    security_actions.CALLS.clear()
    running, url = await start(app)
    yield url
    await stop(running)


async def call(url: str, method: str, path: str, headers: dict[str, str] | None = None,
               body: Any = None) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.request(method, url + path, json=body, headers=headers or {}) as resp:
            await resp.read()
            return resp.status


@pytest.mark.parametrize("headers", [
    {},
    {SECRET_HEADER: ""},
    {SECRET_HEADER: "wrong"},
    {SECRET_HEADER: SECRET[:-1]},
    {SECRET_HEADER: SECRET + " "},
    {SECRET_HEADER: SECRET.upper()},
    {"Authorization": f"Bearer {SECRET}"},
    {"X-OCO-Proxy-Secret": SECRET},
    {SECRET_HEADER: "é" * 10},
])
async def test_a_forged_action_call_gets_401_and_runs_nothing(server: str, headers: dict[str, str]) -> None:
    assert await call(server, "POST", "/webhook", headers, action_call()) == 401
    assert await call(server, "GET", "/actions", headers) == 401
    assert security_actions.CALLS == []


async def test_rasa_with_the_secret_runs_the_action(server: str) -> None:
    assert await call(server, "POST", "/webhook", {SECRET_HEADER: SECRET}, action_call("web:abc")) == 200
    assert security_actions.CALLS == ["web:abc"]


async def test_health_stays_open(server: str) -> None:
    assert await call(server, "GET", "/health") == 200


def test_the_server_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(ValueError):
        create_app("", security_actions)
    assert not secret_ok("", "")
    assert secret_ok("abc", "abc") and not secret_ok("abc", "abd")


def test_rasa_sends_the_secret_from_endpoints_yml(monkeypatch) -> None:
    from rasa.utils.endpoints import read_endpoint_config

    from bot.paths import PROJECT_ROOT

    for name in ("OCO_TRACKER_STORE_URL", "OCO_DATABASE_URL", "OCO_LOCK_STORE_URL"):
        monkeypatch.setenv(name, os.environ.get(name) or "sqlite://")
    monkeypatch.setenv("OCO_ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("OCO_ACTION_SECRET", "from-the-environment")
    config = read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "action_endpoint")
    assert config.headers == {SECRET_HEADER: "from-the-environment"}
