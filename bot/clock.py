"""One clock for the whole bot, so tests control time.

Everything that asks "what time is it" or "wait a while" for domain reasons (order ages,
promotion windows, burst windows, SLA rounds) goes through a Clock. Transport pacing
(Telegram send limits) deliberately uses the event loop's real time instead.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def known_zone(name: str) -> str:
    """An IANA time zone name this machine knows (tzdata is a dependency), else a clear error."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Asia/Shanghai)") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(known_zone)]
"""A settings or data-file field holding a shop time zone."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for measuring intervals."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when told to; sleepers wake when it passes their deadline.

    `settled()` tells a test when the time it moved has been acted on: every task that
    `advance()` woke has run on until it sleeps on this clock again or ends. Background
    loops and timers that wait on the clock (queue watch, SLA alerts, the live room's
    gathering window) are then done with that moment, so "nothing was sent" can be checked
    without sleeping.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start
        self._mono = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None], asyncio.Task[Any] | None]] = []
        self._woken: set[asyncio.Task[Any]] = set()
        self._watched: set[asyncio.Task[Any]] = set()  # tasks whose end we hear about
        self._settle_waiters: list[asyncio.Future[None]] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def set(self, when: datetime) -> None:
        delta = (when - self._now).total_seconds()
        if delta < 0:
            raise ValueError("ManualClock cannot go back in time")
        self.advance(delta)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
        due = [s for s in self._sleepers if s[0] <= self._mono]
        self._sleepers = [s for s in self._sleepers if s[0] > self._mono]
        for _, fut, task in due:
            if fut.done():
                continue
            fut.set_result(None)
            if task is not None and not task.done():
                self._woken.add(task)
                if task not in self._watched:
                    self._watched.add(task)
                    task.add_done_callback(self._ended)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.current_task()
        self._sleepers.append((self._mono + seconds, fut, task))
        if task is not None:
            self._back_to_rest(task)
        await fut

    @property
    def settled_now(self) -> bool:
        """No task woken by `advance()` is still running (see `settled`)."""
        return not self._woken

    async def settled(self, timeout: float = 5.0) -> None:
        """Wait until every task woken by `advance()` sleeps on this clock again or has ended.

        `timeout` is only a safety net against a woken task that waits on something else
        for good; normally this returns as soon as the last woken task goes back to sleep.
        """
        while self._woken:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._settle_waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                names = sorted(t.get_name() for t in self._woken)
                raise TimeoutError(f"tasks woken by the clock still busy after {timeout}s: {names}") from None

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self._watched.discard(task)
        self._back_to_rest(task)

    def _back_to_rest(self, task: asyncio.Task[Any]) -> None:
        self._woken.discard(task)
        if self._woken:
            return
        waiters, self._settle_waiters = self._settle_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
