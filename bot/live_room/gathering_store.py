"""The live room's gatherings of identical answers, kept in Redis and shared by every process.

Each step is one Lua script (`lua/gather_*.lua`, keys in `gathering_keys`), so two
workers asked the same thing join one gathering, and a due gathering is taken by exactly
one of them. Times are milliseconds on the bot's clock (`Clock.now()`), passed in: the
processes of one deployment share wall time (NTP), and tests drive it with a ManualClock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files

from redis.asyncio import Redis

from bot.live_room.gathering_keys import GatheringKeys, answer_digest
from bot.live_room.room_asker import RoomAsker

TRACK_LIMIT = 5000
"""User ids kept per gathering to count each buyer once; past that every ask counts."""
STALE_SECONDS = 600
"""A gathering nobody posted this long after it was due is dropped (every process was down)."""
TAKE_BATCH = 50

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(when: datetime) -> int:
    """Integer milliseconds, computed without float rounding (a due time must not slip by 1 ms)."""
    return (when - _EPOCH) // timedelta(milliseconds=1)


@cache
def _source(name: str) -> str:
    return files("bot.live_room").joinpath("lua", f"{name}.lua").read_text("utf-8")


@dataclass(frozen=True)
class Asked:
    """What one ask did: `created` a new gathering (due at `due_ms`) or joined one."""

    gathering_id: str
    created: bool
    due_ms: int
    count: int


@dataclass(frozen=True)
class Taken:
    """A gathering taken for posting by this process."""

    room_id: int
    gathering_id: str
    locale: str
    answer: str
    count: int
    """Distinct askers (named ones included)."""
    named: list[RoomAsker]
    """The first askers, in the order they asked (at most `burst_max_mentions`)."""
    times_taken: int
    """1 normally; more when an earlier poster died before Telegram had the message."""

    @property
    def more(self) -> int:
        """Askers the post counts without naming them."""
        return max(0, self.count - len(self.named))

    @property
    def effect_key(self) -> str:
        """The same for every poster of this gathering, so a re-post after a poster died shows once."""
        return f"room-answer:{self.gathering_id}"


def _asker_json(asker: RoomAsker) -> str:
    return json.dumps({"u": asker.user_id, "n": asker.name, "m": asker.message_id}, ensure_ascii=False)


def _asker(raw: bytes | str) -> RoomAsker:
    data = json.loads(raw)
    return RoomAsker(int(data["u"]), str(data["n"]), int(data["m"]))


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class GatheringStore:
    def __init__(self, redis: Redis, prefix: str, *, track_limit: int = TRACK_LIMIT,
                 stale_seconds: float = STALE_SECONDS) -> None:
        self._redis = redis
        self.keys = GatheringKeys(prefix)
        self._track_limit = track_limit
        self._stale_ms = int(stale_seconds * 1000)
        self._ask = redis.register_script(_source("gather_ask"))
        self._take = redis.register_script(_source("gather_take"))
        self._done = redis.register_script(_source("gather_done"))
        self._waiting = redis.register_script(_source("gather_waiting"))

    async def ask(self, room_id: int, locale: str, answer: str, asker: RoomAsker, *, now_ms: int,
                  gather_ms: int, repeat_ms: int, max_named: int) -> Asked:
        """Add `asker` to the open gathering of this answer in the room (opening one if none)."""
        raw = await self._ask(keys=[self.keys.due(room_id)], args=[
            answer_digest(locale, answer), now_ms, gather_ms, repeat_ms, asker.user_id, _asker_json(asker),
            locale, answer, max_named, self._track_limit, self._stale_ms])
        created, due, count, _, gathering_id = raw
        return Asked(_text(gathering_id), bool(created), int(due), int(count))

    async def take(self, room_id: int, *, now_ms: int, lease_ms: int, repeat_ms: int,
                   bring_forward: Sequence[str] = ()) -> list[Taken]:
        """Take the room's due gatherings (and `bring_forward`, if still open) for posting."""
        taken: list[Taken] = []
        forward = list(bring_forward)
        while True:
            raw = await self._take(keys=[self.keys.due(room_id)],
                                   args=[now_ms, lease_ms, TAKE_BATCH, repeat_ms, self._stale_ms, *forward])
            forward = []
            for gathering_id, locale, answer, count, times, *named in raw:
                taken.append(Taken(room_id, _text(gathering_id), _text(locale), _text(answer), int(count),
                                   [_asker(a) for a in named], int(times)))
            if len(raw) < TAKE_BATCH:
                return taken

    async def done(self, room_id: int, gathering_id: str) -> None:
        """The post is with Telegram (or refused for good): the gathering is over."""
        await self._done(keys=[self.keys.due(room_id)], args=[gathering_id])

    async def extend(self, room_id: int, gathering_id: str, until_ms: int) -> None:
        """Keep the posting lease while the post still waits in this process's outbox."""
        await self._redis.zadd(self.keys.due(room_id), {gathering_id: until_ms}, xx=True)

    async def register_room(self, room_id: int) -> None:
        """List the room for every process's flush loop (before its first gathering)."""
        await self._redis.sadd(self.keys.rooms(), room_id)

    async def rooms(self) -> list[int]:
        """Every room that ever gathered an answer (a flush loop looks at each)."""
        return sorted(int(_text(r)) for r in await self._redis.smembers(self.keys.rooms()))

    async def waiting(self, rooms: Iterable[int]) -> int:
        """Askers in open gatherings of `rooms`, across all processes."""
        total = 0
        for room_id in rooms:
            total += int(await self._waiting(keys=[self.keys.due(room_id)]))
        return total
