"""Several Rasa instances, one conversation: two Rasa servers, one action server, a shared
PostgreSQL tracker store and intake database, and the Redis lock store (bot.rasa_plugins.stores).

The processes start once for the module (each Rasa needs ~1 GB and half a minute).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Iterator

import pytest
import requests

from bench.stack import Stack, create_database, drop_database, postgres_available, postgres_url
from bot.ops.intake.store import IntakeStore
from bot.ops.processes import MODEL_PATH
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.stack, pytest.mark.multi]

REDIS_URL = "redis://127.0.0.1:6379/12"
GEMEENTE = "dordrecht"


def texts(messages: list[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def click(stack: Stack, url: str, sender: str, messages: list[dict], title_part: str) -> list[dict]:
    """Send the payload of the first button whose title contains ``title_part``."""
    for message in messages:
        for button in message.get("buttons") or []:
            if title_part.lower() in button["title"].lower():
                return stack.send(url, sender, button["payload"], GEMEENTE)
    raise AssertionError(f"no button {title_part!r} in {texts(messages)!r}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        skip_or_fail("no trained model: run `make train`")
    if not postgres_available():
        skip_or_fail("PostgreSQL is not reachable on 127.0.0.1:5432")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).flushdb()
    except Exception:
        skip_or_fail("Redis is not reachable on 127.0.0.1:6379")
    database = create_database()
    url = postgres_url(database)
    stack = Stack(
        workdir=tmp_path_factory.mktemp("multi"),
        database_url=url,
        tracker_store_url=url,
        lock_store_url=REDIS_URL,
        rasa_instances=2,
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        drop_database(database)


def new_sender() -> str:
    return f"multi-{uuid.uuid4().hex[:12]}"


def handover_until_confirmation(stack: Stack, urls: list[str], sender: str) -> list[dict]:
    """The intake form, each turn on the next instance in ``urls`` (round robin)."""
    turn = iter(urls * 10)
    messages = stack.send(next(turn), sender, "ik wil graag dat iemand mij belt over mijn schulden", GEMEENTE)
    assert "Het wijkteam leest ze niet" in texts(messages)
    messages = click(stack, next(turn), sender, messages, "Ja")
    assert "naam" in texts(messages).lower()
    messages = stack.send(next(turn), sender, "Fatima El Amrani", GEMEENTE)
    messages = click(stack, next(turn), sender, messages, "Bellen")
    messages = stack.send(next(turn), sender, "06-12345678", GEMEENTE)
    messages = click(stack, next(turn), sender, messages, "Maakt niet uit")
    assert "06 12345678" in texts(messages), texts(messages)
    return messages


def confirm(stack: Stack, url: str, sender: str, messages: list[dict]) -> str:
    messages = click(stack, url, sender, messages, "Versturen")
    reference = re.search(r"OCO-\d{4}-\d{5}", texts(messages))
    assert reference, texts(messages)
    return reference.group(0)


def test_alternating_instances_keep_the_form_and_its_slots(stack: Stack) -> None:
    sender = new_sender()
    first, second = stack.rasa_urls
    messages = handover_until_confirmation(stack, [first, second], sender)
    slots = stack.tracker(first, sender)["slots"]
    assert slots["contact_name"] == "Fatima El Amrani"
    assert slots["contact_phone"] == "+31612345678"
    assert stack.tracker(second, sender)["active_loop"]["name"] == "intake_form"
    reference = confirm(stack, second, sender, messages)
    record = IntakeStore(stack.database_url).get_intake(reference)
    assert record["name"] == "Fatima El Amrani"
    assert record["phone"] == "+31612345678"


def user_turns(tracker: dict) -> list[list[dict]]:
    """The tracker's events split into turns, each starting with a user event."""
    turns: list[list[dict]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    return turns


QUESTIONS = ["wat kost een clientondersteuner?", "wat is het verschil met het wijkteam",
             "wie kan er gebruik van maken?", "is het echt onafhankelijk?"]


def send_concurrently(stack: Stack, sender: str, count: int, stagger_s: float) -> tuple[list[str], dict]:
    """Send ``count`` messages of one conversation, alternating instances, all in flight together."""
    sent = [f"{QUESTIONS[n % len(QUESTIONS)]} ({n})" for n in range(count)]
    answers: dict[int, list[dict]] = {}

    def post(number: int) -> None:
        time.sleep(number * stagger_s)
        answers[number] = stack.send(stack.rasa_urls[number % 2], sender, sent[number], GEMEENTE)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sent, answers


def assert_each_message_had_one_whole_turn(stack: Stack, sender: str, sent: list[str], answers: dict) -> list:
    assert sorted(answers) == list(range(len(sent))), "a request got no answer"
    turns = user_turns(stack.tracker(stack.rasa_urls[0], sender))
    assert sorted(turn[0]["text"] for turn in turns) == sorted(sent), "a message was lost or doubled"
    for turn in turns:
        # Handled completely before the next message started, with what its HTTP answer said.
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen", turn[-1]
        number = sent.index(turn[0]["text"])
        bot_texts = [event.get("text") for event in turn if event["event"] == "bot"]
        assert bot_texts and bot_texts == [message.get("text") for message in answers[number]]
    return turns


def test_a_burst_on_both_instances_is_processed_completely_one_message_at_a_time(stack: Stack) -> None:
    sender = new_sender()
    sent, answers = send_concurrently(stack, sender, 12, stagger_s=0.0)
    assert_each_message_had_one_whole_turn(stack, sender, sent, answers)


def test_messages_sent_one_after_another_to_both_instances_keep_their_order(stack: Stack) -> None:
    # 150 ms apart: later messages arrive while earlier ones are still queued or running.
    sender = new_sender()
    sent, answers = send_concurrently(stack, sender, 10, stagger_s=0.15)
    turns = assert_each_message_had_one_whole_turn(stack, sender, sent, answers)
    assert [turn[0]["text"] for turn in turns] == sent


def test_stopping_one_instance_mid_conversation_loses_nothing(stack: Stack) -> None:
    sender = new_sender()
    first, second = stack.rasa_urls
    messages = stack.send(second, sender, "ik wil graag dat iemand mij belt over mijn schulden", GEMEENTE)
    messages = click(stack, second, sender, messages, "Ja")
    messages = stack.send(second, sender, "Jan de Vries", GEMEENTE)
    stack.stop(["rasa2"])
    with pytest.raises(requests.ConnectionError):
        stack.send(second, sender, "hallo", GEMEENTE, timeout=5)
    messages = click(stack, first, sender, messages, "Bellen")
    messages = stack.send(first, sender, "0612345678", GEMEENTE)
    messages = click(stack, first, sender, messages, "Maakt niet uit")
    reference = confirm(stack, first, sender, messages)
    assert IntakeStore(stack.database_url).get_intake(reference)["name"] == "Jan de Vries"


def test_restarting_everything_keeps_conversations_and_intakes(stack: Stack) -> None:
    sender = new_sender()
    first = stack.rasa_urls[0]
    messages = handover_until_confirmation(stack, [first], sender)
    reference = confirm(stack, first, sender, messages)
    before = [event for event in stack.tracker(first, sender)["events"] if event["event"] == "user"]

    stack.stop()
    stack.start()

    second = stack.rasa_urls[1]
    after = [event for event in stack.tracker(second, sender)["events"] if event["event"] == "user"]
    assert [e["text"] for e in after] == [e["text"] for e in before]
    assert stack.tracker(second, sender)["slots"]["intake_reference"] == reference
    assert IntakeStore(stack.database_url).get_intake(reference)["name"] == "Fatima El Amrani"
    # And the conversation goes on where it was.
    assert texts(stack.send(second, sender, "wat kost het?", GEMEENTE)).strip()
