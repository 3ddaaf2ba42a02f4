"""Lock stores shared by several Rasa instances (Redis): mutual exclusion and order.

Each thread plays one Rasa instance: its own event loop and its own Redis connections.
Inside the lock it does a read-modify-write of a shared counter with a pause in the
middle, the way an instance reads a tracker, predicts and writes it back.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid

import pytest
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_plugins.stores import LockStoreFromUrl, RedisQueueLockStore, StoreUnavailable
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.redis

REDIS_DB = int(os.environ.get("OCO_TEST_REDIS_DB", "11"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture(scope="module", autouse=True)
def redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except Exception:
        skip_or_fail("Redis is not reachable on 127.0.0.1:6379")


def run_instances(
    make_store, instances: int = 4, messages_each: int = 6, lifetime: float = 10
) -> tuple[int, int, list[int]]:
    """(counter at the end, number of increments, order in which tickets were served).

    A message whose lock fails (LockError) or hangs is a lost message: it leaves the counter alone.
    """
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    key = f"test-counter-{uuid.uuid4().hex}"
    conversation = f"conv-{uuid.uuid4().hex}"
    client.set(key, 0)
    served: list[int] = []

    def instance() -> None:
        store = make_store()

        async def one_message() -> None:
            try:
                async with store.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.005):
                    value = int(client.get(key))
                    served.append(value)
                    time.sleep(0.003)
                    client.set(key, value + 1)
            except LockError:
                pass

        async def bounded() -> None:
            try:
                await asyncio.wait_for(one_message(), timeout=5)
            except asyncio.TimeoutError:
                pass  # stuck waiting for the lock: lost as well

        async def main() -> None:
            await asyncio.gather(*(bounded() for _ in range(messages_each)))

        asyncio.run(main())

    threads = [threading.Thread(target=instance) for _ in range(instances)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    final = int(client.get(key))
    client.delete(key)
    return final, instances * messages_each, served


def test_queue_lock_store_never_lets_two_instances_in_at_once() -> None:
    final, expected, served = run_instances(lambda: RedisQueueLockStore(REDIS_URL, key_prefix="test:lock:"))
    assert final == expected
    assert served == list(range(expected))


def test_rasa_redis_lock_store_is_unsafe_across_instances() -> None:
    """Why bot.rasa_plugins.stores has its own lock store: Rasa's loses updates under the same load."""
    lost = 0
    for _ in range(3):
        final, expected, _ = run_instances(
            lambda: RedisLockStore(db=REDIS_DB, key_prefix="testrasa"), lifetime=1
        )
        lost += expected - final
        if lost:
            break
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("testrasa:*"):
        client.delete(key)  # Rasa's store leaves its broken locks behind
    assert lost > 0, "Rasa's RedisLockStore kept every update: re-check whether it became safe"


async def test_queue_lock_serves_tickets_in_arrival_order() -> None:
    store = RedisQueueLockStore(REDIS_URL, key_prefix="test:lock:")
    conversation = f"conv-{uuid.uuid4().hex}"
    order: list[int] = []

    async def message(number: int) -> None:
        await asyncio.sleep(number * 0.1)  # spaced enough for a busy machine
        async with store.lock(conversation, lock_lifetime=10):
            order.append(number)
            await asyncio.sleep(0.005)

    await asyncio.gather(*(message(n) for n in range(10)))
    assert order == list(range(10))


async def test_a_dead_holder_is_skipped_after_its_lifetime() -> None:
    store = RedisQueueLockStore(REDIS_URL, key_prefix="test:lock:")
    conversation = f"conv-{uuid.uuid4().hex}"
    seq, queue, alive = store._keys(conversation)
    # A holder that took a ticket and died without releasing it (its lifetime ran out).
    ticket = int(await store._issue(keys=[seq, queue], args=[alive, 200, 60000]))
    assert ticket == 1
    started = time.monotonic()
    async with store.lock(conversation, lock_lifetime=5):
        waited = time.monotonic() - started
    assert 0.1 < waited < 3


def test_lock_store_from_url_uses_the_safe_store_and_refuses_an_unreachable_redis() -> None:
    store = LockStoreFromUrl(EndpointConfig(url=REDIS_URL))
    assert isinstance(store, RedisQueueLockStore)
    with pytest.raises(StoreUnavailable, match="OCO_LOCK_STORE_URL"):
        LockStoreFromUrl(EndpointConfig(url="redis://127.0.0.1:1/0"))
