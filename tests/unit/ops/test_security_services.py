"""Issue 13 items 2 and 4 at start-up: what `make run` (bot/ops/cli.py, bot/ops/processes.py) exposes.

- the Rasa HTTP API only with a token; `make run` generates OCO_API_TOKEN when unset and
  prints it once (like the staff token);
- Rasa and the action server listen on 127.0.0.1; the action server is our own entry
  module with a shared secret; the chat proxy's secret and the action secret are made
  once per start and shared by every child.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest

from bot.ops import cli
from bot.ops.processes import ensure_api_token, service_environment, services
from bot.ops.settings import load_settings


def command(name: str, **changes) -> list[str]:
    settings = replace(load_settings(), **changes)
    return next(s for s in services(settings) if s.name == name).command


def test_the_rasa_api_is_off_without_a_token() -> None:
    rasa = command("rasa", api_token="")
    assert "--enable-api" not in rasa and "--auth-token" not in rasa


def test_the_rasa_api_is_on_only_with_its_token() -> None:
    rasa = command("rasa", api_token="t0k3n")
    assert "--enable-api" in rasa
    assert rasa[rasa.index("--auth-token") + 1] == "t0k3n"


def test_internal_services_listen_on_127_0_0_1_by_default(monkeypatch) -> None:
    for name in ("OCO_RASA_HOST", "OCO_ACTION_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.rasa_host, settings.action_host) == ("127.0.0.1", "127.0.0.1")
    rasa = command("rasa")
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert rasa[1:5] == ["-m", "bot.ops.start", "rasa", "run"]  # warnings filtered (bot/ops/start.py)
    assert command("web")[1:4] == ["-m", "bot.ops.start", "bot.webapp"]
    actions = command("actions")
    assert actions[1:3] == ["-m", "bot.rasa_plugins.action_server"]
    assert actions[actions.index("--host") + 1] == "127.0.0.1"


def test_scale_out_can_choose_other_interfaces(monkeypatch) -> None:
    monkeypatch.setenv("OCO_RASA_HOST", "10.0.0.5")
    monkeypatch.setenv("OCO_ACTION_HOST", "10.0.0.6")
    settings = load_settings()
    rasa = next(s for s in services(settings) if s.name == "rasa").command
    actions = next(s for s in services(settings) if s.name == "actions").command
    assert rasa[rasa.index("--interface") + 1] == "10.0.0.5"
    assert actions[actions.index("--host") + 1] == "10.0.0.6"


def test_internal_secrets_are_generated_once_per_start_and_kept_when_set() -> None:
    settings = replace(load_settings(), action_secret="", proxy_secret="")
    env = service_environment(settings, base={})
    assert len(env["OCO_ACTION_SECRET"]) >= 40 and len(env["OCO_PROXY_SECRET"]) >= 40
    assert env["OCO_ACTION_SECRET"] != env["OCO_PROXY_SECRET"]
    again = service_environment(settings, base={})
    assert again["OCO_ACTION_SECRET"] != env["OCO_ACTION_SECRET"]  # random, not a constant
    given = service_environment(settings, base={"OCO_ACTION_SECRET": "mine", "OCO_PROXY_SECRET": "ours"})
    assert (given["OCO_ACTION_SECRET"], given["OCO_PROXY_SECRET"]) == ("mine", "ours")


def test_ensure_api_token_generates_only_when_unset() -> None:
    env: dict[str, str] = {}
    token = ensure_api_token(env)
    assert token and env["OCO_API_TOKEN"] == token and len(token) >= 24
    assert ensure_api_token(env) is None
    assert ensure_api_token({"OCO_API_TOKEN": "set"}) is None


class FakeProcess:
    started: ClassVar[list[tuple[list[str], dict[str, str]]]] = []

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        FakeProcess.started.append((command, env))

    def poll(self) -> int:
        return 0

    def terminate(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.mark.parametrize("preset", ["", "preset-token"])
def test_make_run_prints_a_generated_api_token_once_and_gives_it_to_rasa(
    monkeypatch, capsys, tmp_path: Path, preset: str
) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_text("x")
    monkeypatch.setattr(cli, "MODEL_PATH", model)
    real_popen = cli.subprocess.Popen

    def popen(command, *args, **kwargs):  # the services are faked, anything else runs
        if not args and set(kwargs) == {"env"}:
            return FakeProcess(command, kwargs["env"])
        return real_popen(command, *args, **kwargs)

    monkeypatch.setattr(cli.subprocess, "Popen", popen)
    monkeypatch.setattr(cli, "wait_until_ready", lambda *args, **kwargs: False)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)
    monkeypatch.setenv("OCO_API_TOKEN", preset)
    monkeypatch.setenv("OCO_STAFF_TOKEN", "staff")
    FakeProcess.started.clear()
    assert cli.run() == 1
    out = capsys.readouterr().out
    (rasa, env) = next((c, e) for c, e in FakeProcess.started if "run" in c and "--model" in c)
    token = env["OCO_API_TOKEN"]
    assert rasa[rasa.index("--auth-token") + 1] == token
    if preset:
        assert token == preset and "OCO_API_TOKEN (eenmalig getoond)" not in out
    else:
        assert out.count(token) == 1 and "OCO_API_TOKEN (eenmalig getoond)" in out
    assert all(e["OCO_ACTION_SECRET"] == env["OCO_ACTION_SECRET"] for _, e in FakeProcess.started)
    assert env["OCO_ACTION_SECRET"] not in out and env["OCO_PROXY_SECRET"] not in out


def test_the_nginx_example_exposes_only_rasa_webhooks() -> None:
    """docs/deploy/nginx.conf: publicly only /webhooks/* reaches Rasa, never its HTTP API."""
    import re

    from bot.paths import PROJECT_ROOT

    conf = (PROJECT_ROOT / "docs" / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    public = conf[conf.index("listen 80;"):]
    locations = re.findall(r"location\s+([^{]+?)\s*\{(.*?)\n    \}", public, re.DOTALL)
    to_rasa = [where for where, body in locations if "proxy_pass http://oco_rasa" in body]
    assert to_rasa and all("/webhooks/" in where for where in to_rasa), to_rasa
    assert any("conversations|model" in where and "return 404" in body for where, body in locations)
    rest = next(body for where, body in locations if "/webhooks/rest/webhook" in where)
    assert 'proxy_set_header X-OCO-Proxy-Secret ""' in rest
    internal = conf[conf.index("server {"):conf.index("listen 80;")]
    assert "listen 127.0.0.1:5080" in internal


def test_a_non_ascii_csrf_value_is_just_wrong_not_an_error() -> None:
    from bot.webapp.security import csrf_ok, csrf_token

    token = csrf_token("secret", "session")
    assert csrf_ok("secret", "session", token)
    for submitted in ("é" * 64, "\u202e" + token[1:], token + "ü", "\udc80"):
        assert csrf_ok("secret", "session", submitted) is False
