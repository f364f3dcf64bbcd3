"""When a message may go to Telegram: lanes (who goes first) and pacers (how fast).

Telegram allows a bot about 30 messages a second overall, 20 a minute per group and one
a second per private chat, and answers 429 with `retry_after` when pushed. A pacer is
asked before every call and told about every 429. `LocalPacer` paces one process only
(unit tests, a single process without Redis); `bot.runtime.send_pacing.RedisPacer`
shares the limits and the 429 back-offs between every process of the bot.

Lanes order what waits: a buyer's answer first, what agents need to act next (relays,
creating a topic, edits), cards, pings and reports last. Unless an `Outgoing` names its
lane, `lane_of` derives it from the purpose (see LOW_PURPOSES / RELAY_PREFIXES).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from aiolimiter import AsyncLimiter


class Lane(IntEnum):
    BUYER = 0
    """Answers to buyers, in private or in the live room."""
    RELAY = 1
    """Relays between buyer and agent, topic creation, edits: someone is waiting on them."""
    LOW = 2
    """Context cards, agent pings, reports: useful, never urgent."""


RELAY_PREFIXES = ("relay", "edit by", "create topic")
LOW_PURPOSES = frozenset({"agents", "weekly report", "buttons gone"})


def lane_of(purpose: str) -> Lane:
    """The default lane of a send with this purpose."""
    if purpose.startswith(RELAY_PREFIXES):
        return Lane.RELAY
    if purpose in LOW_PURPOSES:
        return Lane.LOW
    return Lane.BUYER


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0
    group_per_minute: int = 20
    private_per_second: float = 1.0
    max_attempts: int = 5


class Pacer(Protocol):
    async def acquire(self, chat_id: int, lane: Lane) -> None:
        """Return when one message to `chat_id` may go now (it is counted)."""

    async def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for `chat_id`: nothing goes there for `seconds`."""


class LocalPacer:
    """This process's own limiters; lanes are only ordered within a chat's queue."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._global = AsyncLimiter(limits.per_second, 1.0)
        self._chats: dict[int, AsyncLimiter] = {}
        self._holds: dict[int, float] = {}

    def _limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if chat_id < 0:
                limiter = AsyncLimiter(self._limits.group_per_minute, 60.0)
            else:
                limiter = AsyncLimiter(1, 1.0 / self._limits.private_per_second)
            self._chats[chat_id] = limiter
        return limiter

    async def acquire(self, chat_id: int, lane: Lane) -> None:
        loop = asyncio.get_running_loop()
        until = self._holds.get(chat_id, 0.0)
        if until > loop.time():
            await asyncio.sleep(until - loop.time())
        self._holds.pop(chat_id, None)
        await self._limiter(chat_id).acquire()
        await self._global.acquire()

    async def hold(self, chat_id: int, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._holds[chat_id] = max(self._holds.get(chat_id, 0.0), loop.time() + seconds)
