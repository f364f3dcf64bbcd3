"""A worker's sending half: takes queued sends from its partitions' streams and sends them.

Each partition a worker owns (under the same lease as its updates) has its send stream
read here and handed to the process's outbox, which paces them with the limits all
processes share and keeps a chat's messages in order, lane by lane. An entry is done once
Telegram took the message or refused it for good; when Telegram could not be reached it
stays pending and is taken again after the idle time, by this worker or the partition's
next owner (a killed worker's sends are not lost). At most `max_in_flight` sends wait in
this process's memory; beyond that reading pauses, and the rest waits in Redis.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from redis.exceptions import RedisError

from bot.runtime.lease import sleep_unless
from bot.runtime.log_masking import mask
from bot.runtime.send_streams import QueuedSend, SendStreams
from bot.telegram.outgoing_codec import UnreadableSend, decode
from bot.telegram.sending import Outbox

log = logging.getLogger(__name__)

READ_BATCH = 50
READ_BLOCK_MS = 500
NOT_SENT_YET = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, RedisError)
"""Telegram did not take the message but may later, or Redis could not say whether it was
sent before: the entry stays pending and is tried again."""


class SendConsumer:
    def __init__(self, streams: SendStreams, outbox: Outbox, claim_idle_seconds: float,
                 max_in_flight: int = 5000) -> None:
        self._streams = streams
        self._outbox = outbox
        self._idle_ms = max(100, int(claim_idle_seconds * 1000))
        self._room = asyncio.Semaphore(max_in_flight)
        self._in_flight: set[tuple[int, str]] = set()
        self._settling: set[asyncio.Task[None]] = set()

    async def consume(self, partition: int, consumer: str, quit_event: asyncio.Event) -> None:
        """Send the partition's queued messages until told to quit: new ones as they come,
        and every idle period those taken and left unfinished (a dead worker's, or ones
        Telegram or Redis did not take). The first such round waits one idle period of this
        process's own clock: after Redis was paused every entry looks idle by Redis's clock,
        and the previous owner may still be sending them."""
        next_claim = time.monotonic() + self._idle_ms / 1000
        while not quit_event.is_set():
            try:
                if time.monotonic() >= next_claim:
                    for send in await self._streams.claim_idle(partition, consumer, self._idle_ms):
                        await self._dispatch(send)
                    next_claim = time.monotonic() + self._idle_ms / 1000
                for send in await self._streams.read_new(partition, consumer, READ_BATCH, READ_BLOCK_MS):
                    await self._dispatch(send)
            except RedisError as exc:
                log.warning("send partition %s: cannot read (%s); retrying", partition, exc)
                await sleep_unless(quit_event, 1.0)

    async def _dispatch(self, send: QueuedSend) -> None:
        key = (send.partition, send.entry_id)
        if key in self._in_flight:
            return  # taken again while this process is still sending it
        try:
            item = decode(send.fields)
        except UnreadableSend as exc:
            log.error("queued send %s (partition %s) cannot be read (%s); dropped: %r",
                      send.entry_id, send.partition, exc, mask(str(send.fields))[:300])
            self._settle(send)
            return
        await self._room.acquire()
        self._in_flight.add(key)
        self._outbox.call(item).add_done_callback(lambda future: self._finished(send, future))

    def _finished(self, send: QueuedSend, future: asyncio.Future[Any]) -> None:
        self._room.release()
        self._in_flight.discard((send.partition, send.entry_id))
        error = None if future.cancelled() else future.exception()
        if future.cancelled() or isinstance(error, NOT_SENT_YET):
            log.warning("send %s (partition %s) not taken by Telegram yet; it stays queued",
                        send.entry_id, send.partition)
            return
        self._settle(send)  # sent, or refused for good (the outbox logged why)

    def _settle(self, send: QueuedSend) -> None:
        task = asyncio.get_running_loop().create_task(self._done(send))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def _done(self, send: QueuedSend) -> None:
        try:
            await self._streams.done(send)
        except RedisError as exc:
            # Taken again later; its sent-effect key then shows it was sent.
            log.warning("send %s (partition %s) sent but not acknowledged (%s)", send.entry_id, send.partition, exc)
