"""Start an assistant of several processes on 127.0.0.1: one action server, N Rasa instances
and optionally the web app, with shared stores. Used by the scale tests and the benchmark.

Every process gets its own free port and log file; stop() ends only the processes it
started. PostgreSQL databases are created with a unique name and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import requests

from bot.ops.processes import service_environment, services, wait_until_ready
from bot.ops.settings import Settings, load_settings
from bot.paths import PROJECT_ROOT

POSTGRES_ADMIN_URL = os.environ.get("OCO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
STARTUP_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _admin_execute(*statements: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def postgres_available() -> bool:
    try:
        _admin_execute("SELECT 1")
    except Exception:
        return False
    return True


def create_database(prefix: str = "oco_scale") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    return name


def set_connections_allowed(name: str, allowed: bool) -> None:
    """Make a database (un)available; disallowing also ends its open connections."""
    _admin_execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
    if not allowed:
        _admin_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )


def drop_database(name: str) -> None:
    set_connections_allowed(name, False)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}"')


@contextlib.contextmanager
def temporary_database(prefix: str = "oco_scale") -> Iterator[str]:
    name = create_database(prefix)
    try:
        yield name
    finally:
        drop_database(name)


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a live process in MB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Proc:
    name: str
    command: list[str]
    ready_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    peak_mb: float = 0.0

    def start(self) -> None:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def sample_memory(self) -> None:
        if self.alive:
            self.peak_mb = max(self.peak_mb, peak_rss_mb(self.process.pid) or 0.0)

    def stop(self, timeout: float = 20) -> None:
        if not self.alive:
            return
        self.sample_memory()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Stack:
    """One action server, ``rasa_instances`` Rasa servers and optionally the web app."""

    workdir: Path
    database_url: str
    tracker_store_url: str
    lock_store_url: str = ""
    rasa_instances: int = 1
    web: bool = False
    api_token: str = "scale-test-token"
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.action_port = free_port()
        self.web_port = free_port()
        self.rasa_ports = [free_port() for _ in range(self.rasa_instances)]
        base = self.settings_for(self.rasa_ports[0])
        self.env = service_environment(base, base=self._clean_environ())
        self.env.update({
            "OCO_DATABASE_URL": self.database_url,
            "OCO_TRACKER_STORE_URL": self.tracker_store_url,
            "OCO_LOCK_STORE_URL": self.lock_store_url,
            "OCO_ACTION_ENDPOINT_URL": f"{base.action_server_url}/webhook",
            "OCO_ACTION_SERVER_URL": base.action_server_url,
            "OCO_API_TOKEN": self.api_token,
            "OCO_STAFF_TOKEN": "scale-staff-token",
            "OCO_SMTP_HOST": "",
            "OCO_WEB_PORT": str(self.web_port),
            **self.extra_env,
        })
        found = {service.name: service for service in services(base, web=self.web)}
        actions = found["actions"]
        self.procs["actions"] = Proc("actions", actions.command, actions.ready_url, self.env,
                                     self.workdir / "actions.log")
        for index, port in enumerate(self.rasa_ports):
            settings = self.settings_for(port)
            rasa = next(s for s in services(settings, web=False) if s.name == "rasa")
            env = {**self.env, "OCO_RASA_PORT": str(port), "OCO_RASA_URL": settings.rasa_url}
            self.procs[f"rasa{index + 1}"] = Proc(f"rasa{index + 1}", rasa.command, rasa.ready_url, env,
                                                  self.workdir / f"rasa{index + 1}.log")
        if self.web:
            web = found["web"]
            self.procs["web"] = Proc("web", web.command, web.ready_url, self.env, self.workdir / "web.log")

    @staticmethod
    def _clean_environ() -> dict[str, str]:
        """The parent's environment without OCO_ settings (the stack sets its own)."""
        return {k: v for k, v in os.environ.items() if not k.startswith("OCO_")}

    def settings_for(self, rasa_port: int) -> Settings:
        return replace(
            load_settings(),
            rasa_port=rasa_port,
            action_port=self.action_port,
            web_port=self.web_port,
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            action_server_url=f"http://127.0.0.1:{self.action_port}",
            api_token=self.api_token,
            database_url=self.database_url,
            tracker_store_url=self.tracker_store_url,
            lock_store_url=self.lock_store_url,
        )

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def action_server_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def start(self, names: list[str] | None = None, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        """Start the named processes (default: all, web app last) and wait until they answer."""
        names = names or list(self.procs)
        early = [n for n in names if n != "web"]
        for name in early:
            self.procs[name].start()
        self._wait(early, timeout_s)
        if "web" in names:
            self.procs["web"].start()
            self._wait(["web"], timeout_s, ready=lambda url: requests.get(url, timeout=3).status_code in (200, 503))

    def _wait(self, names: list[str], timeout_s: float, ready=None) -> None:
        procs = [self.procs[name] for name in names]
        if ready is None:
            ok = wait_until_ready([p.ready_url for p in procs], timeout_s, is_alive=lambda: all(p.alive for p in procs))
        else:
            deadline = time.monotonic() + timeout_s
            ok = False
            while time.monotonic() < deadline and all(p.alive for p in procs):
                try:
                    ok = all(ready(p.ready_url) for p in procs)
                except requests.RequestException:
                    ok = False
                if ok:
                    break
                time.sleep(0.5)
        if not ok:
            tails = "\n".join(f"--- {p.name}\n{p.log_tail()}" for p in procs)
            self.stop()
            raise RuntimeError(f"services did not start: {names}\n{tails}")

    def stop(self, names: list[str] | None = None) -> None:
        for name in reversed(names or list(self.procs)):
            self.procs[name].stop()

    def sample_memory(self) -> dict[str, float]:
        for proc in self.procs.values():
            proc.sample_memory()
        return {name: round(proc.peak_mb, 1) for name, proc in self.procs.items()}

    def send(self, rasa_url: str, sender: str, message: str, gemeente: str | None = None,
             timeout: float = 60) -> list[dict]:
        body: dict = {"sender": sender, "message": message}
        if gemeente:
            body["metadata"] = {"gemeente": gemeente}
        response = requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def tracker(self, rasa_url: str, sender: str) -> dict:
        response = requests.get(f"{rasa_url}/conversations/{sender}/tracker",
                                params={"token": self.api_token}, timeout=30)
        response.raise_for_status()
        return response.json()
