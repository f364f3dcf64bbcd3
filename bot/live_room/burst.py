"""One answer for many askers when the live room asks the same thing at once.

During a flash sale dozens of buyers type "多少钱" within seconds. Replying to each
floods the room and hits Telegram's 20-messages-a-minute group limit, so identical
answers are gathered: the first asker waits `gather` seconds for others, then one message
names the first askers (`burst_max_mentions`), counts the rest and replies to the first.
The same answer is not posted again within `repeat` seconds; askers arriving meanwhile
are gathered into the next post when that window ends.

The gatherings live in Redis (`gathering_store`), shared by every worker: buyers whose
comments two workers handle join one gathering and get one message. Exactly one process
posts a due gathering, because taking it is one atomic script. Who takes it:

* the process that opened it, by a timer at its due time (on the bot's clock);
* any process's flush loop (`start()`, every `poll_seconds`), which looks at every room
  that ever gathered: the gathering of a process that died is posted by another one;
* `close()`, which posts at once what this process gathered.

A taken gathering stays in Redis until Telegram has the post; a poster that dies first
leaves it due again after the lease, and the next poster sends it under the same effect
key, so the room sees it once.

Redis failing while a buyer's question is gathered raises from `ask()`: the update fails
and the worker retries it with backoff (then dead-letters it and tells ops). The asker is
never dropped silently, the ask is idempotent per buyer (a retry after an ambiguous
failure does not name them twice), and a Redis outage does not turn a comment storm into
one un-gathered message per buyer.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from redis.exceptions import RedisError

from bot.clock import Clock
from bot.live_room.gathering_store import GatheringStore, Taken, epoch_ms
from bot.live_room.room_asker import RoomAsker

log = logging.getLogger(__name__)

PostFunc = Callable[[Taken], Awaitable[Any]]
"""post(taken): render and queue one room message now (synchronously), returning what
resolves once Telegram has it (the outbox's future)."""

POLL_SECONDS = 0.5
"""How often (bot clock) each process looks for due gatherings it has no timer for."""
POST_LEASE_SECONDS = 60.0
"""A taken gathering falls due again this long after its poster last said it is still sending."""
CLOSE_WAIT_SECONDS = 10.0
MINE_PRUNE_AT = 1024


class BurstGate:
    def __init__(self, store: GatheringStore, clock: Clock, *, gather_seconds: float, repeat_seconds: float,
                 max_named: int, post: PostFunc, poll_seconds: float = POLL_SECONDS,
                 lease_seconds: float = POST_LEASE_SECONDS) -> None:
        self._store = store
        self._clock = clock
        self._gather_ms = max(1, round(gather_seconds * 1000))
        self._repeat_ms = max(0, round(repeat_seconds * 1000))
        self._max_named = max_named
        self._post = post
        self._poll = poll_seconds
        self._lease_ms = max(1, round(lease_seconds * 1000))
        self._rooms: set[int] = set()
        """Rooms this process gathered in (registered in Redis for the other processes)."""
        self._mine: dict[tuple[int, str], int] = {}
        """Open gatherings this process added askers to -> due ms: what `close()` posts."""
        self._timers: set[asyncio.Task[None]] = set()
        self._posting: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    def _now_ms(self) -> int:
        return epoch_ms(self._clock.now())

    def _spawn(self, work: Coroutine[Any, Any, None], name: str, into: set[asyncio.Task[None]]) -> None:
        # A fresh context: a timer started while handling an update must not count its
        # post among that update's sends (nor be cancelled with it).
        task = asyncio.create_task(work, name=name, context=contextvars.Context())
        into.add(task)
        task.add_done_callback(into.discard)

    async def ask(self, chat_id: int, locale: str, answer: str, asker: RoomAsker) -> None:
        """Gather `asker` for `answer` (rendered, in `locale`) in room `chat_id`.

        Raises RedisError when Redis fails (see the module docstring: the update is retried).
        """
        if chat_id not in self._rooms:
            await self._store.register_room(chat_id)
            self._rooms.add(chat_id)
        now = self._now_ms()
        asked = await self._store.ask(chat_id, locale, answer, asker, now_ms=now, gather_ms=self._gather_ms,
                                      repeat_ms=self._repeat_ms, max_named=self._max_named)
        self._remember(chat_id, asked.gathering_id, asked.due_ms, now)
        self.start()
        if asked.created:
            self._spawn(self._flush_at(chat_id, asked.due_ms), f"burst-{chat_id}", self._timers)
            # Let the timer start sleeping on the clock now: a test's clock moved right after
            # this returns must find it asleep (ManualClock wakes only sleepers).
            await asyncio.sleep(0)

    def _remember(self, room: int, gathering_id: str, due_ms: int, now: int) -> None:
        self._mine[(room, gathering_id)] = due_ms
        if len(self._mine) >= MINE_PRUNE_AT:  # taken by other processes meanwhile
            horizon = now - self._lease_ms
            for key in [k for k, due in self._mine.items() if due < horizon]:
                del self._mine[key]

    def start(self) -> None:
        """Run this process's flush loop (idempotent): every worker runs one."""
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._flush_loop(), name="burst flush",
                                             context=contextvars.Context())

    async def _flush_loop(self) -> None:
        # Sleep first: a round then always starts on the clock's wake-up, which is what a
        # ManualClock's `settled()` waits for.
        while True:
            await self._clock.sleep(self._poll)
            try:
                await self.flush_due()
            except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                log.exception("flushing gathered room answers failed; the next round goes on")

    async def _flush_at(self, room: int, due_ms: int) -> None:
        await self._clock.sleep(max(0, due_ms - self._now_ms()) / 1000)
        await self._flush_room(room)

    async def flush_due(self) -> None:
        """Post every due gathering of every room that ever gathered (one round of the loop)."""
        try:
            rooms = set(await self._store.rooms()) | self._rooms
        except RedisError as exc:
            log.warning("cannot list the rooms with gathered answers (%s); looking at this process's", exc)
            rooms = set(self._rooms)
        for room in sorted(rooms):
            await self._flush_room(room)

    async def _flush_room(self, room: int, bring_forward: Iterable[str] = ()) -> None:
        try:
            taken = await self._store.take(room, now_ms=self._now_ms(), lease_ms=self._lease_ms,
                                           repeat_ms=self._repeat_ms, bring_forward=tuple(bring_forward))
        except RedisError as exc:
            log.warning("cannot take the due answers of room %s (%s); they stay for the next round", room, exc)
            return
        for gathering in taken:
            self._mine.pop((room, gathering.gathering_id), None)
            if gathering.times_taken > 1:
                log.info("posting room %s's answer for %d askers again: its first poster did not finish",
                         room, gathering.count)
            try:
                sent: Awaitable[Any] | None = self._post(gathering)
            except Exception:  # noqa: BLE001 - one failed post must not stop later ones
                log.exception("posting a gathered answer to chat %s for %d askers failed", room, gathering.count)
                sent = None
            self._spawn(self._confirm(gathering, sent), f"burst-post-{room}", self._posting)

    async def _confirm(self, gathering: Taken, sent: Awaitable[Any] | None) -> None:
        """Wait until Telegram has the post (renewing the lease meanwhile), then forget it."""
        if sent is not None:
            future = asyncio.ensure_future(sent)
            while True:
                done, _ = await asyncio.wait({future}, timeout=self._lease_ms / 3000)
                if done:
                    break
                try:
                    await self._store.extend(gathering.room_id, gathering.gathering_id,
                                             self._now_ms() + self._lease_ms)
                except RedisError as exc:
                    log.warning("cannot renew the lease on room %s's post (%s)", gathering.room_id, exc)
            error = future.exception() if not future.cancelled() else asyncio.CancelledError()
            if error is not None:
                log.error("posting a gathered answer to chat %s for %d askers failed", gathering.room_id,
                          gathering.count, exc_info=error)
        try:
            await self._store.done(gathering.room_id, gathering.gathering_id)
        except RedisError as exc:
            log.warning("room %s's post could not be marked done (%s): it falls due again after the lease "
                        "and goes out under the same effect key, so the room sees it once",
                        gathering.room_id, exc)

    async def waiting(self) -> int:
        """Askers in gatherings not yet taken for posting, across all processes."""
        return await self._store.waiting(set(await self._store.rooms()) | self._rooms)

    async def close(self) -> None:
        """Stop the timers and the loop, post now what this process gathered (and whatever is
        due), and wait a bounded time until Telegram has those posts."""
        tasks = [*self._timers, *([self._loop] if self._loop else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None
        mine: dict[int, list[str]] = {}
        for room, gathering_id in self._mine:
            mine.setdefault(room, []).append(gathering_id)
        for room in sorted(set(mine) | self._rooms):
            await self._flush_room(room, mine.get(room, ()))
        if self._posting:
            _, late = await asyncio.wait(set(self._posting), timeout=CLOSE_WAIT_SECONDS)
            if late:
                log.error("closing with %d room posts not confirmed; another process posts them after the lease",
                          len(late))
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
