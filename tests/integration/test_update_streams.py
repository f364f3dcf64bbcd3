"""The update streams against the real Redis: de-duplication, order, take-over, dead letters."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.runtime.keys import RuntimeKeys
from bot.runtime.streams import UpdateStreams, ordering_key, partition_of

pytestmark = pytest.mark.redis


def private(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1, "text": text,
        "chat": {"id": user_id, "type": "private"}, "from": {"id": user_id, "is_bot": False, "first_name": "b"}}}


def in_topic(update_id: int, chat_id: int, thread: int, user_id: int) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1, "text": "hi", "message_thread_id": thread, "is_topic_message": True,
        "chat": {"id": chat_id, "type": "supergroup"}, "from": {"id": user_id, "is_bot": False, "first_name": "a"}}}


@pytest.fixture
def streams(redis: Redis, key_prefix: str) -> UpdateStreams:
    return UpdateStreams(redis, RuntimeKeys(key_prefix, 4))


def test_a_buyer_keeps_one_order_across_room_and_private_chat() -> None:
    room = {"update_id": 1, "message": {"message_id": 5, "date": 1, "text": "多少钱",
                                        "chat": {"id": -100100, "type": "supergroup"},
                                        "from": {"id": 700001, "is_bot": False, "first_name": "b"}}}
    assert ordering_key(room) == ordering_key(private(2, 700001, "x")) == "user:700001"
    assert ordering_key(in_topic(3, -100900, 42, 900001)) == "topic:-100900:42"
    assert ordering_key(in_topic(4, -100900, 42, 900002)) == ordering_key(in_topic(3, -100900, 42, 900001))
    assert {partition_of(f"user:{u}", 16) for u in range(700000, 700100)} == set(range(16))


async def test_a_redelivered_update_is_kept_once(streams: UpdateStreams) -> None:
    assert await streams.add(private(10, 700001, "什么时候发货"))
    assert not await streams.add(private(10, 700001, "什么时候发货"))
    partition = partition_of("user:700001", 4)
    entries = await streams.read_new(partition, "w1", 10, 0)
    assert [e.update_id for e in entries] == [10]


async def test_unfinished_updates_of_a_dead_worker_are_taken_over_in_order(streams: UpdateStreams) -> None:
    for update_id in (1, 2, 3):
        await streams.add(private(update_id, 700002, f"第{update_id}条"))
    partition = partition_of("user:700002", 4)
    read = await streams.read_new(partition, "dead-worker", 2, 0)
    assert [e.update_id for e in read] == [1, 2]

    # Not idle long enough yet: nothing is taken, and the survivor knows two are waiting.
    taken, waiting = await streams.take_over(partition, "survivor", min_idle_ms=60_000)
    assert (taken, waiting) == ([], 2)

    taken, waiting = await streams.take_over(partition, "survivor", min_idle_ms=0)
    assert [e.update_id for e in taken] == [1, 2] and waiting == 0
    for entry in taken:
        await streams.settle(entry)
    assert [e.update_id for e in await streams.read_new(partition, "survivor", 10, 0)] == [3]
    stats = await streams.stats(partition)
    assert (stats.length, stats.pending) == (1, 1)


async def test_a_dead_letter_can_be_retried_or_dropped(streams: UpdateStreams) -> None:
    await streams.add(private(20, 700003, "坏消息"))
    await streams.add(private(21, 700004, "另一条"))
    entries = [e for p in streams.partitions for e in await streams.read_new(p, "w", 10, 0)]
    for entry in entries:
        await streams.dead_letter(entry, "ConnectionError: refused", 5)
    letters = await streams.dead_letters()
    assert sorted(l.update_id for l in letters) == [20, 21]
    assert all(l.reason == "ConnectionError: refused" and l.attempts == 5 for l in letters)
    assert sum([(await streams.stats(p)).length for p in streams.partitions]) == 0

    retried = next(l for l in letters if l.update_id == 20)
    assert await streams.retry_dead(retried)
    dropped = next(l for l in letters if l.update_id == 21)
    assert await streams.drop_dead(dropped)
    assert await streams.dead_letters() == []
    again = await streams.read_new(retried.partition, "w", 10, 0)
    assert [e.update_id for e in again] == [20]
    assert again[0].update["message"]["text"] == "坏消息"
