"""The chat archive: every message between a buyer and the shop, with time and author.

Kept for disputes and shift handover, bounded by a retention (older entries are trimmed
as new ones arrive). One Redis stream per buyer; a per-day set of buyers answers "what
was said on day D" without scanning keys. Exports can mask phones, ID numbers and
addresses with the same functions the logs use.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.clock import Clock
from bot.customers import keys
from bot.runtime.log_masking import mask

log = logging.getLogger(__name__)


class Author(StrEnum):
    buyer = "buyer"
    bot = "bot"
    agent = "agent"


@dataclass(frozen=True)
class Archived:
    buyer: int
    at: datetime
    author: Author
    text: str
    kind: str = "text"

    def masked(self) -> Archived:
        return Archived(self.buyer, self.at, self.author, mask(self.text), self.kind)

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "at": self.at.isoformat(), "author": str(self.author)}


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class ChatArchive:
    def __init__(self, redis: Redis, prefix: str, clock: Clock, retention: timedelta, zone: ZoneInfo) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._retention = retention
        self._zone = zone

    async def record(self, buyer: int, author: Author, text: str, kind: str = "text") -> None:
        now = self._clock.now()
        oldest = _ms(now - self._retention)
        fields = {"author": str(author), "kind": kind, "text": text, "at": str(_ms(now))}
        key = keys.chat(self._prefix, buyer)
        try:  # entry ids carry the clock's time, so exports by time agree with the clock
            await self._redis.xadd(key, fields, id=f"{_ms(now)}-*", minid=oldest, approximate=True)
        except ResponseError:  # the clock is behind the stream's last entry: let Redis number it
            await self._redis.xadd(key, fields, minid=oldest, approximate=True)
        day_key = keys.chat_day(self._prefix, now.astimezone(self._zone).date().isoformat())
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(day_key, str(buyer))
            pipe.expire(day_key, int((self._retention + timedelta(days=1)).total_seconds()))
            await pipe.execute()

    async def of_buyer(self, buyer: int, since: datetime | None = None, until: datetime | None = None) -> list[Archived]:
        low = str(max(_ms(since), _ms(self._clock.now() - self._retention))) if since else str(
            _ms(self._clock.now() - self._retention))
        high = str(_ms(until)) if until else "+"
        rows = await self._redis.xrange(keys.chat(self._prefix, buyer), low, high)
        out = []
        for _, fields in rows:
            f = {k.decode(): v.decode() for k, v in fields.items()}
            out.append(Archived(buyer, datetime.fromtimestamp(int(f["at"]) / 1000, UTC), Author(f["author"]),
                                f["text"], f.get("kind", "text")))
        return out

    async def of_day(self, day: date) -> list[Archived]:
        """Every buyer's messages on one shop-time day, in time order."""
        start = datetime.combine(day, time(0), self._zone)
        end = start + timedelta(days=1) - timedelta(milliseconds=1)
        buyers = sorted(int(b) for b in await self._redis.smembers(keys.chat_day(self._prefix, day.isoformat())))
        messages = [m for b in buyers for m in await self.of_buyer(b, start, end)]
        return sorted(messages, key=lambda m: (m.at, m.buyer))


ARCHIVE_COLUMNS = ("buyer", "at", "author", "kind", "text")


def export(messages: Iterable[Archived], fmt: str, *, masked: bool) -> str:
    """The messages as JSON lines or CSV; `masked` hides phones, ID numbers and addresses."""
    rows = [m.masked() if masked else m for m in messages]
    if fmt == "jsonl":
        return "".join(json.dumps(m.as_json(), ensure_ascii=False) + "\n" for m in rows)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(ARCHIVE_COLUMNS)
        for m in rows:
            writer.writerow([m.buyer, m.at.isoformat(), str(m.author), m.kind, m.text])
        return buffer.getvalue()
    raise ValueError(f"unknown format {fmt!r}: jsonl or csv")
