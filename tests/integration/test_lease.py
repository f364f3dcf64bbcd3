"""Leases against the real Redis: one holder at a time, handed over when the holder dies."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.runtime.lease import Lease, run_under_lease
from tests.e2e.harness import eventually

pytestmark = pytest.mark.redis


async def test_one_holder_at_a_time(redis: Redis, key_prefix: str) -> None:
    a = Lease(redis, f"{key_prefix}:{{lease:x}}", "a", 30)
    b = Lease(redis, f"{key_prefix}:{{lease:x}}", "b", 30)
    assert await a.try_acquire()
    assert not await b.try_acquire()
    assert await a.try_acquire()  # renewing our own
    await b.release()  # not b's to release
    assert not await b.try_acquire()
    await a.release()
    assert await b.try_acquire()


async def test_a_lease_whose_holder_stops_renewing_passes_on(redis: Redis, key_prefix: str) -> None:
    a = Lease(redis, f"{key_prefix}:{{lease:y}}", "a", 0.3)
    b = Lease(redis, f"{key_prefix}:{{lease:y}}", "b", 0.3)
    assert await a.try_acquire()
    assert not await b.try_acquire()
    while not await b.try_acquire():  # a stopped renewing; its TTL runs out
        await asyncio.sleep(0.05)
    assert not await a.try_acquire()


async def test_background_work_runs_once_and_resumes_when_its_holder_dies(redis: Redis, key_prefix: str) -> None:
    running: list[str] = []

    def work(name: str):  # type: ignore[no-untyped-def]
        async def loop() -> None:
            running.append(name)
            try:
                await asyncio.Event().wait()
            finally:
                running.remove(name)
        return loop

    key = f"{key_prefix}:{{lease:background}}"
    stops = {name: asyncio.Event() for name in ("w1", "w2", "w3")}
    tasks = {name: asyncio.create_task(run_under_lease(Lease(redis, key, name, 0.6), work(name), stop=stop))
             for name, stop in stops.items()}
    await eventually(lambda: len(running) == 1, what="one holder running the loops")
    first = running[0]

    tasks[first].cancel()  # the holder dies without releasing
    await asyncio.gather(tasks[first], return_exceptions=True)
    if first in running:
        running.remove(first)
    await eventually(lambda: len(running) == 1 and running[0] != first, timeout=5,
                     what="another worker to resume the loops")
    for name, stop in stops.items():
        stop.set()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    assert running == []
