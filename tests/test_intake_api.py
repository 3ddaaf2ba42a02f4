"""Staff intake API: a real Sanic server on 127.0.0.1, called with `requests`."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sanic import Sanic
from sanic.touchup import TouchUp

from bot.intake.api import create_intake_blueprint
from bot.intake.store import CONTRACT_FIELDS, IntakeStore
from tests.db_fixtures import add_tracker_events, make_draft, tracker_senders

pytest_plugins = ["tests.db_fixtures"]

TOKEN = "staff-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Api:
    base: str
    store: IntakeStore
    tracker_url: str

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("headers", AUTH)
        return requests.get(self.base + path, timeout=10, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("headers", AUTH)
        return requests.patch(self.base + path, timeout=10, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("headers", AUTH)
        return requests.delete(self.base + path, timeout=10, **kwargs)


def serve_in_thread(app: Sanic, port: int) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    """Run a Sanic 21.12 app on its own event loop in a daemon thread."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                              access_log=False)
        )
        loop.run_until_complete(server.startup())
        started.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(20), "Sanic did not start"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return loop, thread


@pytest.fixture
def pristine_sanic(monkeypatch) -> Iterator[None]:
    """Sanic 21.12 rewrites some of its own methods at start-up ("touchup"), which breaks
    a second app in the same process; test mode plus restoring the originals avoids that
    and leaves the process as we found it for other tests."""
    originals = {(target, name): getattr(target, name) for target, name in TouchUp._registry}
    monkeypatch.setattr(Sanic, "test_mode", True)
    yield
    for (target, name), method in originals.items():
        setattr(target, name, method)


@pytest.fixture
def api(store: IntakeStore, tmp_path, monkeypatch, pristine_sanic) -> Iterator[Api]:
    monkeypatch.setenv("OCO_STAFF_TOKEN", TOKEN)
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    app = Sanic(f"oco_api_test_{uuid.uuid4().hex[:8]}")
    app.blueprint(create_intake_blueprint(store, tracker_store_url=tracker_url))
    port = free_port()
    loop, thread = serve_in_thread(app, port)
    yield Api(f"http://127.0.0.1:{port}", store, tracker_url)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)


PROTECTED = [
    ("get", "/api/intakes"),
    ("get", "/api/intakes/OCO-2026-00001"),
    ("patch", "/api/intakes/OCO-2026-00001"),
    ("delete", "/api/intakes/OCO-2026-00001"),
    ("get", "/api/outbox"),
]


BAD_HEADERS = [
    {},
    {"Authorization": "Bearer wrong-token"},
    {"Authorization": TOKEN},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Bearer {TOKEN}x"},
]


def test_every_route_refuses_without_the_token(api: Api) -> None:
    reference = api.store.create_intake(make_draft(), "team@oco.example")["reference"]
    for method, path in PROTECTED:
        for headers in BAD_HEADERS:
            response = getattr(api, method)(
                path.replace("OCO-2026-00001", reference), headers=headers,
                json={"status": "in_behandeling"},
            )
            assert response.status_code == 401, (method, path, headers)
            assert set(response.json()) == {"error"}
            assert "Fatima" not in response.text
    assert api.store.get_intake(reference)["status"] == "nieuw"
    assert api.get("/api/intakes").status_code == 200


def test_when_no_token_is_configured_everything_is_refused(api: Api, monkeypatch) -> None:
    monkeypatch.setenv("OCO_STAFF_TOKEN", "")
    api.store.create_intake(make_draft(), None)
    for headers in ({}, {"Authorization": "Bearer "}, AUTH):
        response = api.get("/api/intakes", headers=headers)
        assert response.status_code == 401
        assert "intakes" not in response.json()


def test_list_newest_first_with_filters(api: Api) -> None:
    first = api.store.create_intake(make_draft(gemeente="almere"), None)
    second = api.store.create_intake(make_draft(gemeente="dordrecht"), None)
    third = api.store.create_intake(make_draft(gemeente="almere"), None)
    api.store.update_status(first["reference"], "in_behandeling")

    response = api.get("/api/intakes")
    assert response.status_code == 200
    intakes = response.json()["intakes"]
    assert [i["reference"] for i in intakes] == [third["reference"], second["reference"],
                                                 first["reference"]]
    assert set(CONTRACT_FIELDS) <= set(intakes[0])

    almere = api.get("/api/intakes", params={"gemeente": "almere"}).json()["intakes"]
    assert [i["reference"] for i in almere] == [third["reference"], first["reference"]]
    new_in_almere = api.get("/api/intakes", params={"gemeente": "almere", "status": "nieuw"})
    assert [i["reference"] for i in new_in_almere.json()["intakes"]] == [third["reference"]]
    assert api.get("/api/intakes", params={"status": "kwijt"}).status_code == 400


def test_get_one_intake(api: Api) -> None:
    record = api.store.create_intake(make_draft(), "team@oco.example")
    response = api.get(f"/api/intakes/{record['reference']}")
    assert response.status_code == 200
    assert response.json() == record
    assert api.get("/api/intakes/OCO-1999-00001").status_code == 404
    assert api.get("/api/intakes/niet-bestaand").status_code == 404


def test_patch_moves_status_forward_and_explains_refusals_in_dutch(api: Api) -> None:
    reference = api.store.create_intake(make_draft(), None)["reference"]
    path = f"/api/intakes/{reference}"

    skipped = api.patch(path, json={"status": "afgerond"})
    assert skipped.status_code == 400
    assert "nieuw" in skipped.json()["error"] and "afgerond" in skipped.json()["error"]
    assert api.patch(path, json={}).status_code == 400
    assert api.patch(path, data="geen json", headers={**AUTH, "Content-Type":
                                                      "application/json"}).status_code == 400

    moved = api.patch(path, json={"status": "in_behandeling"})
    assert moved.status_code == 200
    assert moved.json()["status"] == "in_behandeling"
    assert api.patch(path, json={"status": "afgerond"}).json()["status"] == "afgerond"
    assert api.patch(path, json={"status": "nieuw"}).status_code == 400
    assert api.store.get_intake(reference)["status"] == "afgerond"
    assert api.patch("/api/intakes/OCO-1999-00001",
                     json={"status": "in_behandeling"}).status_code == 404


def test_delete_removes_the_intake_and_its_conversation(api: Api) -> None:
    now = time.time()
    add_tracker_events(api.tracker_url, [("conv-a", now - 60), ("conv-a", now),
                                         ("conv-b", now)])
    gone = api.store.create_intake(make_draft(conversation_id="conv-a"), "team@oco.example")
    kept = api.store.create_intake(make_draft(conversation_id="conv-b"), "team@oco.example")

    response = api.delete(f"/api/intakes/{gone['reference']}")
    assert response.status_code == 200
    assert response.json() == {"deleted": gone["reference"], "conversation_deleted": True,
                               "conversation_events_deleted": 2}
    assert api.get(f"/api/intakes/{gone['reference']}").status_code == 404
    assert [sender for sender, _ in tracker_senders(api.tracker_url)] == ["conv-b"]
    assert [i["reference"] for i in api.get("/api/intakes").json()["intakes"]] == [
        kept["reference"]
    ]
    assert api.delete(f"/api/intakes/{gone['reference']}").status_code == 404


def test_delete_works_before_the_tracker_store_has_tables(api: Api) -> None:
    record = api.store.create_intake(make_draft(conversation_id="conv-x"), None)
    response = api.delete(f"/api/intakes/{record['reference']}")
    assert response.status_code == 200
    assert response.json()["conversation_events_deleted"] == 0
    assert api.store.get_intake(record["reference"]) is None


def test_outbox_shows_delivery_status_without_bodies(api: Api) -> None:
    sent_to_team = api.store.create_intake(make_draft(), "team@oco.example")
    by_hand = api.store.create_intake(make_draft(), None)

    rows = api.get("/api/outbox").json()["outbox"]
    assert {(r["reference"], r["status"]) for r in rows} == {
        (sent_to_team["reference"], "pending"), (by_hand["reference"], "geen_adres")
    }
    for row in rows:
        assert "body" not in row and "subject" not in row
    assert "Fatima" not in api.get("/api/outbox").text
    one = api.get("/api/outbox", params={"reference": by_hand["reference"]}).json()["outbox"]
    assert [r["status"] for r in one] == ["geen_adres"]
