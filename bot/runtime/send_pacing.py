"""Telegram's send limits and 429 back-offs shared by every process, kept in Redis.

Each bucket is a GCRA ("theoretical arrival time") in Redis, charged by one Lua script
that also checks the chat's 429 hold, so a worker and the ingest process (or two
workers) together never send faster than Telegram allows, and a 429 one of them got
for a chat makes all of them wait it out. Lower lanes get a smaller share of each
bucket's burst: a wave of cards in the agents' group stops short of the overall limit
and leaves room for buyers' answers and relays.

If Redis fails, the process falls back to its own limiters (logged) rather than
stop sending: Telegram's own 429s still bound the damage.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.runtime.keys import RuntimeKeys
from bot.runtime.scripts import source
from bot.telegram.pacing import Lane, Limits, LocalPacer

log = logging.getLogger(__name__)

LANE_SHARE = {Lane.BUYER: 1.0, Lane.RELAY: 2 / 3, Lane.LOW: 1 / 3}
"""The part of a bucket's burst allowance each lane may use."""

MAX_WAIT_STEP_SECONDS = 5.0
"""Re-ask at least this often: a hold may be lifted or buckets drained by then."""


def _us(seconds: float) -> int:
    return max(1, int(seconds * 1_000_000))


class RedisPacer:
    def __init__(self, redis: Redis, keys: RuntimeKeys, limits: Limits) -> None:
        self._redis = redis
        self._keys = keys
        self._script = redis.register_script(source("send_pace"))
        self._fallback = LocalPacer(limits)
        self._global = (_us(1.0 / limits.per_second), max(1, int(limits.per_second)))
        self._group = (_us(60.0 / limits.group_per_minute), limits.group_per_minute)
        self._private = (_us(1.0 / limits.private_per_second), 1)

    def _args(self, chat_id: int, lane: Lane) -> list[int]:
        share = LANE_SHARE[lane]
        g_interval, g_burst = self._global
        c_interval, c_burst = self._group if chat_id < 0 else self._private
        return [g_interval, int((g_burst - 1) * g_interval * share),
                c_interval, int((c_burst - 1) * c_interval * share)]

    async def acquire(self, chat_id: int, lane: Lane) -> None:
        keys = [self._keys.send_rate(), self._keys.send_chat(chat_id), self._keys.send_hold(chat_id)]
        args = self._args(chat_id, lane)
        while True:
            try:
                wait_ms = int(await self._script(keys=keys, args=args))
            except RedisError as exc:
                log.warning("shared send limits unavailable (%s); pacing chat %s locally", exc, chat_id)
                await self._fallback.acquire(chat_id, lane)
                return
            if wait_ms <= 0:
                return
            await asyncio.sleep(min(wait_ms / 1000, MAX_WAIT_STEP_SECONDS))

    async def hold(self, chat_id: int, seconds: float) -> None:
        await self._fallback.hold(chat_id, seconds)
        try:
            await self._redis.set(self._keys.send_hold(chat_id), b"429", px=max(1, int(seconds * 1000)))
        except RedisError as exc:
            log.warning("could not share the 429 back-off of chat %s (%s)", chat_id, exc)
