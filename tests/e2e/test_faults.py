"""Faults against real processes: the intake database (PostgreSQL) or the action server
goes away while residents talk to the assistant.

One Rasa, the action server and the web app start once for the module. Intakes live in a
PostgreSQL database of their own that the tests make unavailable and available again;
conversations stay in SQLite so Rasa itself keeps working.
"""

from __future__ import annotations

import re
import uuid
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa

from bench.stack import Stack, create_database, drop_database, postgres_available, postgres_url, set_connections_allowed
from bot.ops.gate.limits import limit_texts
from bot.ops.intake.models import intakes
from bot.ops.processes import MODEL_PATH
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.stack]

GEMEENTE = "dordrecht"


def texts(messages: list[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def click(stack: Stack, sender: str, messages: list[dict], title_part: str) -> list[dict]:
    for message in messages:
        for button in message.get("buttons") or []:
            if title_part.lower() in button["title"].lower():
                return stack.send(stack.rasa_urls[0], sender, button["payload"], GEMEENTE)
    raise AssertionError(f"no button {title_part!r} in {texts(messages)!r}")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    if not MODEL_PATH.exists():
        skip_or_fail("no trained model: run `make train`")
    if not postgres_available():
        skip_or_fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    database = create_database("oco_faults")
    workdir = tmp_path_factory.mktemp("faults")
    stack = Stack(
        workdir=workdir,
        database_url=postgres_url(database),
        tracker_store_url=f"sqlite:///{workdir / 'tracker.db'}",
        web=True,
    )
    try:
        stack.start()
        yield stack, database
    finally:
        stack.stop()
        drop_database(database)


def health(stack: Stack) -> tuple[int, dict]:
    response = requests.get(f"{stack.web_url}/healthz", timeout=10)
    return response.status_code, response.json()


def intake_rows(stack: Stack, name: str) -> int:
    engine = sa.create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(intakes).where(intakes.c.name == name)
            return connection.execute(query).scalar()
    finally:
        engine.dispose()


def test_intake_confirmed_while_the_database_is_down_is_not_saved_then_works(faulty) -> None:
    stack, database = faulty
    sender = f"fault-{uuid.uuid4().hex[:10]}"
    name = "Anna de Vries"  # the module's database is new: no other intake has this name
    messages = stack.send(stack.rasa_urls[0], sender, "ik wil graag dat iemand mij belt", GEMEENTE)
    messages = click(stack, sender, messages, "Ja")
    messages = stack.send(stack.rasa_urls[0], sender, name, GEMEENTE)
    messages = click(stack, sender, messages, "Bellen")
    messages = stack.send(stack.rasa_urls[0], sender, "0612345678", GEMEENTE)
    assert "Waar wilt u hulp bij?" in texts(messages)  # nothing told yet: one open question
    messages = stack.send(stack.rasa_urls[0], sender, "hulp bij mijn schulden", GEMEENTE)
    confirmation = click(stack, sender, messages, "Maakt niet uit")
    assert "Versturen" in str(confirmation)

    set_connections_allowed(database, False)
    try:
        status, report = health(stack)
        assert status == 503 and report["database"] == "down" and report["rasa"] == "ok"
        failed = click(stack, sender, confirmation, "Versturen")
        reply = texts(failed)
        assert "niet gelukt" in reply and "niet bewaard" in reply and "opnieuw" in reply
        assert not re.search(r"OCO-\d{4}-\d{5}", reply)
    finally:
        set_connections_allowed(database, True)
    assert intake_rows(stack, name) == 0  # nothing half-written

    saved = click(stack, sender, failed, "Versturen")
    reference = re.search(r"OCO-\d{4}-\d{5}", texts(saved))
    assert reference, texts(saved)
    assert intake_rows(stack, name) == 1
    assert health(stack)[0] == 200


def test_action_server_down_gets_a_dutch_answer_with_a_phone_route(faulty) -> None:
    stack, _ = faulty
    stack.stop(["actions"])
    try:
        status, report = health(stack)
        assert status == 503
        assert report["actions"] == "down" and report["rasa"] == "ok" and report["database"] == "ok"

        response = requests.post(
            f"{stack.rasa_urls[0]}/webhooks/rest/webhook",
            json={"sender": f"fault-{uuid.uuid4().hex[:10]}", "message": "ik heb schulden",
                  "metadata": {"gemeente": "almere"}},
            timeout=60,
        )
        assert response.status_code == 200
        last = response.json()[-1]["text"]
        assert last.startswith(limit_texts()["actions_down"].split("{", 1)[0].strip()[:40])
        assert "opnieuw" in last
        route = last.split("Wilt u nu iemand spreken?", 1)[1]
        assert re.search(r"Bel .+: [0-9 ()-]{10,}", route), route

        web = requests.post(f"{stack.web_url}/api/chat",
                            json={"sender": f"fault{uuid.uuid4().hex[:10]}", "message": "wat kost het?"}, timeout=60)
        assert web.status_code == 200 and web.json()[-1]["text"]
    finally:
        stack.start(["actions"])
    assert health(stack)[0] == 200
