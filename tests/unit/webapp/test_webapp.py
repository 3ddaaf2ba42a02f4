"""The web app on a real 127.0.0.1 port, with a fake Rasa and a fake action server.

Everything runs in one background event loop (thread); the tests talk HTTP with
`requests`, like a browser or the widget would. The harness is tests/support/web.py, its
fixtures (``stack``, ``web_url``, ``fake``) are in tests/unit/webapp/conftest.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from bot.domain.gemeente_recognition import served_gemeenten
from bot.ops.intake.store import IntakeStore
from bot.paths import PROJECT_ROOT
from bot.webapp.app import TEMPLATES_DIR
from bot.webapp.chat_proxy import texts
from tests.support.web import STAFF_TOKEN, FakeRasa, Stack, dead_url, free_socket


def chat(web_url: str, body: Any, **kwargs: Any) -> requests.Response:
    return requests.post(f"{web_url}/api/chat", json=body, timeout=10, **kwargs)


# --- /healthz ---------------------------------------------------------------------------


def test_healthz_ok_when_all_parts_answer(web_url: str, fake: FakeRasa) -> None:
    resp = requests.get(f"{web_url}/healthz", timeout=10)
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "rasa": "ok", "actions": "ok", "database": "ok"}
    assert requests.head(f"{web_url}/healthz", timeout=10).status_code == 200


@pytest.mark.parametrize("part", ["rasa", "actions"])
def test_healthz_503_names_the_part_that_answers_an_error(
    web_url: str, fake: FakeRasa, part: str
) -> None:
    setattr(fake, f"{part}_status", 503)
    resp = requests.get(f"{web_url}/healthz", timeout=10)
    assert resp.status_code == 503
    report = resp.json()
    assert report["status"] == "degraded"
    assert report[part] == "down"
    assert [name for name in ("rasa", "actions", "database") if report[name] == "down"] == [part]


def test_healthz_503_when_rasa_and_actions_are_unreachable(stack: Stack, fake: FakeRasa) -> None:
    url = stack.start_webapp(stack.settings(rasa_url=dead_url(), action_server_url=dead_url()))
    resp = requests.get(f"{url}/healthz", timeout=10)
    assert resp.status_code == 503
    assert resp.json() == {
        "status": "degraded",
        "rasa": "down",
        "actions": "down",
        "database": "ok",
    }


def test_healthz_503_when_database_is_gone(stack: Stack, fake: FakeRasa) -> None:
    db_dir = stack.tmp / "db-that-disappears"
    db_dir.mkdir()
    store = IntakeStore(f"sqlite:///{db_dir / 'intakes.db'}")
    url = stack.start_webapp(stack.settings(), intake_store=store)
    assert requests.get(f"{url}/healthz", timeout=10).status_code == 200
    store.dispose()
    # The web app's background work may open the database (and SQLite its -wal/-shm files)
    # while we delete: remove the folder until it stays gone; then SQLite cannot make it again.
    for _ in range(50):
        shutil.rmtree(db_dir, ignore_errors=True)
        if not db_dir.exists():
            break
        time.sleep(0.05)
    assert not db_dir.exists()
    resp = requests.get(f"{url}/healthz", timeout=10)
    assert resp.status_code == 503
    assert resp.json() == {"status": "degraded", "rasa": "ok", "actions": "ok", "database": "down"}


# --- chat proxy ---------------------------------------------------------------------------


def test_chat_forwards_and_adds_channel_and_gemeente(web_url: str, fake: FakeRasa) -> None:
    body = {
        "sender": "abc_123-XYZ",
        "message": "Wat is onafhankelijke cliëntondersteuning?",
        "metadata": {"gemeente": "Schouwen-Duiveland", "channel": "whatsapp", "extra": "x"},
    }
    resp = chat(web_url, body)
    assert resp.status_code == 200
    assert resp.json() == [
        {"recipient_id": "abc_123-XYZ", "text": "U zei: Wat is onafhankelijke cliëntondersteuning?"}
    ]
    assert fake.received == [
        {
            "sender": "abc_123-XYZ",
            "message": "Wat is onafhankelijke cliëntondersteuning?",
            "metadata": {"channel": "web", "gemeente": "schouwen-duiveland"},
        }
    ]


@pytest.mark.parametrize("gemeente", ["../etc", "<script>", "a" * 80, 42, "den bosch"])
def test_chat_drops_an_invalid_gemeente(web_url: str, fake: FakeRasa, gemeente: Any) -> None:
    resp = chat(web_url, {"sender": "s1", "message": "hoi", "metadata": {"gemeente": gemeente}})
    assert resp.status_code == 200
    assert fake.received[-1]["metadata"] == {"channel": "web"}


def test_chat_without_metadata_still_sets_channel(web_url: str, fake: FakeRasa) -> None:
    resp = chat(web_url, {"sender": "s1", "message": "/greet"})
    assert resp.status_code == 200
    expected = {"sender": "s1", "message": "/greet", "metadata": {"channel": "web"}}
    assert fake.received[-1] == expected


@pytest.mark.parametrize("status", [500, 503])
def test_chat_rasa_error_gives_dutch_message_with_phone_route(
    web_url: str, fake: FakeRasa, status: int
) -> None:
    fake.webhook_status = status
    resp = chat(web_url, {"sender": "s2", "message": "Ik wil hulp"})
    assert resp.status_code == 200
    messages = resp.json()
    assert len(messages) == 1
    assert messages[0]["recipient_id"] == "s2"
    text = messages[0]["text"]
    for needle in ("bel uw gemeente", "112", "113", "0800-2000"):
        assert needle in text.lower()


def test_chat_rasa_unreachable_never_5xx(stack: Stack, fake: FakeRasa) -> None:
    url = stack.start_webapp(stack.settings(rasa_url=dead_url()))
    resp = chat(url, {"sender": "s3", "message": "Hallo"})
    assert resp.status_code == 200
    assert resp.json() == [{"recipient_id": "s3", "text": texts()["rasa_unreachable"]}]


def test_chat_too_long_message_is_refused_politely(
    web_url: str, fake: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCO_MAX_MESSAGE_LENGTH", "50")
    resp = chat(web_url, {"sender": "s4", "message": "x" * 51})
    assert resp.status_code == 200
    [message] = resp.json()
    assert message["recipient_id"] == "s4"
    assert "te lang" in message["text"] and "50" in message["text"]
    assert fake.received == []
    assert chat(web_url, {"sender": "s4", "message": "x" * 50}).status_code == 200
    assert len(fake.received) == 1


def test_chat_default_limit_is_2000(web_url: str, fake: FakeRasa) -> None:
    resp = chat(web_url, {"sender": "s5", "message": "y" * 2001})
    assert "2000" in resp.json()[0]["text"]
    assert fake.received == []


def test_body_above_64_kb_is_413(web_url: str, fake: FakeRasa) -> None:
    resp = chat(web_url, {"sender": "s6", "message": "z" * 70_000})
    assert resp.status_code == 413
    assert fake.received == []


def test_bad_json_is_400_json(web_url: str, fake: FakeRasa) -> None:
    resp = requests.post(
        f"{web_url}/api/chat",
        data="{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "bad_request"
    assert fake.received == []


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {"message": "hoi"},
        {"sender": "", "message": "hoi"},
        {"sender": "a" * 65, "message": "hoi"},
        {"sender": "evil id", "message": "hoi"},
        {"sender": "x/../y", "message": "hoi"},
        {"sender": "s7", "message": 12},
        {"sender": "s7", "message": "   "},
        {"sender": "s7"},
    ],
)
def test_invalid_chat_input_is_400_json(web_url: str, fake: FakeRasa, body: Any) -> None:
    resp = chat(web_url, body)
    assert resp.status_code == 400
    assert resp.json()["error"] == "bad_request"
    assert fake.received == []


def test_chat_cors_preflight_and_response(web_url: str, fake: FakeRasa) -> None:
    origin = {"Origin": "https://www.dordrecht.nl"}
    pre = requests.options(
        f"{web_url}/api/chat",
        headers={**origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
        timeout=10,
    )
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()
    resp = chat(web_url, {"sender": "s8", "message": "hoi"}, headers=origin)
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_chat_logs_neither_message_nor_sender(
    stack: Stack, fake: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    url = stack.start_webapp(stack.settings(rasa_url=dead_url()))
    caplog.set_level("DEBUG")
    chat(url, {"sender": "sender-geheim-42", "message": "Mijn naam is Jan Jansen 0612345678"})
    fake.webhook_status = 500
    chat(url, {"sender": "sender-geheim-42", "message": "Mijn naam is Jan Jansen 0612345678"})
    logged = caplog.text
    assert "chat proxy" in logged  # the failure itself is logged ...
    for secret in ("sender-geheim-42", "Jansen", "0612345678"):
        assert secret not in logged  # ... without personal data


# --- pages, static files and security headers ---------------------------------------------


def test_index_renders_with_known_gemeente(web_url: str) -> None:
    slug, naam = served_gemeenten()[0]
    resp = requests.get(f"{web_url}/", params={"gemeente": slug}, timeout=10)
    assert resp.status_code == 200
    assert 'src="/static/oco-chat.js"' in resp.text
    assert f'data-gemeente="{slug}"' in resp.text
    assert naam in resp.text


def test_index_unknown_gemeente_still_works(web_url: str) -> None:
    resp = requests.get(f"{web_url}/", params={"gemeente": '"><script>x</script>'}, timeout=10)
    assert resp.status_code == 200
    assert 'data-gemeente=""' in resp.text
    assert "<script>x</script>" not in resp.text


def test_static_widget_is_served_for_other_origins(web_url: str) -> None:
    resp = requests.get(f"{web_url}/static/oco-chat.js", timeout=10)
    assert resp.status_code == 200
    assert "javascript" in resp.headers["Content-Type"]
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert requests.get(f"{web_url}/static/staff/staff.css", timeout=10).status_code == 200


@pytest.mark.parametrize("path", ["/", "/healthz", "/staff/login", "/static/staff/staff.js"])
def test_security_headers_on_every_response(web_url: str, fake: FakeRasa, path: str) -> None:
    resp = requests.get(f"{web_url}{path}", timeout=10)
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["object-src"] == "'none'"
    assert "frame-ancestors" in directives
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_demo_page_may_only_be_framed_by_itself_staff_never(web_url: str) -> None:
    demo = requests.get(f"{web_url}/", timeout=10).headers["Content-Security-Policy"]
    staff = requests.get(f"{web_url}/staff/login", timeout=10).headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in demo
    assert "frame-ancestors 'none'" in staff


def test_errors_carry_security_headers_too(web_url: str) -> None:
    resp = requests.get(f"{web_url}/bestaat-niet", timeout=10)
    assert resp.status_code == 404
    assert "Content-Security-Policy" in resp.headers


def test_no_inline_script_or_style_in_any_template() -> None:
    templates = list(TEMPLATES_DIR.rglob("*.html"))
    assert len(templates) >= 5
    for path in templates:
        source = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", source, flags=re.IGNORECASE):
            assert "src=" in tag, f"inline <script> in {path.name}"
        assert not re.search(r"\son[a-z]+\s*=", source), f"inline event handler in {path.name}"
        assert not re.search(r"<style\b", source, flags=re.IGNORECASE), path.name
        assert not re.search(r"\sstyle\s*=", source), f"style attribute in {path.name}"
        assert "javascript:" not in source.lower(), path.name


# --- python -m bot.webapp ---------------------------------------------------------------


@pytest.mark.slow
def test_module_entry_point_serves_healthz(stack: Stack, fake: FakeRasa) -> None:
    port_sock = free_socket()
    port = port_sock.getsockname()[1]
    port_sock.close()
    env = {
        **os.environ,
        "OCO_WEB_PORT": str(port),
        "OCO_RASA_URL": stack.rasa_url,
        "OCO_ACTION_SERVER_URL": stack.action_url,
        "OCO_DATABASE_URL": f"sqlite:///{stack.tmp / 'main.db'}",
        "OCO_STAFF_TOKEN": STAFF_TOKEN,
        "OCO_SMTP_HOST": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.webapp"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        resp = None
        while time.monotonic() < deadline and resp is None:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert resp is not None, "python -m bot.webapp did not start"
        assert resp.status_code == 200
        assert resp.json()["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(10)
