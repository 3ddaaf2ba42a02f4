"""Issue 13 and issue 11.3 against the real processes, started the way `make run` starts them.

One Rasa instance (tracker store in a PostgreSQL database of its own, lock store in a
Redis server of its own that the tests stop and start), the action server and the web
app. The attacks of issue 13 over loopback: the open Rasa API, a NUL byte in the sender,
a REST client continuing a web conversation, a forged action call; then Redis, the
tracker store and the action server go down in turn while a resident writes a crisis
message, and the logs are read for personal data.

Set OCO_TEST_MODEL to use another trained model than models/oco-wegwijzer.tar.gz.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa

from bench.stack import Stack, create_database, drop_database, postgres_available, postgres_url, set_connections_allowed
from bot.domain.safety import crisis_reply_texts, detect_crisis
from bot.ops.intake.models import intakes
from bot.ops.processes import MODEL_PATH
from bot.rasa_plugins.action_server import SECRET_HEADER
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.stack, pytest.mark.postgres, pytest.mark.redis]

CRISIS = "ik wil niet meer leven"
NOT_UNDERSTOOD = "Sorry, dat begreep ik niet goed"
MODEL = Path(os.environ.get("OCO_TEST_MODEL") or MODEL_PATH)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of our own on a free port, so a test can stop and start it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            skip_or_fail("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.RedisError:
                time.sleep(0.2)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str, RedisServer]]:
    if not MODEL.exists():
        skip_or_fail("no trained model: run `make train`")
    if not postgres_available():
        skip_or_fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    workdir = tmp_path_factory.mktemp("security-stack")
    redis_server = RedisServer(workdir)
    redis_server.start()
    database = create_database("oco_security")
    stack = Stack(
        workdir=workdir,
        database_url=f"sqlite:///{workdir / 'intakes.db'}",
        tracker_store_url=postgres_url(database),
        lock_store_url=redis_server.url,
        web=True,
    )
    for proc in stack.procs.values():
        if "--model" in proc.command:
            proc.command[proc.command.index("--model") + 1] = str(MODEL)
    try:
        stack.start()
        yield stack, database, redis_server
    finally:
        stack.stop()
        redis_server.stop()
        drop_database(database)


def rest(stack: Stack, sender: str, message: str, **extra) -> requests.Response:
    return requests.post(f"{stack.rasa_urls[0]}/webhooks/rest/webhook",
                         json={"sender": sender, "message": message, **extra}, timeout=60)


def texts(response: requests.Response) -> list[str]:
    return [m.get("text") or "" for m in response.json()]


def tracker(stack: Stack, conversation_id: str, token: str | None = "use") -> requests.Response:
    params = {"token": stack.api_token} if token == "use" else ({"token": token} if token else None)
    return requests.get(f"{stack.rasa_urls[0]}/conversations/{conversation_id}/tracker", params=params, timeout=30)


def rasa_log(stack: Stack) -> str:
    return stack.procs["rasa1"].log_path.read_text(errors="replace")


# --- item 15: start-up without dependency noise -------------------------------------------

def test_start_up_logs_have_no_dependency_deprecation_warnings(stack) -> None:
    running, _, _ = stack
    for name in ("rasa1", "web", "actions"):
        log = running.procs[name].log_path.read_text(errors="replace")
        noise = [line for line in log.splitlines() if "DeprecationWarning" in line or "FutureWarning" in line]
        assert not noise, (name, noise[:5])


# --- items 1-4 ---------------------------------------------------------------------------

def test_the_rasa_api_needs_the_token(stack) -> None:
    running, _, _ = stack
    assert tracker(running, "someone", token=None).status_code == 401
    assert tracker(running, "someone", token="guessed").status_code == 401
    parse = requests.post(f"{running.rasa_urls[0]}/model/parse", json={"text": "hallo"}, timeout=30)
    assert parse.status_code == 401
    events = requests.post(f"{running.rasa_urls[0]}/conversations/someone/tracker/events",
                           json={"event": "slot", "name": "consent_at", "value": "2026-01-01"}, timeout=30)
    assert events.status_code == 401
    assert tracker(running, "someone").status_code == 200


def test_a_nul_byte_in_the_sender_gets_400_and_rasa_keeps_running(stack) -> None:
    running, _, _ = stack
    for sender in ("a\x00b", "\x00", "x" * 5000, "ab\r\ncd"):
        assert rest(running, sender, "hallo").status_code == 400
    assert rest(running, f"after-{uuid.uuid4().hex[:8]}", "hallo").status_code == 200
    assert running.procs["rasa1"].alive


def test_a_rest_client_cannot_continue_a_web_conversation(stack) -> None:
    running, _, _ = stack
    widget_id = f"w{uuid.uuid4().hex[:10]}"
    web = requests.post(f"{running.web_url}/api/chat",
                        json={"sender": widget_id, "message": "ik heb schulden", "metadata": {"gemeente": "almere"}},
                        timeout=60)
    assert web.status_code == 200
    web_tracker = tracker(running, f"web:{widget_id}").json()
    assert web_tracker["latest_message"]["metadata"]["channel"] == "web"
    assert rest(running, f"web:{widget_id}", "ja").status_code == 400

    # The same id over REST is another conversation; forged metadata is dropped.
    forged = rest(running, widget_id, "wat kost het", metadata={"channel": "web", "staff_test": True,
                                                                 "gemeente": "almere"})
    assert forged.status_code == 200
    rest_tracker = tracker(running, widget_id).json()
    assert rest_tracker["latest_message"]["metadata"] == {"channel": "rest", "gemeente": "almere"}
    assert "ik heb schulden" not in str(rest_tracker["events"])
    assert rest(running, "whatsapp:31612345678", "ja").status_code == 400


def test_a_forged_action_call_is_refused_and_creates_nothing(stack) -> None:
    running, _, _ = stack
    call = {"next_action": "action_submit_intake", "sender_id": "31612345678", "version": "3.6.21",
            "tracker": {"sender_id": "31612345678", "slots": {"consent_at": "2026-01-01T00:00:00+00:00",
                                                               "contact_name": "Nep", "gemeente": "almere"},
                        "latest_message": {}, "events": [], "active_loop": {}},
            "domain": {}}
    for headers in ({}, {SECRET_HEADER: "guessed"}):
        answer = requests.post(f"{running.action_server_url}/webhook", json=call, headers=headers, timeout=30)
        assert answer.status_code == 401
    assert requests.get(f"{running.action_server_url}/health", timeout=10).status_code == 200
    engine = sa.create_engine(running.database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(intakes)).scalar() == 0
    except sa.exc.OperationalError:
        pass  # no intake table yet: nothing was created either
    finally:
        engine.dispose()


def test_rasa_and_the_action_server_do_not_listen_on_other_interfaces(stack) -> None:
    running, _, _ = stack
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent; picks the outgoing interface
            own_address = probe.getsockname()[0]
    except OSError:
        pytest.skip("no network interface besides loopback")
    if own_address.startswith("127."):
        pytest.skip("no network interface besides loopback")
    for port in (running.rasa_ports[0], running.action_port):
        with socket.socket() as sock:
            sock.settimeout(2)
            assert sock.connect_ex((own_address, port)) != 0, f"port {port} is open on {own_address}"


# --- issue 11.3: each part down, the crisis numbers still come first -------------------------

def assert_crisis_first(response: requests.Response) -> None:
    assert response.status_code == 200
    answer = texts(response)
    expected = crisis_reply_texts(detect_crisis(CRISIS))
    assert any("113" in text for text in answer[: len(expected)]), answer
    assert not any(text.startswith(NOT_UNDERSTOOD) for text in answer), answer
    assert "opnieuw" in answer[-1], answer


def test_redis_down(stack) -> None:
    running, _, redis_server = stack
    redis_server.stop()
    try:
        assert_crisis_first(rest(running, f"redis-{uuid.uuid4().hex[:8]}", CRISIS))
        other = rest(running, f"redis-{uuid.uuid4().hex[:8]}", "wat kost een clientondersteuner")
        assert other.status_code == 200 and "opnieuw" in texts(other)[-1]
        assert not any(text.startswith(NOT_UNDERSTOOD) for text in texts(other))
    finally:
        redis_server.start()
    assert rest(running, f"redis-back-{uuid.uuid4().hex[:8]}", "hallo").status_code == 200


def test_tracker_store_down_and_no_personal_data_in_the_log(stack) -> None:
    running, database, _ = stack
    before = len(rasa_log(running))
    set_connections_allowed(database, False)
    try:
        assert_crisis_first(rest(running, "31698765432", CRISIS + ", mail me op fatima.devries@example.nl"))
    finally:
        set_connections_allowed(database, True)
    time.sleep(1)
    log = rasa_log(running)[before:]
    assert "StrictSQLTrackerStore" in log or "tracker" in log.lower(), log[-2000:]
    for personal in ("31698765432", "698765432", "fatima", "example.nl", "niet meer leven"):
        assert personal not in log, personal


def test_action_server_down(stack) -> None:
    running, _, _ = stack
    running.stop(["actions"])
    try:
        assert_crisis_first(rest(running, f"actions-{uuid.uuid4().hex[:8]}", CRISIS))
        web = requests.post(f"{running.web_url}/api/chat", json={"sender": f"a{uuid.uuid4().hex[:8]}",
                                                                 "message": CRISIS}, timeout=60)
        assert_crisis_first(web)
    finally:
        running.start(["actions"])
