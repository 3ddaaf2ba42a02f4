"""Issue 11.3 at the channels: with Redis, the tracker store or the action server down (or
Rasa unreachable), a crisis message still gets the crisis numbers first.

The channels are served for real on 127.0.0.1. Behind them sits a small stand-in for
Rasa's agent that uses the real stores the way Rasa does (take the conversation's lock,
read the tracker, answer, save it), so the failures are the real ones: a Redis lock store
on a port where nothing listens, a tracker store whose database broke (behind Rasa's own
FailSafeTrackerStore), an action server that does not answer ``/health``.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from sanic import Sanic

from bot.domain.safety import crisis_reply_texts, detect_crisis
from bot.ops.gate.limits import limit_texts
from bot.ops.settings import load_settings
from bot.rasa_plugins.channels.rest import SafeRestInput
from bot.rasa_plugins.channels.shared import ActionServerProbe
from bot.webapp.app import create_app
from bot.webapp.chat_proxy import texts as web_texts
from tests.support.channels import (
    FixedProbe,
    delivery,
    make_channel,
    post_signed,
    serve,
    start,
    stop,
    text_message,
)

CRISIS = "ik wil niet meer leven"
CRISIS_VARIANTS = [CRISIS, "ik wil dood", "Mijn man slaat me elke avond",
                   "ik zie het niet meer zitten, ik wil er niet meer zijn"]
NOT_UNDERSTOOD = "Sorry, dat begreep ik niet goed. Wilt u het anders zeggen?"
_names = itertools.count()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def expected_crisis(text: str) -> list[str]:
    return crisis_reply_texts(detect_crisis(text))


@dataclass
class MiniAgent:
    """What Rasa's Agent does around one message, with real lock and tracker stores."""

    lock_store: Any
    tracker_store: Any
    answer: str = NOT_UNDERSTOOD

    async def on_new_message(self, message: Any) -> None:
        from rasa.shared.core.events import UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        async with self.lock_store.lock(message.sender_id):
            tracker = await self.tracker_store.retrieve(message.sender_id)
            tracker = tracker or DialogueStateTracker(message.sender_id, slots=[])
            tracker.update(UserUttered(message.text))
            await message.output_channel.send_response(message.sender_id, {"text": self.answer})
            await self.tracker_store.save(tracker)


def redis_down() -> Any:
    from bot.rasa_plugins.stores import RedisQueueLockStore

    return RedisQueueLockStore(f"redis://127.0.0.1:{closed_port()}/0")


def memory_locks() -> Any:
    from rasa.core.lock_store import InMemoryLockStore

    return InMemoryLockStore()


def tracker_store(url: str, broken: bool) -> Any:
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.rasa_plugins.stores import StrictSQLTrackerStore

    store = FailSafeTrackerStore(StrictSQLTrackerStore(host=url))
    if broken:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE events"))
        engine.dispose()
    return store


@pytest.fixture
def agent_for(tmp_path):
    def make(fault: str) -> MiniAgent:
        url = f"sqlite:///{tmp_path / f'tracker-{next(_names)}.db'}"
        locks = redis_down() if fault == "redis" else memory_locks()
        return MiniAgent(locks, tracker_store(url, broken=fault == "tracker_store"))

    return make


def probe_for(fault: str) -> Any:
    # The action server: a real probe against a port where nothing listens when it is down.
    if fault == "action_server":
        return ActionServerProbe(f"http://127.0.0.1:{closed_port()}/health")
    return FixedProbe(True)


async def rest_post(agent: MiniAgent, probe: Any, message: str, gemeente: str | None = None) -> tuple[int, list]:
    settings = replace(load_settings(), lock_store_url="", rate_limit="off")
    channel = SafeRestInput(settings, probe=probe)
    app = Sanic(f"faults_rest_{next(_names)}")
    app.blueprint(channel.blueprint(agent.on_new_message), url_prefix="/webhooks/rest")
    server, url = await start(app)
    body: dict = {"sender": f"fault-{next(_names)}", "message": message}
    if gemeente:
        body["metadata"] = {"gemeente": gemeente}
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{url}/webhooks/rest/webhook", json=body) as resp:
                return resp.status, await resp.json()
    finally:
        await stop(server)


FAULTS = ["redis", "tracker_store", "action_server"]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("message", CRISIS_VARIANTS)
async def test_rest_answers_a_crisis_with_the_crisis_numbers_when_a_part_is_down(agent_for, fault: str,
                                                                                 message: str) -> None:
    status, answer = await rest_post(agent_for(fault), probe_for(fault), message, "dordrecht")
    texts = [m["text"] for m in answer]
    assert status == 200
    crisis = expected_crisis(message)
    assert texts[: len(crisis)] == crisis, texts  # first, in the safety module's order
    assert NOT_UNDERSTOOD not in texts
    assert "opnieuw" in texts[-1]  # the fault text with a phone route comes last


@pytest.mark.parametrize("fault", FAULTS)
async def test_rest_answers_other_messages_with_the_fault_text_and_a_phone_route(agent_for, fault: str) -> None:
    status, answer = await rest_post(agent_for(fault), probe_for(fault), "wat kost een clientondersteuner", "almere")
    assert status == 200
    assert "opnieuw" in answer[-1]["text"] and "Bel " in answer[-1]["text"]
    assert not any("113 Zelfmoordpreventie" in m["text"] for m in answer)
    if fault == "redis":  # nothing was processed: no "please rephrase", only the fault text
        assert [m["text"] for m in answer] == [answer[-1]["text"]]


async def test_rest_with_everything_up_leaves_the_answer_to_the_bot(agent_for) -> None:
    status, answer = await rest_post(agent_for("none"), FixedProbe(True), CRISIS)
    assert status == 200 and [m["text"] for m in answer] == [NOT_UNDERSTOOD]


# --- WhatsApp ------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", FAULTS)
async def test_whatsapp_answers_a_crisis_with_the_crisis_numbers_when_a_part_is_down(graph, agent_for,
                                                                                     fault: str) -> None:
    agent = agent_for(fault)
    settings = replace(load_settings(), lock_store_url="", rate_limit="off")
    channel = make_channel(graph, settings=settings, action_probe=probe_for(fault))
    server, url = await serve(channel, agent, graph)
    try:
        assert await post_signed(url, delivery(text_message(CRISIS))) == 200
        await asyncio.wait_for(channel.wait_idle(), 20)
    finally:
        await stop(server)
    bodies = [m["text"]["body"] for m in graph.delivered]
    crisis = expected_crisis(CRISIS)
    if fault == "redis":  # the bot said nothing: the crisis numbers come first
        assert bodies[: len(crisis)] == crisis, bodies
    else:  # the bot's stray answer was already sent; the crisis numbers follow at once
        assert bodies[1 : 1 + len(crisis)] == crisis, bodies
    assert "opnieuw" in bodies[-1]
    assert all(m["to"] == "31612345678" for m in graph.delivered)


async def test_whatsapp_crisis_over_the_rate_limit_still_gets_the_numbers(graph, agent_for) -> None:
    settings = replace(load_settings(), lock_store_url="", rate_limit="1/minute")
    channel = make_channel(graph, settings=settings, action_probe=FixedProbe(True))
    agent = agent_for("none")
    server, url = await serve(channel, agent, graph)
    try:
        for text in ("hallo", CRISIS):
            assert await post_signed(url, delivery(text_message(text))) == 200
            await asyncio.wait_for(channel.wait_idle(), 20)
    finally:
        await stop(server)
    bodies = [m["text"]["body"] for m in graph.delivered]
    assert bodies == [NOT_UNDERSTOOD, *expected_crisis(CRISIS)]
    assert limit_texts()["rate_limited"] not in bodies


# --- the web app's chat proxy: Rasa does not answer ----------------------------------------

@pytest.mark.parametrize("message", CRISIS_VARIANTS)
async def test_web_chat_answers_a_crisis_itself_when_rasa_is_unreachable(tmp_path, message: str) -> None:
    settings = replace(load_settings(), rasa_url=f"http://127.0.0.1:{closed_port()}", lock_store_url="",
                       database_url=f"sqlite:///{tmp_path / 'intakes.db'}")
    server, url = await start(create_app(settings, name=f"faults_web_{next(_names)}"))
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{url}/api/chat", json={"sender": "w-crisis", "message": message}) as resp:
                status, answer = resp.status, await resp.json()
            async with http.post(f"{url}/api/chat", json={"sender": "w-other", "message": "hallo"}) as resp:
                other = await resp.json()
    finally:
        await stop(server)
    assert status == 200
    crisis = expected_crisis(message)
    assert [m["text"] for m in answer] == [*crisis, web_texts()["rasa_unreachable"]]
    assert [m["text"] for m in other] == [web_texts()["rasa_unreachable"]]
