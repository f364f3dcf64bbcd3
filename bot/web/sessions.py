"""Signed-in sessions in Redis, with expiry, each carrying its CSRF token.

The cookie holds only a random token; the person's id and role live in Redis, so signing
out (or expiry) ends the session everywhere. The role is looked up again from the live
people.yaml on every request, so taking a role away takes effect at once.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.web import keys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Session:
    token: str
    user_id: int
    csrf: str

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf, presented or "")


class SessionStore:
    def __init__(self, redis: Redis, prefix: str, ttl_s: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_s = ttl_s

    async def create(self, user_id: int) -> Session:
        session = Session(secrets.token_urlsafe(32), user_id, secrets.token_urlsafe(24))
        key = keys.session(self._prefix, session.token)
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(key, mapping={"user": user_id, "csrf": session.csrf})
        pipe.expire(key, self._ttl_s)
        await pipe.execute()
        log.info("web: staff %s signed in", user_id)
        return session

    async def get(self, token: str | None) -> Session | None:
        if not token or len(token) > 100:
            return None
        fields = await self._redis.hgetall(keys.session(self._prefix, token))
        if not fields:
            return None
        decoded = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                   for k, v in fields.items()}
        return Session(token, int(decoded["user"]), decoded["csrf"])

    async def delete(self, token: str) -> None:
        await self._redis.delete(keys.session(self._prefix, token))
