"""Ingest against the emulator and the real Redis: Telegram's offset moves only after the write."""

from __future__ import annotations

import asyncio
import socket

import pytest
from redis.asyncio import Redis

from bot.runtime.app import make_bot
from bot.runtime.ingest import Ingest
from bot.runtime.keys import RuntimeKeys
from bot.runtime.metrics import RuntimeMetrics
from bot.runtime.streams import UpdateStreams
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator
from tests.e2e.harness import XIAO_WANG, eventually

pytestmark = pytest.mark.redis


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def all_entries(streams: UpdateStreams) -> list[int]:
    found: list[int] = []
    for partition in streams.partitions:
        found += [e.update_id for e in await streams.read_new(partition, "t", 100, 0)]
    return sorted(found)


async def test_updates_fetched_while_redis_is_away_are_not_confirmed_and_arrive_later(
        redis: Redis, key_prefix: str) -> None:
    keys = RuntimeKeys(key_prefix, 4)
    async with Emulator() as emulator:
        bot = make_bot(SANDBOX_TOKEN, emulator.base_url)
        away = Redis(port=closed_port(), socket_connect_timeout=0.2)
        stop = asyncio.Event()
        blind = Ingest(bot, UpdateStreams(away, keys), RuntimeMetrics())
        emulator.user_sends(XIAO_WANG, XIAO_WANG, "第1条")
        emulator.user_sends(XIAO_WANG, XIAO_WANG, "第2条")
        polling = asyncio.create_task(blind.poll(stop, timeout=1))
        await eventually(lambda: emulator.stats.polls >= 1, timeout=10, what="a poll")
        assert len(emulator.updates.pending_updates) == 2  # fetched, not written, so not confirmed
        stop.set()
        await polling
        await away.aclose()

        streams = UpdateStreams(redis, keys)
        stop = asyncio.Event()
        polling = asyncio.create_task(Ingest(bot, streams, RuntimeMetrics()).poll(stop, timeout=1))
        await eventually(lambda: not emulator.updates.pending_updates, timeout=10, what="the updates confirmed")
        stop.set()
        await polling
        assert len(await all_entries(streams)) == 2
        await bot.session.close()
