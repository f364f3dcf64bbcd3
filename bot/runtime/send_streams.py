"""The durable send queue: what the bot will send, kept in Redis streams until it was sent.

A handler's messages are written here (one XADD each) before its update is acknowledged,
so a process killed after handling loses no answer; the worker that owns a chat's send
partition sends them, paced by the limits every process shares (`RedisPacer`). Sends are
partitioned by chat (`RuntimeKeys.send_partition`) so a chat's messages stay in order,
and read by the same partition leases as the updates (`bot.runtime.worker`).

An entry is acknowledged and deleted once Telegram accepted the message or refused it
for good. Entries left pending (a killed worker, Telegram unreachable) are claimed again
after the idle time; the sent-effects keys (`bot.runtime.effects`) show each message once
even when an entry is sent twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bot.runtime.keys import SENDERS, RuntimeKeys
from bot.runtime.scripts import source
from bot.runtime.streams import create_group, fields_of, text_of
from bot.telegram.outgoing_codec import encode
from bot.telegram.sending import Outgoing

log = logging.getLogger(__name__)

MAX_STREAM_LENGTH = 1_000_000
"""A safety bound per partition (approximate trim): far above any sale night's backlog."""


@dataclass(frozen=True)
class QueuedSend:
    partition: int
    entry_id: str
    fields: dict[str, str]


class SendStreams:
    def __init__(self, redis: Redis, keys: RuntimeKeys) -> None:
        self.redis = redis
        self.keys = keys
        self._settle = redis.register_script(source("settle"))
        self._groups_ready: set[int] = set()

    @property
    def partitions(self) -> range:
        return range(self.keys.partitions)

    async def _ensure_group(self, partition: int) -> None:
        if partition not in self._groups_ready:
            await create_group(self.redis, self.keys.send_stream(partition), SENDERS)
            self._groups_ready.add(partition)

    async def append(self, item: Outgoing) -> None:
        """Queue `item` durably (it carries its effect key, so a second copy shows once)."""
        partition = self.keys.send_partition(item.chat_id)
        await self.redis.xadd(self.keys.send_stream(partition), encode(item),  # type: ignore[arg-type]
                              maxlen=MAX_STREAM_LENGTH, approximate=True)

    def _entries(self, partition: int, rows: list[Any]) -> list[QueuedSend]:
        return [QueuedSend(partition, text_of(entry_id), fields_of(raw))
                for entry_id, raw in rows if raw is not None]

    async def read_new(self, partition: int, consumer: str, count: int, block_ms: int) -> list[QueuedSend]:
        """Sends nobody has taken yet, oldest first (blocks up to `block_ms`)."""
        await self._ensure_group(partition)
        reply = await self.redis.xreadgroup(SENDERS, consumer, {self.keys.send_stream(partition): ">"},
                                            count=count, block=block_ms or None)
        return [e for _, rows in reply or [] for e in self._entries(partition, rows)]

    async def claim_idle(self, partition: int, consumer: str, min_idle_ms: int) -> list[QueuedSend]:
        """Taken but unfinished sends idle for `min_idle_ms` (a dead worker's, or this one's
        that Telegram did not take), now owned by `consumer`, oldest first."""
        await self._ensure_group(partition)
        stream = self.keys.send_stream(partition)
        claimed: list[QueuedSend] = []
        start = "0-0"
        while True:
            reply = await self.redis.xautoclaim(stream, SENDERS, consumer, min_idle_ms, start_id=start, count=100)
            start = text_of(reply[0])
            claimed.extend(self._entries(partition, reply[1]))
            if start == "0-0":
                return claimed

    async def done(self, send: QueuedSend) -> None:
        """Sent or refused for good: acknowledge and delete the entry."""
        await self._settle(keys=[self.keys.send_stream(send.partition)], args=[SENDERS, send.entry_id])

    async def backlog(self) -> int:
        """Sends queued and not yet done, over all partitions (for /metrics)."""
        return sum([await self.redis.xlen(self.keys.send_stream(p)) for p in self.partitions])
