"""Gathering identical questions in the live room into one post that mentions every asker."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.live_room.burst import BurstGate, RoomAsker

ROOM = -1001000000100
OTHER_ROOM = -1001000000200
GATHER = 1.5
REPEAT = 30.0


@dataclass
class Post:
    at: float
    chat_id: int
    payload: Any
    askers: list[RoomAsker]

    @property
    def user_ids(self) -> list[int]:
        return [a.user_id for a in self.askers]


class Room:
    """The post callback: records what would have been sent to the room."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.posts: list[Post] = []
        self.fail_next = 0

    async def post(self, chat_id: int, payload: Any, askers: list[RoomAsker]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("Telegram is down")
        self.posts.append(Post(self.clock.monotonic(), chat_id, payload, list(askers)))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def advance(clock: ManualClock, seconds: float, step: float = 0.25) -> None:
    """Move the clock in small steps, letting woken tasks run after each."""
    await settle()
    moved = 0.0
    while moved < seconds - 1e-9:
        delta = min(step, seconds - moved)
        clock.advance(delta)
        moved += delta
        await settle()


def asker(n: int) -> RoomAsker:
    return RoomAsker(user_id=700000 + n, name=f"买家{n}", message_id=5000 + n)


@pytest.fixture
def room(clock: ManualClock) -> Room:
    return Room(clock)


@pytest.fixture
def gate(clock: ManualClock, room: Room) -> BurstGate:
    return BurstGate(clock, GATHER, REPEAT, room.post)


async def test_twenty_askers_over_ten_seconds_get_at_most_three_posts(clock, room, gate) -> None:
    for n in range(20):
        gate.ask(ROOM, "price:BS-DRESS", asker(n), payload="亲，纯棉连衣裙售价 ¥120.00。")
        await advance(clock, 0.5)
    await advance(clock, REPEAT + GATHER + 5)
    assert 1 <= len(room.posts) <= 3
    mentioned = Counter(uid for post in room.posts for uid in post.user_ids)
    assert set(mentioned) == {asker(n).user_id for n in range(20)}
    assert set(mentioned.values()) == {1}  # each asker in exactly one post
    assert all(p.payload == "亲，纯棉连衣裙售价 ¥120.00。" and p.chat_id == ROOM for p in room.posts)


async def test_first_asker_waits_to_gather_the_others(clock, room, gate) -> None:
    gate.ask(ROOM, "k", asker(1), payload="亲")
    await advance(clock, 0.5)
    gate.ask(ROOM, "k", asker(2), payload="亲")
    await advance(clock, 0.75)
    assert room.posts == []  # not before the gathering window ends
    assert gate.waiting == 2
    await advance(clock, 0.5)
    (post,) = room.posts
    assert post.user_ids == [asker(1).user_id, asker(2).user_id]
    assert post.at >= GATHER
    assert gate.waiting == 0


async def test_same_answer_is_not_posted_twice_within_repeat_seconds(clock, room, gate) -> None:
    gate.ask(ROOM, "k", asker(1), payload="亲")
    await advance(clock, GATHER + 0.5)
    assert len(room.posts) == 1
    gate.ask(ROOM, "k", asker(2), payload="亲")
    gate.ask(ROOM, "k", asker(3), payload="亲")
    await advance(clock, REPEAT - 2.5)
    assert len(room.posts) == 1  # still inside the repeat window
    await advance(clock, 3)
    assert len(room.posts) == 2
    first, second = room.posts
    assert second.at - first.at >= REPEAT
    assert second.user_ids == [asker(2).user_id, asker(3).user_id]


async def test_after_the_repeat_window_an_answer_is_gathered_normally_again(clock, room, gate) -> None:
    gate.ask(ROOM, "k", asker(1), payload="亲")
    await advance(clock, GATHER + REPEAT + 1)
    gate.ask(ROOM, "k", asker(2), payload="亲")
    await advance(clock, GATHER + 0.25)
    assert [p.user_ids for p in room.posts] == [[asker(1).user_id], [asker(2).user_id]]


async def test_different_answers_are_posted_independently(clock, room, gate) -> None:
    gate.ask(ROOM, "price", asker(1), payload="亲，价格")
    gate.ask(ROOM, "stock", asker(2), payload="亲，库存")
    gate.ask(OTHER_ROOM, "price", asker(3), payload="亲，价格")
    await advance(clock, GATHER + 0.25)
    got = sorted((p.chat_id, p.payload, tuple(p.user_ids)) for p in room.posts)
    assert got == sorted([(ROOM, "亲，价格", (asker(1).user_id,)),
                          (ROOM, "亲，库存", (asker(2).user_id,)),
                          (OTHER_ROOM, "亲，价格", (asker(3).user_id,))])
    # a post of "price" does not hold back a first post of another answer
    gate.ask(ROOM, "shipping", asker(4), payload="亲，发货")
    await advance(clock, GATHER + 0.25)
    assert room.posts[-1].payload == "亲，发货"


async def test_same_user_asking_twice_is_mentioned_once(clock, room, gate) -> None:
    gate.ask(ROOM, "k", asker(1), payload="亲")
    gate.ask(ROOM, "k", RoomAsker(asker(1).user_id, asker(1).name, message_id=9999), payload="亲")
    gate.ask(ROOM, "k", asker(2), payload="亲")
    assert gate.waiting == 2
    await advance(clock, GATHER + 0.25)
    (post,) = room.posts
    assert post.user_ids == [asker(1).user_id, asker(2).user_id]


async def test_close_posts_what_is_still_gathered(clock, room, gate) -> None:
    gate.ask(ROOM, "k", asker(1), payload="亲")
    gate.ask(ROOM, "k", asker(2), payload="亲")
    gate.ask(ROOM, "other", asker(3), payload="亲，另一个")
    await settle()
    assert room.posts == []
    await gate.close()
    assert sorted(tuple(p.user_ids) for p in room.posts) == [(asker(1).user_id, asker(2).user_id),
                                                             (asker(3).user_id,)]
    assert gate.waiting == 0
    await advance(clock, REPEAT + GATHER + 1)
    assert len(room.posts) == 2  # the cancelled timers post nothing more


async def test_close_also_posts_askers_held_by_the_repeat_window(clock, room, gate) -> None:
    gate.ask(ROOM, "k", asker(1), payload="亲")
    await advance(clock, GATHER + 0.25)
    gate.ask(ROOM, "k", asker(2), payload="亲")
    await advance(clock, 5)
    await gate.close()
    assert [p.user_ids for p in room.posts] == [[asker(1).user_id], [asker(2).user_id]]


async def test_failing_post_is_logged_and_later_posts_go_on(clock, room, gate, caplog) -> None:
    room.fail_next = 1
    with caplog.at_level(logging.ERROR, logger="bot.live_room.burst"):
        gate.ask(ROOM, "price", asker(1), payload="亲，价格")
        gate.ask(ROOM, "price", asker(2), payload="亲，价格")
        await advance(clock, GATHER + 0.25)
    assert room.posts == []
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(ROOM) in record.getMessage() and "2 askers" in record.getMessage()
    assert record.exc_info is not None and "Telegram is down" in str(record.exc_info[1])
    gate.ask(ROOM, "stock", asker(3), payload="亲，库存")
    await advance(clock, GATHER + 0.25)
    assert [p.payload for p in room.posts] == ["亲，库存"]


def test_mentions_are_bounded_and_the_rest_counted() -> None:
    from bot.live_room.burst import mentioned

    askers = [RoomAsker(700000 + i, f"买家{i}", i) for i in range(1398)]
    named, more = mentioned(askers, 20)
    assert named == askers[:20] and more == 1378
    assert mentioned(askers[:3], 20) == (askers[:3], 0)
