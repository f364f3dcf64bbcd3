"""The one outbound queue: every message the bot sends goes through here.

Telegram limits a bot to about 30 messages a second overall, 20 a minute per group and
one a second per private chat, and answers 429 with `retry_after` when they are exceeded.
Each chat gets its own queue and worker, paced by a `Pacer` (bot.telegram.pacing; in the
app the Redis one, shared by every process), so a busy live room never delays private
answers. Within a chat, messages go by lane (buyers, relays, then cards and reports) and
in order within a lane; a message into a forum topic lifts what is queued before it in
that topic to its own lane, so a topic still reads in order (card before relay). A 429
is told to the pacer (every process then waits it out for that chat) and the same
message sent again; transient network and server errors are retried with backoff;
anything finally given up is logged with its reason, never dropped silently.

Durable when given a `SendLog` (the workers' Redis send streams, `bot.runtime.send_streams`):
`send` then writes the message to Redis and returns at once, and whichever worker owns the
chat's send partition delivers it through `call`; a killed process loses nothing it queued.
Without one (a test on a recorded Bot, the in-process harness) the queue is this process's
memory. `call` is always in-process, for the few callers that need the sent message back
(a new topic's id, a relay's copy) and own their durability already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from uuid import uuid4

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message, ReplyParameters
from redis.exceptions import RedisError

from bot.runtime.effects import CURRENT_UPDATE, SentEffects
from bot.runtime.log_masking import mask
from bot.telegram.pacing import Lane, Limits, LocalPacer, Pacer, lane_of
from bot.telegram.text_limits import split_text

log = logging.getLogger(__name__)

IDLE_WORKER_SECONDS = 30.0


@dataclass
class Outgoing:
    """One message to send: text fields, or any aiogram method (copyMessage, sendPhoto...).

    `chat_id` decides the queue and the pacing either way.
    """

    chat_id: int
    text: str = ""
    reply_to: int | None = None
    markup: InlineKeyboardMarkup | None = None
    thread_id: int | None = None
    purpose: str = "answer"
    """What this message is, for logs ("answer", "burst", "ops"...)."""
    method: TelegramMethod[Any] | None = None
    """Any Bot API call paced and retried like a message (copyMessage, createForumTopic...)."""
    sent: asyncio.Future[Any] | None = field(default=None, repr=False)
    effect_key: str | None = None
    """Set when queued while handling an update: a second handling sends it only once."""
    priority: Lane | None = None
    """Who goes first when sends wait; None derives it from `purpose` (pacing.lane_of)."""

    @property
    def lane(self) -> Lane:
        return self.priority if self.priority is not None else lane_of(self.purpose)


@dataclass
class OutboxStats:
    queued: int = 0
    sent: int = 0
    retried_after_429: int = 0
    retried_errors: int = 0
    given_up: int = 0
    shown_before: int = 0


__all__ = ["Lane", "Limits", "Outbox", "OutboxStats", "Outgoing", "SendLog", "SendObserver"]


class SendLog(Protocol):
    """Where `Outbox.send` keeps a message until a worker sends it (Redis streams)."""

    async def append(self, item: Outgoing) -> None: ...


def _thread_of(item: Outgoing) -> int | None:
    """The forum topic a send goes to, whether given as a field or inside the method."""
    if item.thread_id is not None:
        return item.thread_id
    return getattr(item.method, "message_thread_id", None)


class _ChatQueue:
    """One chat's waiting messages, taken by (lane, arrival)."""

    def __init__(self) -> None:
        self._items: list[list[Any]] = []  # [lane, seq, item]
        self._seq = 0
        self._ready = asyncio.Event()

    def put(self, item: Outgoing) -> None:
        lane = item.lane
        thread = _thread_of(item)
        if thread is not None:
            for entry in self._items:
                if entry[0] > lane and _thread_of(entry[2]) == thread:
                    entry[0] = lane
        self._seq += 1
        self._items.append([lane, self._seq, item])
        self._ready.set()

    def empty(self) -> bool:
        return not self._items

    async def get(self, timeout: float) -> tuple[Lane, Outgoing]:
        while not self._items:
            self._ready.clear()
            await asyncio.wait_for(self._ready.wait(), timeout)
        entry = min(self._items, key=lambda e: (e[0], e[1]))
        self._items.remove(entry)
        return Lane(entry[0]), entry[2]


SendFunc = Callable[[Outgoing], Awaitable[Message]]


class SendObserver:
    """Told about each message sent and each 429 (metrics); does nothing by default."""

    def sent(self, purpose: str, lane: Lane) -> None:
        """A message for `purpose`, sent in `lane`, was accepted by Telegram."""

    def flood_wait(self, chat_id: int, retry_after: float) -> None:
        """Telegram answered 429 for `chat_id`."""


class Outbox:
    def __init__(self, bot: Bot, limits: Limits | None = None, effects: SentEffects | None = None,
                 observe: SendObserver | None = None, pacer: Pacer | None = None) -> None:
        """`pacer` defaults to this process's own limiters (`LocalPacer(limits)`)."""
        self._bot = bot
        self._effects = effects
        self._observe = observe
        self._unclaims: set[asyncio.Task[None]] = set()
        limits = limits if limits is not None else Limits()
        self._limits = limits
        self._pacer: Pacer = pacer if pacer is not None else LocalPacer(limits)
        self._queues: dict[int, _ChatQueue] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._log: SendLog | None = None
        self._persisting: set[asyncio.Task[None]] = set()
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.stats = OutboxStats()

    def keep_in(self, log: SendLog) -> None:
        """From now on `send` queues durably in `log` (a worker process, once it consumes it)."""
        self._log = log

    def send(self, item: Outgoing) -> asyncio.Future[Any]:
        """Queue a message without waiting for it to go out.

        In memory the future resolves to the sent Message; with a SendLog it resolves once
        the message is safely queued (None). Callers normally do not await it: a handler
        must not wait a group's pacing; those that need the Message use `call`.
        A text over Telegram's limit goes out as several messages in a row (split at
        lines): the first replies to `reply_to`, the last carries the buttons, and the
        future is the last one's.
        """
        queue = self._queue if self._log is None else self._keep
        if item.method is None:
            parts = split_text(item.text)
            if len(parts) > 1:
                log.info("splitting a %d-character %s to chat %s into %d messages",
                         len(item.text), item.purpose, item.chat_id, len(parts))
                for n, part in enumerate(parts[:-1]):
                    # A caller's own effect key names the whole message: each part needs its own.
                    queue(replace(item, text=part, markup=None, sent=None,
                                  reply_to=item.reply_to if n == 0 else None,
                                  effect_key=f"{item.effect_key}:{n}" if item.effect_key else None))
                item = replace(item, text=parts[-1], reply_to=None, sent=None)
        return queue(item)

    def call(self, item: Outgoing) -> asyncio.Future[Any]:
        """Send through this process's own queue (paced, retried, shown once); the future
        resolves to what Telegram returned. For callers that need it (a topic's id)."""
        return self._queue(item)

    def _keep(self, item: Outgoing) -> asyncio.Future[Any]:
        """Write `item` to the send log; inside an update the update waits for the write
        (a failed write fails the update, which is retried), elsewhere a failed write
        falls back to sending from this process."""
        assert self._log is not None
        scope = CURRENT_UPDATE.get()
        if item.effect_key is None:
            item.effect_key = scope.effect_key(item.chat_id, item.purpose) if scope else f"q{uuid4().hex}"
        self.stats.queued += 1
        if scope is not None:
            return scope.start_write(item.chat_id, self._log.append(item))
        task = asyncio.get_running_loop().create_task(self._log.append(item))
        self._persisting.add(task)
        task.add_done_callback(lambda done: self._kept(done, item))
        return task

    def _kept(self, task: asyncio.Task[None], item: Outgoing) -> None:
        self._persisting.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, RedisError):
            log.warning("could not queue %s to chat %s in Redis (%s); sending it from this process",
                        item.purpose, item.chat_id, error)
            self._queue(item)
        elif error is not None:
            log.error("could not queue %s to chat %s: %r", item.purpose, item.chat_id, error)

    def _queue(self, item: Outgoing) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        item.sent = loop.create_future()
        scope = CURRENT_UPDATE.get()
        if scope is not None and self._effects is not None:
            if item.effect_key is None:
                item.effect_key = scope.effect_key(item.chat_id, item.purpose)
            scope.sends.append(item.sent)
        queue = self._queues.get(item.chat_id)
        if queue is None:
            queue = self._queues[item.chat_id] = _ChatQueue()
        queue.put(item)
        self._pending += 1
        self._idle.clear()
        self.stats.queued += 1
        if item.chat_id not in self._workers:
            self._workers[item.chat_id] = asyncio.create_task(
                self._work(item.chat_id, queue), name=f"outbox-{item.chat_id}")
        return item.sent

    async def _work(self, chat_id: int, queue: _ChatQueue) -> None:
        try:
            while True:
                try:
                    lane, item = await queue.get(IDLE_WORKER_SECONDS)
                except TimeoutError:
                    if queue.empty():
                        return
                    continue
                try:
                    await self._deliver(item, lane)
                finally:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.set()
        finally:
            self._workers.pop(chat_id, None)
            if queue.empty():
                self._queues.pop(chat_id, None)

    async def _call(self, item: Outgoing) -> Any:
        if item.method is not None:
            return await self._bot(item.method)
        return await self._bot.send_message(
            chat_id=item.chat_id,
            text=item.text,
            reply_parameters=ReplyParameters(message_id=item.reply_to, allow_sending_without_reply=True)
            if item.reply_to else None,
            reply_markup=item.markup,
            message_thread_id=item.thread_id,
        )

    async def _claim(self, item: Outgoing) -> bool:
        """True when this process should send `item` now (its effect key claimed, or none)."""
        assert item.sent is not None
        if item.effect_key is None or self._effects is None:
            return True
        try:
            before = await self._effects.claim(item.chat_id, item.effect_key)
        except RedisError as exc:
            # Not sent: a queued send stays in its stream and is taken again, an update's
            # send fails the update (retried), a relay stays due.
            self._give_up(item, f"cannot check in Redis whether it was sent before ({exc})", exc,
                          claimed=False)
            return False
        if before is None:
            return True
        self.stats.shown_before += 1
        log.info("%s to chat %s was sent when this update was handled before; not again",
                 item.purpose, item.chat_id)
        if not item.sent.done():
            item.sent.set_result(before)
        return False

    async def _deliver(self, item: Outgoing, lane: Lane) -> None:
        assert item.sent is not None
        attempt = 0
        while True:
            attempt += 1
            await self._pacer.acquire(item.chat_id, lane)
            # Claimed once its turn has come, not before a long wait for a group's pace: the
            # claim expires, and should cover only the call itself.
            if attempt == 1 and not await self._claim(item):
                return
            try:
                message = await self._call(item)
            except TelegramRetryAfter as exc:
                self.stats.retried_after_429 += 1
                if self._observe is not None:
                    self._observe.flood_wait(item.chat_id, exc.retry_after)
                log.warning("429 from Telegram for %s to chat %s: waiting %ss and sending again",
                            item.purpose, item.chat_id, exc.retry_after)
                if attempt >= self._limits.max_attempts * 4:
                    self._give_up(item, f"still flood-limited after {attempt} attempts", exc)
                    return
                await self._pacer.hold(item.chat_id, exc.retry_after)
                continue
            except (TelegramNetworkError, TelegramServerError) as exc:
                if attempt >= self._limits.max_attempts:
                    self._give_up(item, f"{type(exc).__name__} after {attempt} attempts", exc)
                    return
                delay = min(10.0, 0.2 * 2 ** attempt)
                self.stats.retried_errors += 1
                log.warning("sending %s to chat %s failed (%s); retry %d in %.1fs",
                            item.purpose, item.chat_id, exc, attempt, delay)
                await asyncio.sleep(delay)
                continue
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                self._give_up(item, f"Telegram refused it: {exc.message}", exc)
                return
            except Exception as exc:  # noqa: BLE001 - e.g. an unreadable answer: retry, never lose the worker
                if attempt >= self._limits.max_attempts:
                    self._give_up(item, f"{type(exc).__name__}: {exc} after {attempt} attempts", exc)
                    return
                self.stats.retried_errors += 1
                log.warning("sending %s to chat %s failed unexpectedly (%r); retry %d",
                            item.purpose, item.chat_id, exc, attempt)
                await asyncio.sleep(min(10.0, 0.2 * 2 ** attempt))
                continue
            self.stats.sent += 1
            if self._observe is not None:
                self._observe.sent(item.purpose, lane)
            if item.effect_key is not None and self._effects is not None:
                await self._effects.record(item.chat_id, item.effect_key, message)
            if not item.sent.done():
                item.sent.set_result(message)
            return

    def _give_up(self, item: Outgoing, reason: str, exc: Exception, *, claimed: bool = True) -> None:
        """`claimed`: this process holds the effect key's claim (released for a later try)."""
        self.stats.given_up += 1
        if claimed and item.effect_key is not None and self._effects is not None:
            task = asyncio.get_running_loop().create_task(self._effects.unclaim(item.chat_id, item.effect_key))
            self._unclaims.add(task)
            task.add_done_callback(self._unclaims.discard)
        # Masked before it is shortened: a phone number cut in half would escape the log filter.
        log.error("gave up sending %s to chat %s (reply to %s): %s; text was %r",
                  item.purpose, item.chat_id, item.reply_to, reason, mask(item.text)[:200])
        if item.sent is not None and not item.sent.done():
            item.sent.set_exception(exc)
            item.sent.exception()  # retrieved here: the log line above is the report

    @property
    def idle(self) -> bool:
        """Nothing queued or being sent: every message handed in so far was sent or given up.

        With `drain()` this is the signal tests (and shutdown) use instead of sleeping:
        once updates are handled and the outbox is idle, nothing more will be sent for them.
        """
        return self._pending == 0

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until everything queued has been sent or given up (returns at once when idle)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def close(self, timeout: float = 10.0) -> None:
        """Finish writing to the send log, deliver what is queued here (up to `timeout`),
        then stop the workers. (Sends taken from the log and not delivered stay pending
        there: the partition's next owner sends them.)"""
        if self._persisting:
            await asyncio.wait(set(self._persisting), timeout=timeout)
        with contextlib.suppress(TimeoutError):
            await self.drain(timeout)
        if self._pending:
            log.error("shutting down with %d messages still queued; they were not sent", self._pending)
        for task in list(self._workers.values()):
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
