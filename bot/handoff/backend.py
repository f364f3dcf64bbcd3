"""What every handoff store shares: the Redis client, key prefix, clock, settings and the
Lua scripts, registered once per process.

The handoff state is one set of keys (`keys`, all under the `{hd}` tag but buyer
histories); the stores (`conversations`, `queue_store`, `agents`, `messages`, `relay_store`)
each own one concern of it and reach Redis through one `HandoffBackend`, so a change that
touches several keys still runs as one script (see `scripts`), whichever store asks for
it. All state is in Redis: new stores on the same server (a restarted bot) carry on where
the last ones stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from bot.clock import Clock
from bot.handoff import keys
from bot.handoff.codec import conversation_from
from bot.handoff.codec import text as as_str
from bot.handoff.model import Conversation
from bot.handoff.policy import to_ms
from bot.handoff.scripts import ALL, source
from bot.handoff.settings import HandoffSettings


class ConversationNotFound(LookupError):
    """Writing to a conversation that does not exist (never opened, or expired after close)."""


def pairs(flat: Sequence[Any]) -> dict[str, str]:
    """A flat HGETALL reply from a script ([k1, v1, k2, v2…]) as a dict."""
    return {as_str(flat[i]): as_str(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}


def conversation_reply(flat: Sequence[Any]) -> Conversation | None:
    """A conversation a script returned as its flat hash."""
    return conversation_from(pairs(flat))


def opt_int(value: Any) -> int | None:
    """A reply that may be nil or empty, as an int or None."""
    if value is None:
        return None
    s = as_str(value)
    return int(s) if s else None


class HandoffBackend:
    """One per process; construct with the app's Redis, key prefix and clock."""

    def __init__(self, redis: Redis, prefix: str, clock: Clock,
                 settings: HandoffSettings | None = None) -> None:
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        self.settings = settings or HandoffSettings()
        self._scripts = {name: redis.register_script(source(name, self.settings)) for name in ALL}

    def ms(self, at: datetime | None) -> int:
        """`at`, or now by the clock, in epoch milliseconds as the scripts store times."""
        return to_ms(at or self.clock.now())

    async def run(self, name: str, *args: object) -> Any:
        """Run script `name`; every script gets the `seq` key and derives the others from it."""
        return await self._scripts[name](keys=[keys.seq(self.prefix)],
                                         args=["" if a is None else str(a) for a in args])

    async def conversation(self, conversation_id: int) -> Conversation | None:
        return conversation_from(await self.redis.hgetall(keys.conversation(self.prefix, conversation_id)))

    async def conversations(self, ids: Sequence[bytes | str | int]) -> list[Conversation]:
        """The conversations of `ids` that still exist, in that order, in one round trip."""
        if not ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for cid in ids:
            pipe.hgetall(keys.conversation(self.prefix, int(as_str(cid) if not isinstance(cid, int) else cid)))
        out = []
        for raw in await pipe.execute():
            conv = conversation_from(raw)
            if conv is not None:
                out.append(conv)
        return out
