"""At most once: a marker per (kind, order) claimed with SET NX before a message goes out."""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from bot.followups import keys

KEEP = timedelta(days=90)
"""How long a marker lives: far longer than any follow-up stays due."""


class OnceStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def claim(self, kind: str, ref: str) -> bool:
        """True for the first caller only; the message is then this caller's to send."""
        return bool(await self._redis.set(keys.sent(self._prefix, kind, ref), b"1", nx=True,
                                          ex=int(KEEP.total_seconds())))

    async def was_sent(self, kind: str, ref: str) -> bool:
        return bool(await self._redis.exists(keys.sent(self._prefix, kind, ref)))
