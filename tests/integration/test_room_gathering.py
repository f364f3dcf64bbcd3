"""Gathering identical questions in the live room into one post, in Redis, across workers.

Each `BurstGate` here is what one worker process has: its own timers and flush loop, the
shared Redis. `Room` stands for the live room as Telegram shows it: every post, by
whichever worker posted it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from bot.clock import ManualClock
from bot.live_room.burst import BurstGate
from bot.live_room.gathering_store import GatheringStore, Taken
from bot.live_room.room_asker import RoomAsker
from tests.conftest import DEMO_NOW

pytestmark = pytest.mark.redis

ROOM = -1001000000100
OTHER_ROOM = -1001000000200
GATHER = 1.5
REPEAT = 30.0
PRICE = "亲，纯棉连衣裙售价 ¥120.00。"


@dataclass
class Post:
    at: float
    by: str
    taken: Taken

    @property
    def user_ids(self) -> list[int]:
        return [a.user_id for a in self.taken.named]


class Room:
    """What the room receives; `post_by(name)` is one worker's post callback."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.posts: list[Post] = []
        self.fail_next = 0
        self.unconfirmed: list[asyncio.Future[None]] = []

    def post_by(self, name: str, *, confirm: bool = True) -> Callable[[Taken], asyncio.Future[None]]:
        def post(taken: Taken) -> asyncio.Future[None]:
            if self.fail_next:
                self.fail_next -= 1
                raise RuntimeError("Telegram is down")
            self.posts.append(Post(self.clock.monotonic(), name, taken))
            sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if confirm:
                sent.set_result(None)
            else:  # the process dies before Telegram has it
                self.unconfirmed.append(sent)
            return sent
        return post

    def in_room(self, room_id: int) -> list[Post]:
        return [p for p in self.posts if p.taken.room_id == room_id]


async def advance(clock: ManualClock, seconds: float, step: float = 0.25) -> None:
    """Move the clock in small steps; after each, every timer it woke has run."""
    moved = 0.0
    while moved < seconds - 1e-9:
        delta = min(step, seconds - moved)
        clock.advance(delta)
        moved += delta
        await clock.settled()


def asker(n: int) -> RoomAsker:
    return RoomAsker(user_id=700000 + n, name=f"买家{n}", message_id=5000 + n)


@pytest.fixture
def room(clock: ManualClock) -> Room:
    return Room(clock)


@pytest.fixture
async def workers(redis: Redis, key_prefix: str, room: Room, clock: ManualClock
                  ) -> AsyncIterator[Callable[..., BurstGate]]:
    """Make one worker's gate (`name`, its own clock if given); all are closed at the end."""
    made: list[BurstGate] = []

    def make(name: str = "A", *, on: ManualClock | None = None, confirm: bool = True, max_named: int = 20,
             lease_seconds: float = 60.0, store: GatheringStore | None = None) -> BurstGate:
        gate = BurstGate(store or GatheringStore(redis, key_prefix), on or clock, gather_seconds=GATHER,
                         repeat_seconds=REPEAT, max_named=max_named, post=room.post_by(name, confirm=confirm),
                         lease_seconds=lease_seconds)
        made.append(gate)
        return gate

    yield make
    for future in room.unconfirmed:
        if not future.done():
            future.set_result(None)
    for gate in made:
        await gate.close()


@pytest.fixture
def gate(workers: Callable[..., BurstGate]) -> BurstGate:
    return workers("A")


# -- one worker: the behaviour buyers see ----------------------------------------------------

async def test_twenty_askers_over_ten_seconds_get_at_most_three_posts(clock, room, gate) -> None:
    for n in range(20):
        await gate.ask(ROOM, "zh-CN", PRICE, asker(n))
        await advance(clock, 0.5)
    await advance(clock, REPEAT + GATHER + 5)
    assert 1 <= len(room.posts) <= 3
    mentioned = Counter(uid for post in room.posts for uid in post.user_ids)
    assert set(mentioned) == {asker(n).user_id for n in range(20)}
    assert set(mentioned.values()) == {1}  # each asker in exactly one post
    assert all(p.taken.answer == PRICE and p.taken.room_id == ROOM for p in room.posts)


async def test_first_asker_waits_to_gather_the_others(clock, room, gate) -> None:
    await gate.ask(ROOM, "zh-CN", "亲", asker(1))
    await advance(clock, 0.5)
    await gate.ask(ROOM, "zh-CN", "亲", asker(2))
    await advance(clock, 0.75)
    assert room.posts == []  # not before the gathering window ends
    assert await gate.waiting() == 2
    await advance(clock, 0.5)
    (post,) = room.posts
    assert post.user_ids == [asker(1).user_id, asker(2).user_id]
    assert post.at >= GATHER
    assert await gate.waiting() == 0


async def test_same_answer_is_not_posted_twice_within_repeat_seconds(clock, room, gate) -> None:
    await gate.ask(ROOM, "zh-CN", "亲", asker(1))
    await advance(clock, GATHER + 0.5)
    assert len(room.posts) == 1
    await gate.ask(ROOM, "zh-CN", "亲", asker(2))
    await gate.ask(ROOM, "zh-CN", "亲", asker(3))
    await advance(clock, REPEAT - 2.5)
    assert len(room.posts) == 1  # still inside the repeat window
    await advance(clock, 3)
    assert len(room.posts) == 2
    first, second = room.posts
    assert second.at - first.at >= REPEAT
    assert second.user_ids == [asker(2).user_id, asker(3).user_id]


async def test_after_the_repeat_window_an_answer_is_gathered_normally_again(clock, room, gate) -> None:
    await gate.ask(ROOM, "zh-CN", "亲", asker(1))
    await advance(clock, GATHER + REPEAT + 1)
    await gate.ask(ROOM, "zh-CN", "亲", asker(2))
    await advance(clock, GATHER + 0.25)
    assert [p.user_ids for p in room.posts] == [[asker(1).user_id], [asker(2).user_id]]


async def test_different_answers_locales_and_rooms_are_posted_independently(clock, room, gate) -> None:
    await gate.ask(ROOM, "zh-CN", "亲，价格", asker(1))
    await gate.ask(ROOM, "zh-CN", "亲，库存", asker(2))
    await gate.ask(OTHER_ROOM, "zh-CN", "亲，价格", asker(3))
    await gate.ask(ROOM, "en", "亲，价格", asker(5))  # same text, another locale: another answer
    await advance(clock, GATHER + 0.25)
    got = sorted((p.taken.room_id, p.taken.locale, p.taken.answer, tuple(p.user_ids)) for p in room.posts)
    assert got == sorted([(ROOM, "zh-CN", "亲，价格", (asker(1).user_id,)),
                          (ROOM, "zh-CN", "亲，库存", (asker(2).user_id,)),
                          (OTHER_ROOM, "zh-CN", "亲，价格", (asker(3).user_id,)),
                          (ROOM, "en", "亲，价格", (asker(5).user_id,))])
    # a post of "price" does not hold back a first post of another answer
    await gate.ask(ROOM, "zh-CN", "亲，发货", asker(4))
    await advance(clock, GATHER + 0.25)
    assert room.posts[-1].taken.answer == "亲，发货"


async def test_same_user_asking_twice_is_mentioned_once(clock, room, gate) -> None:
    await gate.ask(ROOM, "zh-CN", "亲", asker(1))
    await gate.ask(ROOM, "zh-CN", "亲", RoomAsker(asker(1).user_id, asker(1).name, message_id=9999))
    await gate.ask(ROOM, "zh-CN", "亲", asker(2))
    assert await gate.waiting() == 2
    await advance(clock, GATHER + 0.25)
    (post,) = room.posts
    assert post.user_ids == [asker(1).user_id, asker(2).user_id]
    assert post.taken.named[0].message_id == asker(1).message_id  # the reply goes to the first comment


async def test_close_posts_what_is_still_gathered(clock, room, gate) -> None:
    await gate.ask(ROOM, "zh-CN", "亲", asker(1))
    await gate.ask(ROOM, "zh-CN", "亲", asker(2))
    await gate.ask(ROOM, "zh-CN", "亲，另一个", asker(3))
    await clock.settled()
    assert room.posts == []
    await gate.close()
    assert sorted(tuple(p.user_ids) for p in room.posts) == [(asker(1).user_id, asker(2).user_id),
                                                             (asker(3).user_id,)]
    assert await gate.waiting() == 0
    await advance(clock, REPEAT + GATHER + 1)
    assert len(room.posts) == 2  # the cancelled timers post nothing more


async def test_close_also_posts_askers_held_by_the_repeat_window(clock, room, gate) -> None:
    await gate.ask(ROOM, "zh-CN", "亲", asker(1))
    await advance(clock, GATHER + 0.25)
    await gate.ask(ROOM, "zh-CN", "亲", asker(2))
    await advance(clock, 5)
    await gate.close()
    assert [p.user_ids for p in room.posts] == [[asker(1).user_id], [asker(2).user_id]]


async def test_failing_post_is_logged_and_later_posts_go_on(clock, room, gate, caplog) -> None:
    room.fail_next = 1
    with caplog.at_level(logging.ERROR, logger="bot.live_room.burst"):
        await gate.ask(ROOM, "zh-CN", "亲，价格", asker(1))
        await gate.ask(ROOM, "zh-CN", "亲，价格", asker(2))
        await advance(clock, GATHER + 0.25)
    assert room.posts == []
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert str(ROOM) in record.getMessage() and "2 askers" in record.getMessage()
    assert record.exc_info is not None and "Telegram is down" in str(record.exc_info[1])
    await gate.ask(ROOM, "zh-CN", "亲，库存", asker(3))
    await advance(clock, GATHER + 0.25)
    assert [p.taken.answer for p in room.posts] == ["亲，库存"]


async def test_a_storm_of_askers_names_a_few_counts_the_rest_and_stays_bounded_in_redis(
        redis, key_prefix, clock, room, workers) -> None:
    store = GatheringStore(redis, key_prefix, track_limit=1000)
    gate = workers("A", store=store)
    for n in range(1398):
        await gate.ask(ROOM, "zh-CN", PRICE, asker(n))
    await gate.ask(ROOM, "zh-CN", PRICE, asker(3))  # asked twice: still counted once
    (gathering_id,) = [m.decode() for m in await redis.zrange(store.keys.due(ROOM), 0, -1)]
    assert await redis.llen(store.keys.named(ROOM, gathering_id)) == 20
    assert await redis.scard(store.keys.who(ROOM, gathering_id)) == 1000
    await advance(clock, GATHER)
    (post,) = room.posts
    assert post.user_ids == [asker(n).user_id for n in range(20)]
    assert post.taken.more == 1378
    assert await redis.exists(store.keys.gathering(ROOM, gathering_id), store.keys.named(ROOM, gathering_id),
                              store.keys.who(ROOM, gathering_id)) == 0  # forgotten once posted


async def test_redis_failing_while_gathering_fails_the_ask_so_the_update_is_retried(clock, room, workers) -> None:
    away = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    gate = workers("A", store=GatheringStore(away, "test:away"))
    with pytest.raises(RedisError):
        await gate.ask(ROOM, "zh-CN", PRICE, asker(1))
    await away.aclose()


# -- several workers on one Redis -------------------------------------------------------------

async def test_askers_handled_by_two_workers_get_one_post_naming_them_all(clock, room, workers) -> None:
    a, b = workers("A"), workers("B")
    for n in range(10):
        await (a if n % 2 else b).ask(ROOM, "zh-CN", PRICE, asker(n))
        await advance(clock, 0.1)
    assert await a.waiting() == 10 and await b.waiting() == 10  # both see the whole gathering
    await advance(clock, GATHER)
    (post,) = room.posts
    assert post.user_ids == [asker(n).user_id for n in range(10)]  # from both, in the order they asked
    assert post.taken.named[0] == asker(0)  # the reply goes to the first asker's comment
    await advance(clock, REPEAT + GATHER + 1)
    assert len(room.posts) == 1


async def test_a_killed_workers_gathering_is_posted_by_another(clock, room, workers) -> None:
    frozen = ManualClock(DEMO_NOW)  # the killed process: its timers never fire again
    dead, alive = workers("dead", on=frozen), workers("alive")
    alive.start()  # every worker runs the flush loop, asked anything or not
    await dead.ask(ROOM, "zh-CN", PRICE, asker(1))
    await dead.ask(ROOM, "zh-CN", PRICE, asker(2))
    await advance(clock, GATHER + 0.5)
    (post,) = room.posts
    assert post.by == "alive" and post.user_ids == [asker(1).user_id, asker(2).user_id]


async def test_a_poster_killed_before_telegram_had_the_post_leaves_it_to_another(clock, room, workers) -> None:
    frozen = ManualClock(DEMO_NOW)
    dying = workers("dying", on=frozen, confirm=False, lease_seconds=5.0)
    other = workers("other")
    other.start()
    await dying.ask(ROOM, "zh-CN", PRICE, asker(1))
    frozen.advance(GATHER)
    await frozen.settled()  # "dying" took it and queued the post, then died
    await advance(clock, GATHER)
    assert [p.by for p in room.posts] == ["dying"]
    await advance(clock, 5.0)  # its lease ran out
    first, again = room.posts
    assert again.by == "other" and again.user_ids == first.user_ids
    assert again.taken.effect_key == first.taken.effect_key  # the outbox shows it once
    assert again.taken.times_taken == 2
    await advance(clock, 6.0)
    assert len(room.posts) == 2  # confirmed by "other": not posted a third time


async def test_the_no_repeat_window_holds_across_workers(clock, room, workers) -> None:
    a, b = workers("A"), workers("B")
    await a.ask(ROOM, "zh-CN", PRICE, asker(1))
    await advance(clock, GATHER)
    assert len(room.posts) == 1
    await b.ask(ROOM, "zh-CN", PRICE, asker(2))
    await advance(clock, 10)
    await a.ask(ROOM, "zh-CN", PRICE, asker(3))
    await advance(clock, REPEAT - 10 - 0.5)
    assert len(room.posts) == 1  # neither worker repeats it within the window
    await advance(clock, 1.0)
    first, second = room.posts
    assert second.user_ids == [asker(2).user_id, asker(3).user_id]
    assert second.at - first.at >= REPEAT


async def test_a_closing_worker_posts_the_shared_gathering_once(clock, room, workers) -> None:
    a, b = workers("A"), workers("B")
    await a.ask(ROOM, "zh-CN", PRICE, asker(1))
    await b.ask(ROOM, "zh-CN", PRICE, asker(2))
    await a.close()  # a graceful stop posts what it gathered, other workers' askers with it
    (post,) = room.posts
    assert post.user_ids == [asker(1).user_id, asker(2).user_id]
    await advance(clock, GATHER + REPEAT + 1)
    assert len(room.posts) == 1

