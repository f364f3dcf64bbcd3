"""The registration store: every after-sales case, with an id the buyer can quote.

Agents, the buyer's "我的售后" and a dispute all read the same record. Registration is
one Lua script (register.lua) so a case is never half-written.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib.resources import files

from redis.asyncio import Redis

from bot.aftersales import keys
from bot.clock import Clock
from bot.money import Fen

log = logging.getLogger(__name__)


class CaseState(StrEnum):
    accepted = "accepted"
    """Return or exchange agreed: the buyer sends the goods back (or, for fresh claims, nothing)."""
    kept = "kept"
    """The buyer took the retention offer and keeps the item."""
    declined = "declined"
    disputed = "disputed"
    """The buyer disagreed; a person handles it now."""


@dataclass(frozen=True)
class CaseDraft:
    """What registration records (the decision's outcome and why, as their codes)."""

    buyer: int
    order: str
    shop: str
    sku: str
    size: str
    qty: int
    kind: str
    reason: str
    outcome: str
    why: str
    state: CaseState
    refund_fen: Fen | None = None
    exchange_to: str | None = None
    photos: tuple[str, ...] = ()
    coupon: str | None = None
    offer: str | None = None


_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Case(CaseDraft):
    id: str = ""
    created_at: datetime = _NEVER
    updated_at: datetime = _NEVER


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _encode(draft: CaseDraft, at: datetime) -> list[str]:
    values = asdict(draft)
    values["photos"] = json.dumps(list(draft.photos))
    values["state"] = str(draft.state)
    values["created_ms"] = values["updated_ms"] = _ms(at)
    out: list[str] = []
    for name, value in values.items():
        if value is not None:
            out += [name, str(value)]
    return out


def _decode(raw: dict[bytes, bytes]) -> Case:
    v = {k.decode(): b.decode() for k, b in raw.items()}

    def opt(name: str) -> str | None:
        return v.get(name)

    return Case(
        buyer=int(v["buyer"]), order=v["order"], shop=v["shop"], sku=v["sku"], size=v["size"],
        qty=int(v["qty"]), kind=v["kind"], reason=v["reason"], outcome=v["outcome"], why=v["why"],
        state=CaseState(v["state"]), refund_fen=int(v["refund_fen"]) if "refund_fen" in v else None,
        exchange_to=opt("exchange_to"), photos=tuple(json.loads(v.get("photos", "[]"))),
        coupon=opt("coupon"), offer=opt("offer"), id=v["id"],
        created_at=datetime.fromtimestamp(int(v["created_ms"]) / 1000, UTC),
        updated_at=datetime.fromtimestamp(int(v["updated_ms"]) / 1000, UTC),
    )


class CaseStore:
    def __init__(self, redis: Redis, prefix: str, clock: Clock) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._register = redis.register_script(files("bot.aftersales").joinpath("register.lua").read_text("utf-8"))

    async def register(self, draft: CaseDraft) -> Case:
        now = self._clock.now()
        p = self._prefix
        case_id = await self._register(
            keys=[keys.seq(p), keys.buyer(p, draft.buyer), keys.every(p)],
            args=[keys.case_base(p), _ms(now), *_encode(draft, now)])
        case_id = case_id.decode() if isinstance(case_id, bytes) else str(case_id)
        log.info("after-sales case %s registered: order %s, %s %s x%d, %s -> %s",
                 case_id, draft.order, draft.kind, draft.sku, draft.qty, draft.reason, draft.state)
        case = await self.get(case_id)
        assert case is not None
        return case

    async def get(self, case_id: str) -> Case | None:
        raw = await self._redis.hgetall(keys.case(self._prefix, case_id))
        return _decode(raw) if raw else None

    async def set_state(self, case_id: str, state: CaseState) -> Case | None:
        key = keys.case(self._prefix, case_id)
        if not await self._redis.exists(key):
            return None
        await self._redis.hset(key, mapping={"state": str(state), "updated_ms": _ms(self._clock.now())})
        log.info("after-sales case %s is now %s", case_id, state)
        return await self.get(case_id)

    async def of_buyer(self, buyer_id: int) -> list[Case]:
        ids = await self._redis.zrange(keys.buyer(self._prefix, buyer_id), 0, -1)
        return await self._many(ids)

    async def every(self, since: datetime | None = None) -> list[Case]:
        low = _ms(since) if since else "-inf"
        ids = await self._redis.zrangebyscore(keys.every(self._prefix), low, "+inf")
        return await self._many(ids)

    async def _many(self, ids: list[bytes]) -> list[Case]:
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for case_id in ids:
                pipe.hgetall(keys.case(self._prefix, case_id.decode()))
            rows = await pipe.execute()
        return [_decode(row) for row in rows if row]
