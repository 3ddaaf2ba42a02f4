"""Staff intake API: a real Sanic server on 127.0.0.1, called with `requests`.

The administrator's token (OCO_STAFF_TOKEN) sees every municipality; a staff account's
token only its own: other references answer 404. Reads and changes land in the access log.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
import requests
from sanic import Sanic
from sanic.touchup import TouchUp

from bot.ops.intake.store import CONTRACT_FIELDS, RECORD_FIELDS, IntakeStore
from bot.ops.settings import load_settings
from bot.ops.staff_accounts import StaffAccounts
from bot.webapp.intake_api import create_intake_blueprint
from tests.support.db import add_tracker_events, make_draft, tracker_senders

pytest_plugins = ["tests.support.db"]

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
    accounts: StaffAccounts

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


def start_api(store: IntakeStore, tracker_url: str, staff_token: str):
    app = Sanic(f"oco_api_test_{uuid.uuid4().hex[:8]}")
    app.ctx.settings = replace(load_settings(), staff_token=staff_token)
    app.ctx.staff_accounts = StaffAccounts(store.engine, store.writer)
    app.blueprint(create_intake_blueprint(store, tracker_store_url=tracker_url))
    port = free_port()
    loop, thread = serve_in_thread(app, port)
    return Api(f"http://127.0.0.1:{port}", store, tracker_url, app.ctx.staff_accounts), loop, thread


@pytest.fixture
def api(store: IntakeStore, tmp_path, pristine_sanic) -> Iterator[Api]:
    running, loop, thread = start_api(store, f"sqlite:///{tmp_path / 'tracker.db'}", TOKEN)
    yield running
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


def test_when_no_token_is_configured_everything_is_refused(
    store: IntakeStore, tmp_path, pristine_sanic
) -> None:
    running, loop, thread = start_api(store, f"sqlite:///{tmp_path / 't.db'}", staff_token="")
    try:
        store.create_intake(make_draft(), None)
        for headers in ({}, {"Authorization": "Bearer "}, AUTH, {"Authorization": "Bearer  "}):
            response = running.get("/api/intakes", headers=headers)
            assert response.status_code == 401
            assert "intakes" not in response.json()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


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
    assert set(RECORD_FIELDS) <= set(intakes[0])

    almere = api.get("/api/intakes", params={"gemeente": "almere"}).json()["intakes"]
    assert [i["reference"] for i in almere] == [third["reference"], first["reference"]]
    new_in_almere = api.get("/api/intakes", params={"gemeente": "almere", "status": "nieuw"})
    assert [i["reference"] for i in new_in_almere.json()["intakes"]] == [third["reference"]]
    assert api.get("/api/intakes", params={"status": "kwijt"}).status_code == 400
    assert api.get("/api/intakes", params={"urgent": "misschien"}).status_code == 400
    assert api.get("/api/intakes", params={"gemeente": "Den Haag!"}).status_code == 400


def test_get_one_intake(api: Api) -> None:
    record = api.store.create_intake(make_draft(), "team@oco.example")
    response = api.get(f"/api/intakes/{record['reference']}")
    assert response.status_code == 200
    assert response.json() == record
    assert api.get("/api/intakes/OCO-1999-00001").status_code == 404
    assert api.get("/api/intakes/niet-bestaand").status_code == 404


def test_patch_sets_the_status_with_who_and_explains_refusals_in_dutch(api: Api) -> None:
    reference = api.store.create_intake(make_draft(), None)["reference"]
    path = f"/api/intakes/{reference}"

    unknown = api.patch(path, json={"status": "gearchiveerd"})
    assert unknown.status_code == 400
    assert "nieuw" in unknown.json()["error"] and "afgerond" in unknown.json()["error"]
    assert api.patch(path, json={}).status_code == 400
    assert api.patch(path, json={"status": 3}).status_code == 400
    assert api.patch(path, data="geen json", headers={**AUTH, "Content-Type":
                                                      "application/json"}).status_code == 400

    moved = api.patch(path, json={"status": "in_behandeling"})
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["status_changed_by"]) == ("in_behandeling",
                                                                           "beheerder")
    assert api.patch(path, json={"status": "afgerond"}).json()["status"] == "afgerond"
    assert api.patch(path, json={"status": "nieuw"}).json()["status"] == "nieuw"  # reopened
    assert api.store.get_intake(reference)["status"] == "nieuw"
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


# --- staff accounts per municipality ---------------------------------------------------------


def test_an_account_token_sees_and_changes_only_its_municipality(api: Api) -> None:
    mine = api.store.create_intake(make_draft(gemeente="dordrecht"), None)
    theirs = api.store.create_intake(make_draft(gemeente="almere", conversation_id="c-al"), None)
    account, token = api.accounts.add("dordrecht", "Team OCO Dordrecht")
    team = {"Authorization": f"Bearer {token}"}

    listed = api.get("/api/intakes", headers=team).json()["intakes"]
    assert [r["reference"] for r in listed] == [mine["reference"]]
    other = api.get("/api/intakes", headers=team, params={"gemeente": "almere"}).json()
    assert other == {"intakes": []}
    assert api.get(f"/api/intakes/{mine['reference']}", headers=team).status_code == 200
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(f"/api/intakes/{theirs['reference']}", headers=team,
                                        json={"status": "afgerond"})
        assert response.status_code == 404, method
        assert response.json() == {"error": "Deze aanvraag bestaat niet (meer)."}
        assert "Fatima" not in response.text
    assert api.store.get_intake(theirs["reference"])["status"] == "nieuw"
    outbox = api.get("/api/outbox", headers=team).json()["outbox"]
    assert [row["reference"] for row in outbox] == [mine["reference"]]

    changed = api.patch(f"/api/intakes/{mine['reference']}", headers=team,
                        json={"status": "in_behandeling"})
    assert changed.json()["status_changed_by"] == "Team OCO Dordrecht"
    # The administrator still sees both.
    assert len(api.get("/api/intakes").json()["intakes"]) == 2

    assert api.accounts.revoke(account.id)
    assert api.get("/api/intakes", headers=team).status_code == 401


def test_reads_and_changes_land_in_the_access_log(api: Api) -> None:
    first = api.store.create_intake(make_draft(gemeente="dordrecht"), None)["reference"]
    second = api.store.create_intake(make_draft(gemeente="almere"), None)["reference"]
    _account, token = api.accounts.add("almere", "Sanne (OCO Almere)")
    team = {"Authorization": f"Bearer {token}"}

    api.get("/api/intakes")
    api.get(f"/api/intakes/{second}", headers=team)
    api.patch(f"/api/intakes/{second}", headers=team, json={"status": "afgerond"})
    api.get(f"/api/intakes/{first}", headers=team)  # 404: not logged as a read
    api.delete(f"/api/intakes/{first}")

    log = [(e["actor"], e["action"], e["reference"], e["gemeente"], e["detail"])
           for e in reversed(api.store.access_log.entries())]
    assert log == [
        ("beheerder", "in_lijst", second, "almere", None),
        ("beheerder", "in_lijst", first, "dordrecht", None),
        ("Sanne (OCO Almere)", "gelezen", second, "almere", None),
        ("Sanne (OCO Almere)", "status_gewijzigd", second, "almere", "afgerond"),
        ("beheerder", "verwijderd", first, "dordrecht", None),
    ]
    for entry in api.store.access_log.entries():
        assert "Fatima" not in str(entry)


@pytest.mark.parametrize(
    "header",
    ["Bearer tökén-met-accenten", "Bearer \u00e9\u00e9n", "Bearer " + "x" * 5000, "Bearer \x7f",
     "bearer " + TOKEN.upper()],
)
def test_odd_tokens_are_401_not_500(api: Api, header: str) -> None:
    response = api.get("/api/intakes", headers={"Authorization": header.encode("utf-8")})
    assert response.status_code == 401
