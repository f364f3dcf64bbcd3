"""A worker: consumes some of the update partitions, each under a lease, in parallel.

Every `lease_seconds / 3` the worker beats its heartbeat (a sorted set of live workers),
renews the leases of its partitions and takes free ones up to its fair share
(ceil(partitions / live workers), at most `worker_max_partitions`); above its share it
hands partitions back, so starting `worker=4` spreads the partitions within seconds and
a dead worker's partitions move on once its leases expire. A partition task first takes
over the partition's pending entries (its own after a restart, a dead worker's after
`claim_idle_seconds`), oldest first, and only then reads new ones: a chat's order holds
across a crash. The same lease covers the partition's send stream (`SendConsumer`), so
one worker sends a chat's queued messages, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
import uuid

from redis.exceptions import RedisError

from bot.runtime.handling import UpdateHandler
from bot.runtime.keys import RuntimeKeys
from bot.runtime.lease import Lease, sleep_unless
from bot.runtime.metrics import RuntimeMetrics
from bot.runtime.send_consumer import SendConsumer
from bot.runtime.settings import RuntimeSettings
from bot.runtime.streams import UpdateStreams

log = logging.getLogger(__name__)

READ_BATCH = 10
READ_BLOCK_MS = 1000


def worker_name() -> str:
    """Unique per process and readable in XINFO: host, pid and a random tail."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, streams: UpdateStreams, handler: UpdateHandler, settings: RuntimeSettings,
                 metrics: RuntimeMetrics, name: str | None = None, sends: SendConsumer | None = None) -> None:
        """`sends`: the partitions' send streams are consumed too (what handlers queued)."""
        self.name = name or worker_name()
        self._sends = sends
        self._streams = streams
        self._keys: RuntimeKeys = streams.keys
        self._handler = handler
        self._settings = settings
        self._metrics = metrics
        self._owned: dict[int, tuple[Lease, asyncio.Event, asyncio.Task[None]]] = {}
        self._leaving: dict[int, tuple[Lease, asyncio.Task[None], bool]] = {}
        """Partitions handed back, finishing their batch: (lease, task, release when done). Waiting for them inside a round would leave the other leases unrenewed (eight
        blocking reads of a second each outlast a 6 s lease), so the workers would keep
        taking partitions from each other; instead each round renews their leases (when
        handed back) until the task ends, then releases them."""

    @property
    def owned(self) -> list[int]:
        return sorted(self._owned)

    async def run(self, stop: asyncio.Event) -> None:
        """Balance and consume partitions until `stop`; then finish the current updates."""
        interval = self._settings.lease_seconds / 3
        try:
            while not stop.is_set():
                try:
                    await self._rebalance()
                except RedisError as exc:
                    log.warning("worker %s cannot reach Redis (%s); keeping what it has", self.name, exc)
                await sleep_unless(stop, interval)
        finally:
            await self._release_all()

    async def _live_workers(self) -> int:
        redis = self._streams.redis
        now_ms = int(time.time() * 1000)
        key = self._keys.workers()
        await redis.zadd(key, {self.name: now_ms})
        await redis.zremrangebyscore(key, 0, now_ms - int(self._settings.lease_seconds * 2000))
        await redis.pexpire(key, int(self._settings.lease_seconds * 10000))
        return max(1, int(await redis.zcard(key)))

    async def _rebalance(self) -> None:
        await self._settle_leaving()
        live = await self._live_workers()
        share = min(self._settings.worker_max_partitions, math.ceil(self._keys.partitions / live))
        for partition, (lease, _, task) in list(self._owned.items()):
            if task.done() and not task.cancelled() and task.exception() is not None:
                log.error("partition %s stopped on an error; taking it up again", partition,
                          exc_info=task.exception())
                await self._drop(partition, release=True)
            elif not await lease.try_acquire():
                log.warning("worker %s lost partition %s", self.name, partition)
                await self._drop(partition, release=False)
        for partition in list(self._owned)[share:]:
            await self._drop(partition, release=True)
        for partition in self._streams.partitions:
            if len(self._owned) >= share:
                break
            if partition in self._owned or partition in self._leaving:
                continue
            lease = Lease(self._streams.redis, self._keys.partition_lease(partition), self.name,
                          self._settings.lease_seconds)
            if await lease.try_acquire():
                quit_event = asyncio.Event()
                task = asyncio.create_task(self._partition(partition, quit_event), name=f"partition-{partition}")
                self._owned[partition] = (lease, quit_event, task)
        self._metrics.partitions_owned.set(len(self._owned))

    async def _drop(self, partition: int, *, release: bool) -> None:
        """Tell the partition's task to quit after its batch. Handed back (`release`), it
        finishes in the background with its lease kept until then, so no other worker starts
        on the partition meanwhile; lost, it is waited for here, before this worker may take
        the partition again."""
        lease, quit_event, task = self._owned.pop(partition)
        quit_event.set()
        if release:
            self._leaving[partition] = (lease, task, True)
            return
        with contextlib.suppress(Exception):
            await task

    async def _settle_leaving(self) -> None:
        for partition, (lease, task, release) in list(self._leaving.items()):
            if not task.done():
                if release and not await lease.try_acquire():
                    self._leaving[partition] = (lease, task, False)  # lost meanwhile: nothing to release
                continue
            del self._leaving[partition]
            if release:
                with contextlib.suppress(RedisError):
                    await lease.release()

    async def _release_all(self) -> None:
        for partition in list(self._owned):
            await self._drop(partition, release=True)  # all told at once: each finishes its batch
        await asyncio.gather(*(task for _, task, _ in self._leaving.values()), return_exceptions=True)
        await self._settle_leaving()
        with contextlib.suppress(RedisError):
            await self._streams.redis.zrem(self._keys.workers(), self.name)

    async def _partition(self, partition: int, quit_event: asyncio.Event) -> None:
        """The partition's updates and its sends, both under the partition's lease."""
        if self._sends is None:
            await self._consume(partition, quit_event)
            return
        async with asyncio.TaskGroup() as group:
            group.create_task(self._consume(partition, quit_event))
            group.create_task(self._sends.consume(partition, self.name, quit_event))

    async def _consume(self, partition: int, quit_event: asyncio.Event) -> None:
        """Handle the partition's entries in order until told to quit (after the current batch)."""
        idle_ms = int(self._settings.claim_idle_seconds * 1000)
        owned_since = looked_back = time.monotonic()
        caught_up = False
        while not quit_event.is_set():
            if caught_up and time.monotonic() - looked_back >= self._settings.claim_idle_seconds:
                # A read whose reply was lost (Redis hung, the client timed out and asked again,
                # Redis then answered both) left entries pending under this worker that it never
                # saw; nothing else would ever bring them back, so look every idle period.
                caught_up = False
            try:
                if not caught_up:
                    looked_back = time.monotonic()
                    # Another consumer's entry is claimed once Redis saw it idle long enough AND
                    # this task has owned the partition that long by its own clock. Redis's clock
                    # runs on through an outage: after one, every entry looks idle and every lease
                    # expired, while the worker that was handling them is alive and about to
                    # record its sends; taking its entries at once would send them twice.
                    patient = time.monotonic() - owned_since >= self._settings.claim_idle_seconds
                    entries, waiting = await self._streams.take_over(partition, self.name,
                                                                     idle_ms if patient else None)
                    if not entries and waiting:
                        # Another worker's unfinished entries come first; wait until they may be claimed.
                        await sleep_unless(quit_event, min(1.0, self._settings.claim_idle_seconds / 4 or 0.05))
                        continue
                    caught_up = not entries
                    if entries:
                        log.info("partition %s: taking up %d unfinished update(s) first", partition, len(entries))
                else:
                    entries = await self._streams.read_new(partition, self.name, READ_BATCH, READ_BLOCK_MS)
            except RedisError as exc:
                log.warning("partition %s: cannot read (%s); retrying", partition, exc)
                caught_up = False
                await sleep_unless(quit_event, 1.0)
                continue
            # The whole batch is handled even when asked to quit meanwhile: entries read but
            # left would stay pending under this worker, and the partition's next owner could
            # take them only after `claim_idle_seconds`.
            for entry in entries:
                try:
                    settled = await self._handler.handle(entry, quit_event)
                except RedisError as exc:
                    # Could not acknowledge or dead-letter: it stays pending and is taken up again.
                    log.warning("partition %s: update %s not settled (%s)", partition, entry.update_id, exc)
                    settled = False
                    await sleep_unless(quit_event, 1.0)
                if not settled:
                    caught_up = False  # the rest waits behind it, in order
                    break
