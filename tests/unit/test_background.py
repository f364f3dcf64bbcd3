"""Background workers: a failing round is logged and the next one runs; a worker that
waits first (the weekly report) works only after its pause; stop() ends every worker."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.runtime.background import Background, Periodic

GUARD_S = 5.0  # only a guard against a hang, never part of what is asserted


class Gate:
    """A pause the test opens one round at a time, recording what the worker did."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        self._open: asyncio.Queue[None] = asyncio.Queue()
        self.paused = asyncio.Event()

    async def pause(self) -> None:
        self.steps.append("pause")
        self.paused.set()
        await self._open.get()

    async def next_round(self) -> None:
        await asyncio.wait_for(self.paused.wait(), GUARD_S)
        self.paused.clear()
        self._open.put_nowait(None)


async def test_a_failing_round_is_logged_and_the_next_round_runs(caplog: pytest.LogCaptureFixture) -> None:
    gate = Gate()
    rounds: list[int] = []

    async def work() -> None:
        rounds.append(len(rounds) + 1)
        gate.steps.append(f"work {len(rounds)}")
        if len(rounds) == 1:
            raise RuntimeError("redis blinked")

    background = Background([Periodic("flaky", work, gate.pause)])
    with caplog.at_level(logging.ERROR, logger="bot.runtime.background"):
        background.start()
        await gate.next_round()
        await asyncio.wait_for(gate.paused.wait(), GUARD_S)
        await background.stop()
    assert gate.steps == ["work 1", "pause", "work 2", "pause"]
    assert "flaky" in caplog.text and "redis blinked" in caplog.text


async def test_a_worker_that_waits_first_works_only_after_its_pause() -> None:
    gate = Gate()

    async def work() -> None:
        gate.steps.append("work")

    background = Background([Periodic("weekly", work, gate.pause, pause_first=True)])
    background.start()
    await asyncio.wait_for(gate.paused.wait(), GUARD_S)
    assert gate.steps == ["pause"]
    await gate.next_round()
    await asyncio.wait_for(gate.paused.wait(), GUARD_S)
    await background.stop()
    assert gate.steps == ["pause", "work", "pause"]


async def test_stop_ends_every_worker() -> None:
    gates = [Gate(), Gate()]

    async def idle() -> None:
        return None

    background = Background([Periodic(f"w{i}", idle, g.pause) for i, g in enumerate(gates)])
    background.start()
    for gate in gates:
        await asyncio.wait_for(gate.paused.wait(), GUARD_S)
    tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("background w")]
    assert len(tasks) == 2
    await background.stop()
    assert all(t.done() for t in tasks)
