"""Which buyers have started the bot, so a private answer can be sent to them.

A live-room question about one's own order is never answered in public; when the buyer
has a private chat with the bot, the answer goes there, otherwise the public reply
carries the bot's deep link instead.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.customers import keys

STARTED_TTL_S = 180 * 24 * 3600
"""Forgotten after half a year without a private message; they are invited again then."""


class StartedChats:
    def __init__(self, redis: Redis, prefix: str, ttl_s: int = STARTED_TTL_S) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_s = ttl_s

    async def mark(self, buyer_id: int) -> None:
        """The buyer wrote to the bot in private: the bot may message them."""
        await self._redis.set(keys.started(self._prefix, buyer_id), "1", ex=self._ttl_s)

    async def has_started(self, buyer_id: int) -> bool:
        return bool(await self._redis.exists(keys.started(self._prefix, buyer_id)))
