"""The durable send queue against the real Redis: what one process queued, another sends;
a send taken twice shows once; Telegram unreachable leaves it queued, not lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.runtime.effects import CURRENT_UPDATE, SentEffects, UpdateScope
from bot.runtime.keys import RuntimeKeys
from bot.runtime.send_consumer import SendConsumer
from bot.runtime.send_streams import SendStreams
from bot.telegram.outgoing_codec import decode
from bot.telegram.sending import Limits, Outbox, Outgoing

pytestmark = pytest.mark.redis

BUYER = 700001
AGENTS = -1001000000200
PARTITIONS = 4
FAST = Limits(per_second=1000.0, group_per_minute=60000, private_per_second=1000.0, max_attempts=1)


class Telegram:
    """One fake Telegram every process talks to: what it accepted, in order."""

    def __init__(self) -> None:
        self.accepted: list[tuple[int, str]] = []
        self.reachable = True
        self.changed = asyncio.Event()

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Message:
        if not self.reachable:
            raise TelegramNetworkError(method=SendMessage(chat_id=chat_id, text=text), message="unreachable")
        self.accepted.append((chat_id, text))
        self.changed.set()
        chat = Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup")
        return Message(message_id=len(self.accepted), date=1, chat=chat, text=text)

    async def __call__(self, method: TelegramMethod[Any]) -> Any:
        raise AssertionError(f"unexpected call {method!r}")

    async def wait_for(self, what: Callable[[], bool], timeout: float = 10.0) -> None:
        async def until() -> None:
            while not what():
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(until(), timeout)


def process(redis: Redis, keys: RuntimeKeys, telegram: Telegram) -> tuple[Outbox, SendStreams]:
    """One process's outbox writing to (and sending from) the shared send streams."""
    streams = SendStreams(redis, keys)
    outbox = Outbox(telegram, FAST, effects=SentEffects(redis, keys, telegram, claim_seconds=5))  # type: ignore[arg-type]
    outbox.keep_in(streams)
    return outbox, streams


async def handled(update_id: int, handler: Callable[[], None]) -> list[Any]:
    """Run `handler` as if handling update `update_id`; what it queued, once written."""
    scope = UpdateScope(update_id)
    token = CURRENT_UPDATE.set(scope)
    try:
        handler()
    finally:
        CURRENT_UPDATE.reset(token)
    return await asyncio.gather(*scope.sends)


async def consuming(consumer: SendConsumer, keys: RuntimeKeys, name: str,
                    until: Callable[[], Awaitable[None]]) -> None:
    """Consume every partition as worker `name` until `until` returns."""
    quit_event = asyncio.Event()
    tasks = [asyncio.create_task(consumer.consume(p, name, quit_event)) for p in range(keys.partitions)]
    try:
        await until()
    finally:
        quit_event.set()
        await asyncio.gather(*tasks)


async def backlog_empty(streams: SendStreams) -> None:
    while await streams.backlog():
        await asyncio.sleep(0.05)


async def test_what_a_killed_process_queued_is_sent_by_another_once_and_in_order(
        redis: Redis, key_prefix: str) -> None:
    keys = RuntimeKeys(key_prefix, PARTITIONS)
    telegram = Telegram()
    first, _ = process(redis, keys, telegram)

    def answer_and_card() -> None:
        for n in range(3):
            first.send(Outgoing(BUYER, f"答复{n}"))
        first.send(Outgoing(AGENTS, "客户卡片", thread_id=9, purpose="agents"))

    assert await handled(1, answer_and_card) == [None] * 4  # safely queued; the first process now dies
    assert telegram.accepted == []

    second, streams = process(redis, keys, telegram)
    consumer = SendConsumer(streams, second, claim_idle_seconds=0.2)

    async def all_sent() -> None:
        await telegram.wait_for(lambda: len(telegram.accepted) == 4)
        await backlog_empty(streams)

    await consuming(consumer, keys, "second", all_sent)
    assert [t for c, t in telegram.accepted if c == BUYER] == ["答复0", "答复1", "答复2"]
    assert (AGENTS, "客户卡片") in telegram.accepted


async def test_a_send_taken_again_after_it_went_out_is_shown_once(redis: Redis, key_prefix: str) -> None:
    keys = RuntimeKeys(key_prefix, PARTITIONS)
    telegram = Telegram()
    first, streams = process(redis, keys, telegram)
    await handled(2, lambda: first.send(Outgoing(BUYER, "亲，48小时内发货")))
    # The first worker takes it and sends it, then dies before acknowledging the entry.
    taken = await streams.read_new(keys.send_partition(BUYER), "first", 10, 100)
    assert len(taken) == 1
    await first.call(decode(taken[0].fields))
    assert telegram.accepted == [(BUYER, "亲，48小时内发货")]

    second, _ = process(redis, keys, telegram)
    await consuming(SendConsumer(streams, second, claim_idle_seconds=0.2), keys, "second",
                    lambda: backlog_empty(streams))
    assert telegram.accepted == [(BUYER, "亲，48小时内发货")]
    assert second.stats.shown_before == 1


async def test_telegram_unreachable_leaves_the_send_queued_until_it_goes_out(
        redis: Redis, key_prefix: str) -> None:
    keys = RuntimeKeys(key_prefix, PARTITIONS)
    telegram = Telegram()
    telegram.reachable = False
    outbox, streams = process(redis, keys, telegram)
    outbox.send(Outgoing(BUYER, "您的订单已发货"))  # from a background loop: no update around it
    consumer = SendConsumer(streams, outbox, claim_idle_seconds=0.3)

    async def refused_then_back() -> None:
        while outbox.stats.given_up == 0:
            await asyncio.sleep(0.02)
        assert await streams.backlog() == 1  # given up by this try, still queued
        telegram.reachable = True
        await telegram.wait_for(lambda: bool(telegram.accepted))
        await backlog_empty(streams)

    await consuming(consumer, keys, "only", refused_then_back)
    assert telegram.accepted == [(BUYER, "您的订单已发货")]


async def test_without_redis_a_background_send_still_goes_out_from_the_process(key_prefix: str) -> None:
    telegram = Telegram()
    # No client retries: redis-py's default three (1, 2, 4 s with jitter) made the
    # fallback take 7 s or more, past this test's wait on a slow machine.
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    keys = RuntimeKeys(key_prefix, PARTITIONS)
    outbox = Outbox(telegram, FAST)  # type: ignore[arg-type]
    outbox.keep_in(SendStreams(unreachable, keys))
    outbox.send(Outgoing(BUYER, "付款提醒"))
    await telegram.wait_for(lambda: bool(telegram.accepted))
    assert telegram.accepted == [(BUYER, "付款提醒")]
    await outbox.close()
    await unreachable.aclose()


async def test_a_send_whose_history_redis_cannot_tell_waits_instead_of_going_out_twice(
        redis: Redis, key_prefix: str) -> None:
    """Redis paused: sending blind would show the message twice once another worker takes
    the same entry; the entry stays queued and goes out once Redis can tell."""
    keys = RuntimeKeys(key_prefix, PARTITIONS)
    telegram = Telegram()
    outbox, streams = process(redis, keys, telegram)
    await handled(3, lambda: outbox.send(Outgoing(BUYER, "亲，明天发货")))
    effects = outbox._effects
    assert effects is not None
    real_claim = effects.claim
    failures = 1

    async def unsure(chat_id: int, key: str) -> Any:
        nonlocal failures
        if failures:
            failures -= 1
            raise RedisConnectionError("Timeout reading from socket")
        return await real_claim(chat_id, key)

    effects.claim = unsure  # type: ignore[method-assign]

    async def sent_once_redis_answers() -> None:
        await telegram.wait_for(lambda: bool(telegram.accepted))
        await backlog_empty(streams)

    await consuming(SendConsumer(streams, outbox, claim_idle_seconds=0.2), keys, "only", sent_once_redis_answers)
    assert telegram.accepted == [(BUYER, "亲，明天发货")]
    assert outbox.stats.given_up == 1 and failures == 0
