"""Workers share the partitions without taking them from each other.

A worker handing back half its partitions when a second one starts must keep renewing
the leases of the rest meanwhile: each partition it hands back first finishes its
blocking read (up to a second), and waiting for them one by one used to outlast the
lease, so the two workers kept stealing partitions from each other for tens of seconds
(the handoffs of a sale night waiting all that time).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.runtime.keys import RuntimeKeys
from bot.runtime.metrics import RuntimeMetrics
from bot.runtime.settings import RuntimeSettings
from bot.runtime.streams import UpdateStreams
from bot.runtime.worker import Worker

pytestmark = pytest.mark.redis

SETTINGS = RuntimeSettings(stream_partitions=16, lease_seconds=1.5, claim_idle_seconds=1.0)


class Idle:
    """A handler never called: the streams stay empty, each partition sits in its blocking read."""

    async def handle(self, entry: Any, stop: asyncio.Event) -> bool:
        raise AssertionError("no update was written")


class Rounds:
    """Counts a worker's rebalancing rounds (each beats its heartbeat once)."""

    def __init__(self, worker: Worker) -> None:
        self.count = 0
        beat = worker._live_workers

        async def counted() -> int:
            self.count += 1
            return await beat()
        worker._live_workers = counted  # type: ignore[method-assign]


async def test_a_second_worker_gets_half_and_nobody_loses_a_partition(
        redis: Redis, key_prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.runtime.worker")
    streams = UpdateStreams(redis, RuntimeKeys(key_prefix, SETTINGS.stream_partitions))
    first = Worker(streams, Idle(), SETTINGS, RuntimeMetrics(), name="first")  # type: ignore[arg-type]
    second = Worker(streams, Idle(), SETTINGS, RuntimeMetrics(), name="second")  # type: ignore[arg-type]
    stop = asyncio.Event()
    runs = [asyncio.create_task(first.run(stop))]
    try:
        while len(first.owned) < 16:
            await asyncio.sleep(0.05)
        rounds = Rounds(first)
        runs.append(asyncio.create_task(second.run(stop)))
        deadline = asyncio.get_running_loop().time() + 60  # a safety net, not the measure
        while not (len(first.owned) == 8 and len(second.owned) == 8 and rounds.count >= 12):
            assert asyncio.get_running_loop().time() < deadline, (
                f"never settled: first {first.owned}, second {second.owned}, {rounds.count} rounds")
            await asyncio.sleep(0.05)
        assert set(first.owned).isdisjoint(second.owned)
        lost = [r.getMessage() for r in caplog.records if "lost partition" in r.getMessage()]
        assert not lost, lost
    finally:
        stop.set()
        await asyncio.gather(*runs)
