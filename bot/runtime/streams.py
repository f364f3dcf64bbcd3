"""The update streams: raw Telegram updates kept in Redis until a worker has handled them.

Why partitions. A consumer group alone spreads entries over consumers in any order, so
two messages of one chat could be handled at once by two workers. Instead updates are
split over N partition streams by an ordering key (the buyer for private chats and the
live room, the topic for the agents' group), and each partition is consumed by exactly
one worker at a time under a lease (`bot.runtime.lease`). Within a partition entries are
handled one after another, so a key's updates stay in order; different partitions run
in parallel, inside one worker and across workers. N (16 by default) bounds both the
parallelism and the rebalancing granularity.

Each partition stream still has a consumer group: entries a worker read but did not
acknowledge stay pending, and the next owner claims them (XAUTOCLAIM after an idle time)
before reading anything new, so a killed worker loses nothing and order holds.
An entry is acknowledged and deleted (one Lua call) only after it was handled, or moved
to the partition's dead-letter stream after the configured attempts.
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.runtime.keys import GROUP, RuntimeKeys
from bot.runtime.scripts import source

log = logging.getLogger(__name__)

SEEN_TTL_SECONDS = 24 * 3600
"""Telegram re-sends an unacknowledged update for up to a day; a duplicate is dropped."""


def ordering_key(update: dict[str, Any]) -> str:
    """What must be handled in order: a forum topic, else the person, else the chat."""
    for kind in ("message", "edited_message", "callback_query", "message_reaction",
                 "my_chat_member", "chat_member", "chat_join_request", "pre_checkout_query"):
        event = update.get(kind)
        if not isinstance(event, dict):
            continue
        message = event.get("message") if kind == "callback_query" else event
        if isinstance(message, dict) and message.get("is_topic_message") and message.get("message_thread_id"):
            chat = message.get("chat") or {}
            return f"topic:{chat.get('id')}:{message['message_thread_id']}"
        person = event.get("from") or event.get("user")
        if isinstance(person, dict) and "id" in person:
            return f"user:{person['id']}"
        chat = event.get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return f"chat:{chat['id']}"
    return f"update:{update.get('update_id')}"


def partition_of(key: str, partitions: int) -> int:
    """A stable partition for `key` (crc32: the same in every process and every run)."""
    return zlib.crc32(key.encode()) % partitions


@dataclass(frozen=True)
class Entry:
    partition: int
    entry_id: str
    update_id: int
    raw: str

    @property
    def update(self) -> dict[str, Any]:
        return json.loads(self.raw)


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    entry_id: str
    update_id: int
    reason: str
    attempts: int
    raw: str


@dataclass(frozen=True)
class PartitionStats:
    length: int
    pending: int
    lag: int


def text_of(value: bytes | str) -> str:
    """A Redis reply's bytes as text (clients may or may not decode)."""
    return value.decode() if isinstance(value, bytes) else value


def fields_of(raw: dict[Any, Any]) -> dict[str, str]:
    return {text_of(k): text_of(v) for k, v in raw.items()}


async def create_group(redis: Redis, stream: str, group: str) -> None:
    """The consumer group `group` on `stream` (created with the stream), unless it exists."""
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


class UpdateStreams:
    def __init__(self, redis: Redis, keys: RuntimeKeys) -> None:
        self.redis = redis
        self.keys = keys
        self._add = redis.register_script(source("ingest_add"))
        self._settle = redis.register_script(source("settle"))
        self._dead = redis.register_script(source("dead_letter"))
        self._retry = redis.register_script(source("retry_dead"))
        self._groups_ready: set[int] = set()

    @property
    def partitions(self) -> range:
        return range(self.keys.partitions)

    async def ensure_group(self, partition: int) -> None:
        if partition not in self._groups_ready:
            await create_group(self.redis, self.keys.stream(partition), GROUP)
            self._groups_ready.add(partition)

    def partition_for(self, update: dict[str, Any]) -> int:
        return partition_of(ordering_key(update), self.keys.partitions)

    async def add(self, update: dict[str, Any]) -> bool:
        """Keep one raw update; False when this update id was written before (a re-delivery)."""
        update_id = int(update["update_id"])
        partition = self.partition_for(update)
        entry = await self._add(keys=[self.keys.seen(partition, update_id), self.keys.stream(partition)],
                                args=[SEEN_TTL_SECONDS, update_id, json.dumps(update, ensure_ascii=False)])
        return entry is not None

    def _entries(self, partition: int, rows: list[Any]) -> list[Entry]:
        entries = []
        for entry_id, raw in rows:
            if raw is None:  # deleted while pending
                continue
            fields = fields_of(raw)
            entries.append(Entry(partition, text_of(entry_id), int(fields["update_id"]), fields["update"]))
        return entries

    async def read_new(self, partition: int, consumer: str, count: int, block_ms: int) -> list[Entry]:
        """Entries never delivered to anyone, oldest first (blocks up to `block_ms`)."""
        await self.ensure_group(partition)
        reply = await self.redis.xreadgroup(GROUP, consumer, {self.keys.stream(partition): ">"},
                                            count=count, block=block_ms or None)
        return [e for _, rows in reply or [] for e in self._entries(partition, rows)]

    async def take_over(self, partition: int, consumer: str, min_idle_ms: int | None) -> tuple[list[Entry], int]:
        """Pending entries of this partition now owned by `consumer`, oldest first, and how
        many pending entries of another consumer are not yet idle long enough to claim
        (with `min_idle_ms` None, none of theirs is claimed: only `consumer`'s own)."""
        await self.ensure_group(partition)
        stream = self.keys.stream(partition)
        mine: list[Entry] = []
        start = "0-0"
        while min_idle_ms is not None:
            reply = await self.redis.xautoclaim(stream, GROUP, consumer, min_idle_ms, start_id=start, count=100)
            start = text_of(reply[0])
            mine.extend(self._entries(partition, reply[1]))
            if start == "0-0":
                break
        own = await self.redis.xpending_range(stream, GROUP, min="-", max="+", count=1000, consumername=consumer)
        claimed = {e.entry_id for e in mine}
        missing = [text_of(p["message_id"]) for p in own if text_of(p["message_id"]) not in claimed]
        for entry_id in missing:
            rows = await self.redis.xrange(stream, entry_id, entry_id)
            mine.extend(self._entries(partition, rows))
        summary = await self.redis.xpending(stream, GROUP)
        waiting = int(summary["pending"]) - len(mine)
        mine.sort(key=lambda e: tuple(int(part) for part in e.entry_id.split("-")))
        return mine, max(0, waiting)

    async def settle(self, entry: Entry) -> None:
        """The update was handled: acknowledge and delete it."""
        await self._settle(keys=[self.keys.stream(entry.partition)], args=[GROUP, entry.entry_id])

    async def dead_letter(self, entry: Entry, reason: str, attempts: int) -> None:
        await self._dead(keys=[self.keys.stream(entry.partition), self.keys.dead(entry.partition)],
                         args=[GROUP, entry.entry_id, entry.update_id, entry.raw, reason[:500], attempts])

    async def dead_letters(self) -> list[DeadLetter]:
        letters = []
        for partition in self.partitions:
            for entry_id, raw in await self.redis.xrange(self.keys.dead(partition)):
                fields = fields_of(raw)
                letters.append(DeadLetter(partition, text_of(entry_id), int(fields["update_id"]),
                                          fields.get("reason", ""), int(fields.get("attempts", 0)),
                                          fields["update"]))
        return letters

    async def retry_dead(self, letter: DeadLetter) -> bool:
        """Send a dead letter back to its partition, to be handled again."""
        return await self._retry(keys=[self.keys.dead(letter.partition), self.keys.stream(letter.partition)],
                                 args=[letter.entry_id]) is not None

    async def drop_dead(self, letter: DeadLetter) -> bool:
        return bool(await self.redis.xdel(self.keys.dead(letter.partition), letter.entry_id))

    async def stats(self, partition: int) -> PartitionStats:
        await self.ensure_group(partition)
        stream = self.keys.stream(partition)
        length = await self.redis.xlen(stream)
        pending = int((await self.redis.xpending(stream, GROUP))["pending"])
        return PartitionStats(length=length, pending=pending, lag=max(0, length - pending))

    async def dead_count(self) -> int:
        return sum([await self.redis.xlen(self.keys.dead(p)) for p in self.partitions])
