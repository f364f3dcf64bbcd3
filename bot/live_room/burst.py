"""One answer for many askers when the live room asks the same thing at once.

During a flash sale dozens of buyers type "多少钱" within seconds. Replying to each
floods the room and hits Telegram's 20-messages-a-minute group limit, so identical
answers are gathered: the first asker waits `gather` seconds for others, then one message
mentions everyone. The same answer is not posted again within `repeat` seconds; askers
arriving meanwhile are gathered into the next post when that window ends.

State is per process (the live room is served by one process; see DESIGN.md's scale
path for the multi-worker setup). `close()` posts whatever is still gathered, so a
graceful shutdown loses no asker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoomAsker:
    user_id: int
    name: str
    message_id: int


@dataclass
class _Gathering:
    payload: Any
    askers: list[RoomAsker] = field(default_factory=list)


def mentioned(askers: list[RoomAsker], limit: int) -> tuple[list[RoomAsker], int]:
    """The askers a gathered answer names, and how many more asked.

    A storm of 2,000 comments gathered ~1,400 askers into two posts of 25,000 and 15,000
    characters: Telegram refused both, and it formats only about the first 100 entities of
    a message anyway. So a post names the first `limit` askers (in the order they asked)
    and counts the rest; everyone sees the answer in the room.
    """
    return askers[:limit], max(0, len(askers) - limit)


PostFunc = Callable[[int, Any, list[RoomAsker]], Awaitable[None]]
"""post(chat_id, payload, askers): render and queue one room message."""


class BurstGate:
    def __init__(self, clock: Clock, gather_seconds: float, repeat_seconds: float, post: PostFunc) -> None:
        self._clock = clock
        self._gather = gather_seconds
        self._repeat = repeat_seconds
        self._post = post
        self._gathering: dict[tuple[int, Hashable], _Gathering] = {}
        self._last_posted: dict[tuple[int, Hashable], float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def ask(self, chat_id: int, key: Hashable, asker: RoomAsker, payload: Any) -> None:
        """Register one asker of the answer identified by `key` (e.g. its rendered text)."""
        slot = (chat_id, key)
        gathering = self._gathering.get(slot)
        if gathering is not None:
            if all(a.user_id != asker.user_id for a in gathering.askers):
                gathering.askers.append(asker)
            return
        self._gathering[slot] = _Gathering(payload, [asker])
        now = self._clock.monotonic()
        last = self._last_posted.get(slot)
        delay = self._gather if last is None else max(self._gather, last + self._repeat - now)
        task = asyncio.create_task(self._flush_after(slot, delay), name=f"burst-{chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._forget_old(now)

    async def _flush_after(self, slot: tuple[int, Hashable], delay: float) -> None:
        await self._clock.sleep(delay)
        await self._flush(slot)

    async def _flush(self, slot: tuple[int, Hashable]) -> None:
        gathering = self._gathering.pop(slot, None)
        if gathering is None:
            return
        self._last_posted[slot] = self._clock.monotonic()
        try:
            await self._post(slot[0], gathering.payload, gathering.askers)
        except Exception:  # noqa: BLE001 - one failed post must not stop later ones
            log.exception("posting a gathered answer to chat %s for %d askers failed",
                          slot[0], len(gathering.askers))

    def _forget_old(self, now: float) -> None:
        if len(self._last_posted) < 1024:
            return
        horizon = now - self._repeat
        for slot in [s for s, t in self._last_posted.items() if t < horizon]:
            del self._last_posted[slot]

    @property
    def waiting(self) -> int:
        return sum(len(g.askers) for g in self._gathering.values())

    async def close(self) -> None:
        """Post everything still gathered now, then stop the timers."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for slot in list(self._gathering):
            await self._flush(slot)
