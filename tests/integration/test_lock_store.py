"""The Redis lock store of the production-like stack, against the real local Redis (REDIS_URL).

Several Rasa instances share one conversation's lock through Redis. Rasa 3.6's own
`RedisLockStore` issues tickets by read-modify-write, so two instances taking a ticket at the
same moment get the same number (RasaHQ/rasa#9213); the first test shows that happens here,
which is what makes the others meaningful. `AtomicRedisLockStore` must give every ticket a
number of its own, serve one ticket at a time, in the order they were issued, and leave nothing
behind in Redis.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from sto_assistent.lock_store import AtomicRedisLockStore
from sto_assistent.settings import setting

REDIS_URL = setting("REDIS_URL")
ISSUERS = 2
TICKETS_PER_ISSUER = 300


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable (.ci/run starts it): {error}")
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client: redis.Redis) -> Iterator[str]:
    prefix = f"test{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in redis_client.scan_iter(f"{prefix}*"):
        redis_client.delete(key)


def issue_concurrently(make_store: Callable[[], Any], conversation_id: str) -> list[int]:
    """ISSUERS threads, each with its own store (as separate Rasa instances have), issue tickets
    for one conversation at the same time; every number handed out."""
    barrier = threading.Barrier(ISSUERS)
    issued: list[list[int]] = [[] for _ in range(ISSUERS)]

    def issuer(index: int) -> None:
        store = make_store()
        barrier.wait()
        for _ in range(TICKETS_PER_ISSUER):
            issued[index].append(store.issue_ticket(conversation_id, 60))

    threads = [threading.Thread(target=issuer, args=(i,)) for i in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [number for numbers in issued for number in numbers]


def test_rasas_redis_lock_store_hands_out_the_same_ticket_twice(key_prefix):
    from rasa.core.lock_store import RedisLockStore

    def rasa_store() -> Any:
        url = urlsplit(REDIS_URL)
        store = RedisLockStore(host=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0))
        store.key_prefix = f"{key_prefix}:lock:"  # keep clear of any real lock
        return store

    numbers = issue_concurrently(rasa_store, "race")
    assert len(numbers) == ISSUERS * TICKETS_PER_ISSUER
    assert len(set(numbers)) < len(numbers), "no duplicate ticket: the race this module guards against did not show"


def test_every_ticket_is_unique_with_concurrent_issuers(key_prefix, redis_client):
    numbers = issue_concurrently(lambda: AtomicRedisLockStore(url=REDIS_URL, key_prefix=key_prefix), "race")
    assert len(numbers) == ISSUERS * TICKETS_PER_ISSUER
    assert len(set(numbers)) == len(numbers), "two issuers got the same ticket"
    lock = AtomicRedisLockStore(url=REDIS_URL, key_prefix=key_prefix).get_lock("race")
    assert lock is not None
    assert [ticket.number for ticket in lock.tickets] == sorted(numbers), "a ticket was lost from the queue"


class RecordingStore(AtomicRedisLockStore):
    """Remembers, per thread, the ticket it issued last (the lock's holder needs its number)."""

    local = threading.local()

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = 60) -> int:
        number = super().issue_ticket(conversation_id, lock_lifetime)
        self.local.ticket = number
        return number


def test_instances_are_served_one_at_a_time_in_ticket_order(key_prefix, redis_client):
    """Four 'instances' each handle five messages of the same conversation."""
    instances, messages = 4, 5
    served: list[tuple[int, float, float]] = []  # ticket, entered, left
    inside = 0
    most_inside = 0
    guard = threading.Lock()
    barrier = threading.Barrier(instances)

    async def handle(store: RecordingStore) -> None:
        nonlocal inside, most_inside
        for _ in range(messages):
            async with store.lock("conversation", lock_lifetime=30, wait_time_in_seconds=0.005):
                with guard:
                    inside += 1
                    most_inside = max(most_inside, inside)
                entered = time.monotonic()
                await asyncio.sleep(0.02)  # the turn's work
                left = time.monotonic()
                with guard:
                    inside -= 1
                    served.append((store.local.ticket, entered, left))

    def instance() -> None:
        store = RecordingStore(url=REDIS_URL, key_prefix=key_prefix)
        barrier.wait()
        asyncio.run(handle(store))

    threads = [threading.Thread(target=instance) for _ in range(instances)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(served) == instances * messages
    assert most_inside == 1, "two instances held the conversation's lock at once"
    in_time_order = sorted(served, key=lambda s: s[1])
    tickets = [ticket for ticket, _, _ in in_time_order]
    assert tickets == sorted(tickets), "a later ticket was served before an earlier one"
    assert all(a[2] <= b[1] for a, b in zip(in_time_order, in_time_order[1:], strict=False))
    assert list(redis_client.scan_iter(f"{key_prefix}*")) == [], "the lock was not removed after the last turn"


def test_an_expired_ticket_no_longer_blocks_the_conversation(key_prefix, redis_client):
    store = AtomicRedisLockStore(url=REDIS_URL, key_prefix=key_prefix)
    store.issue_ticket("stuck", lock_lifetime=0.5)  # an instance that died while holding the lock

    async def next_turn() -> float:
        start = time.monotonic()
        async with store.lock("stuck", lock_lifetime=30, wait_time_in_seconds=0.05):
            return time.monotonic() - start

    waited = asyncio.run(next_turn())
    assert 0.3 < waited < 5, f"waited {waited:.2f} s for a lock that expires after 0.5 s"
    assert list(redis_client.scan_iter(f"{key_prefix}*")) == []
