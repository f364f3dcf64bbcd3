"""The bot's background work, started and stopped in one place.

Every worker is a `Periodic`: run one round, then pause (a fixed time on the bot's clock,
until a computed moment, or until woken), forever. A round that raises is logged and the
next round goes on, so one bad Redis reply or Telegram error never stops a worker;
`stop()` cancels them all and waits for them to end.

The workers: the relay worker (woken when a message is logged, at least every second),
the queue watcher (every 5 s of the clock), the SLA alert sweep (every second of the
clock), the weekly SLA report (at the configured weekly moment) and the buyers' follow-ups
(payment reminders, review invitations: every 5 minutes of the clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.clock import Clock
from bot.handoff.queue_watch import QueueWatcher
from bot.handoff.relays import RelayWorker
from bot.sla.alerts import AlertSweep
from bot.sla.posting import SlaReportPoster

log = logging.getLogger(__name__)

Pause = Callable[[], Awaitable[None]]


class FollowUp(Protocol):
    """A round of messages to buyers that fall due with time (payment reminder, review invitation)."""

    async def run_once(self, now: datetime) -> int: ...


RELAY_AT_LEAST_EVERY_S = 1.0
"""Real seconds: relays due for a retry are picked up even when nothing wakes the worker."""
QUEUE_EVERY_S = 5.0
ALERTS_EVERY_S = 1.0
FOLLOWUPS_EVERY_S = 300.0
"""Payment reminders and review invitations are due on a scale of hours: every 5 minutes is plenty."""


def every(clock: Clock, seconds: float) -> Pause:
    """Pause `seconds` of the clock's time."""
    async def pause() -> None:
        await clock.sleep(seconds)
    return pause


def until(clock: Clock, seconds_left: Callable[[], float]) -> Pause:
    """Pause until a moment computed afresh each time (`seconds_left` from now)."""
    async def pause() -> None:
        await clock.sleep(seconds_left())
    return pause


def when_woken(event: asyncio.Event, at_most_s: float) -> Pause:
    """Pause until `event` is set, or `at_most_s` real seconds; the event is cleared for the next round."""
    async def pause() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=at_most_s)
        event.clear()
    return pause


class Periodic:
    """Run `work` again and again with `pause` between rounds; a failing round is logged, not fatal."""

    def __init__(self, name: str, work: Callable[[], Awaitable[Any]], pause: Pause, *,
                 pause_first: bool = False) -> None:
        self.name = name
        self._work = work
        self._pause = pause
        self._pause_first = pause_first

    async def run(self) -> None:
        if self._pause_first:
            await self._pause()
        while True:
            try:
                await self._work()
            except Exception:  # noqa: BLE001 - a worker must outlive one bad round
                log.exception("background %s: round failed; the next round goes on", self.name)
            await self._pause()


class Background:
    """The running workers: `start()` once the bot is up, `stop()` before it closes."""

    def __init__(self, workers: Sequence[Periodic]) -> None:
        self._workers = tuple(workers)
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(w.name for w in self._workers)

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [asyncio.create_task(w.run(), name=f"background {w.name}") for w in self._workers]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []


def desk_background(clock: Clock, relays: RelayWorker, queue: QueueWatcher, alerts: AlertSweep,
                    reports: SlaReportPoster, followups: Sequence[FollowUp] = ()) -> Background:
    """The bot's workers with their rhythms."""

    async def follow_up() -> None:
        for round_ in followups:
            await round_.run_once(clock.now())

    return Background([
        Periodic("relays", relays.round, when_woken(relays.due, RELAY_AT_LEAST_EVERY_S)),
        Periodic("queue", queue.watch_queue, every(clock, QUEUE_EVERY_S)),
        Periodic("sla alerts", alerts.tick, every(clock, ALERTS_EVERY_S)),
        Periodic("weekly sla report", reports.post_weekly, until(clock, reports.seconds_until_weekly),
                 pause_first=True),
        Periodic("follow-ups", follow_up, every(clock, FOLLOWUPS_EVERY_S)),
    ])
