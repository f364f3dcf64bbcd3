"""ManualClock.settled: a test knows when the time it moved has been acted on, without sleeping."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import ManualClock
from tests.conftest import DEMO_NOW


async def slow_work(turns: int = 10) -> None:
    """Stands for Redis round trips: several loop turns before the work is done."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def test_settled_waits_for_a_woken_loop_to_finish_its_round_and_sleep_again() -> None:
    clock = ManualClock(DEMO_NOW)
    rounds: list[float] = []

    async def loop() -> None:
        while True:
            await clock.sleep(5)
            await slow_work()
            rounds.append(clock.monotonic())

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    clock.advance(4)
    await clock.settled()
    assert rounds == []  # not due: nothing woke
    clock.advance(1)
    await clock.settled()
    assert rounds == [5.0]
    clock.advance(5)
    await clock.settled()
    assert rounds == [5.0, 10.0]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_settled_waits_for_a_woken_timer_to_end() -> None:
    clock = ManualClock(DEMO_NOW)
    fired: list[str] = []

    async def timer() -> None:
        await clock.sleep(0.8)
        await slow_work()
        fired.append("posted")

    asyncio.create_task(timer())
    await asyncio.sleep(0)
    clock.advance(0.8)
    await clock.settled()
    assert fired == ["posted"]


async def test_a_woken_task_stuck_elsewhere_is_named_when_settling_times_out() -> None:
    clock = ManualClock(DEMO_NOW)
    never = asyncio.Event()

    async def stuck() -> None:
        await clock.sleep(1)
        await never.wait()

    task = asyncio.create_task(stuck(), name="stuck-worker")
    await asyncio.sleep(0)
    clock.advance(1)
    with pytest.raises(TimeoutError, match="stuck-worker"):
        await clock.settled(timeout=0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await clock.settled()  # a cancelled task is at rest
