"""A lease in Redis: at most one holder at a time, lost by a holder that stops renewing.

Used for the update partitions (one worker consumes a partition at a time, so a chat's
updates stay in order) and for the background loops (relays, queue watch, SLA alerts,
weekly report run once across all workers). A holder renews every third of the TTL; a
holder that dies simply stops renewing and another process takes over within one TTL.
A holder that cannot renew (Redis away, the lease taken after a long pause) is told so
and must stop the work the lease protects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.runtime.scripts import source

log = logging.getLogger(__name__)


class Lease:
    """One named lease held (or not) by `holder`."""

    def __init__(self, redis: Redis, key: str, holder: str, ttl_seconds: float) -> None:
        self.key = key
        self.holder = holder
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self._acquire = redis.register_script(source("lease_acquire"))
        self._release = redis.register_script(source("lease_release"))

    async def try_acquire(self) -> bool:
        """Take the lease if nobody holds it, or extend ours; True when we hold it now."""
        return bool(await self._acquire(keys=[self.key], args=[self.holder, self.ttl_ms]))

    async def release(self) -> None:
        """Give the lease back so another process need not wait for it to expire."""
        await self._release(keys=[self.key], args=[self.holder])


async def run_under_lease(lease: Lease, work: Callable[[], Awaitable[None]], *,
                          stop: asyncio.Event, poll_seconds: float | None = None) -> None:
    """Run `work` whenever this process holds `lease`, until `stop` is set.

    Processes not holding the lease try again every `poll_seconds` (a third of the TTL by
    default), so a dead holder is replaced within about one TTL. When renewal fails the
    work is cancelled: another process may already be running it.
    """
    interval = poll_seconds if poll_seconds is not None else lease.ttl_ms / 3000
    while not stop.is_set():
        try:
            held = await lease.try_acquire()
        except RedisError as exc:
            log.warning("lease %s: cannot reach Redis (%s); retrying", lease.key, exc)
            held = False
        if held:
            log.info("lease %s taken by %s", lease.key, lease.holder)
            task = asyncio.create_task(work(), name=f"lease:{lease.key}")
            try:
                while not stop.is_set() and not task.done():
                    await sleep_unless(stop, interval)
                    if stop.is_set() or task.done():
                        break
                    try:
                        still = await lease.try_acquire()
                    except RedisError as exc:
                        log.warning("lease %s: renewal failed (%s); stopping its work", lease.key, exc)
                        still = False
                    if not still:
                        log.warning("lease %s lost by %s; stopping its work", lease.key, lease.holder)
                        break
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                if stop.is_set():
                    with contextlib.suppress(RedisError):
                        await lease.release()
            continue
        await sleep_unless(stop, interval)


async def sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less when `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
