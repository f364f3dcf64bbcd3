"""Agents' tags and notes on buyers, and tiers set by hand, in Redis."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from bot.clock import Clock
from bot.customers import keys
from bot.shop.catalog import Tier

NOTES_CAP = 200


@dataclass(frozen=True)
class Note:
    by: int
    text: str
    at: datetime


class CustomerStore:
    def __init__(self, redis: Redis, prefix: str, clock: Clock) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock

    async def _touch(self, buyer: int) -> None:
        await self._redis.zadd(keys.buyers(self._prefix), {str(buyer): int(self._clock.now().timestamp() * 1000)})

    async def add_tag(self, buyer: int, tag: str) -> None:
        await self._redis.sadd(keys.tags(self._prefix, buyer), tag.strip())
        await self._touch(buyer)

    async def remove_tag(self, buyer: int, tag: str) -> None:
        await self._redis.srem(keys.tags(self._prefix, buyer), tag.strip())

    async def tags(self, buyer: int) -> list[str]:
        return sorted(t.decode() for t in await self._redis.smembers(keys.tags(self._prefix, buyer)))

    async def add_note(self, buyer: int, by: int, text: str) -> None:
        entry = json.dumps({"by": by, "text": text, "at": self._clock.now().timestamp()}, ensure_ascii=False)
        key = keys.notes(self._prefix, buyer)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, entry)
            pipe.ltrim(key, -NOTES_CAP, -1)
            await pipe.execute()
        await self._touch(buyer)

    async def notes(self, buyer: int) -> list[Note]:
        rows = await self._redis.lrange(keys.notes(self._prefix, buyer), 0, -1)
        return [Note(int(d["by"]), d["text"], datetime.fromtimestamp(d["at"], UTC)) for d in map(json.loads, rows)]

    async def set_tier(self, buyer: int, tier: Tier | None) -> None:
        if tier is None:
            await self._redis.delete(keys.tier(self._prefix, buyer))
        else:
            await self._redis.set(keys.tier(self._prefix, buyer), str(tier))
        await self._touch(buyer)

    async def manual_tier(self, buyer: int) -> Tier | None:
        raw = await self._redis.get(keys.tier(self._prefix, buyer))
        return Tier(raw.decode()) if raw else None

    async def buyers(self) -> list[int]:
        return [int(b) for b in await self._redis.zrange(keys.buyers(self._prefix), 0, -1)]
