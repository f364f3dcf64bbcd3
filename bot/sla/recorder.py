"""The SLA store's write side: one Lua call per message event, keys hash-tagged by shop.

The handoff code reports what happened (handoff, buyer message, agent reply, rating,
close); this module only adds the shop-local facts Lua cannot know (which local day and
ISO week the instant falls in, whether it is inside the assessment window) and ships the
event. All state lives in Redis, so a restarted process continues a round where the last
one left it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis, RedisCluster

from bot.clock import Clock
from bot.sla import keys
from bot.sla.events import (
    AgentReply,
    BotAnswer,
    BotUnanswered,
    BuyerMessage,
    Close,
    Handoff,
    Rating,
    RatingValue,
    SlaEvent,
)
from bot.sla.periods import day_key, in_window, local_day, to_ms, week_key
from bot.sla.scripts import RECORD, source
from bot.sla.settings import SlaSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """What the script noticed: e.g. `repeated` (3rd identical reply), `hold_late`,
    `non_service`, `unanswered_round`, `not_human` (buyer message outside a human session)."""

    notes: tuple[str, ...]


def reply_fingerprint(text: str) -> str:
    """A short stable digest of an agent text, whitespace-insensitive; '' for no text.

    Stored per conversation instead of the text itself, so memory does not grow with long
    replies and no message content sits in the metrics store.
    """
    normalised = " ".join(text.split())
    if not normalised:
        return ""
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).hexdigest()


def _decode(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class SlaRecorder:
    """Records SLA events; construct one per process with the app's Redis, settings and clock."""

    def __init__(self, redis: Redis, settings: SlaSettings, clock: Clock, prefix: str) -> None:
        self._redis = redis
        self._settings = settings
        self._clock = clock
        self._prefix = prefix
        self._zone = settings.zone
        self._script = redis.register_script(source(RECORD, settings))
        self._registered: set[str] = set()

    # -- the API the handoff code calls -------------------------------------------------

    async def handoff(self, shop: str, conversation_id: str, buyer_id: str | int,
                      at: datetime | None = None) -> Recorded:
        return await self.record(Handoff(shop, str(conversation_id), str(buyer_id), at))

    async def buyer_message(self, shop: str, conversation_id: str, buyer_id: str | int,
                            at: datetime | None = None) -> Recorded:
        return await self.record(BuyerMessage(shop, str(conversation_id), str(buyer_id), at))

    async def agent_reply(self, shop: str, conversation_id: str, agent_id: str | int,
                          buyer_id: str | int, text: str = "", at: datetime | None = None) -> Recorded:
        return await self.record(AgentReply(shop, str(conversation_id), str(agent_id),
                                            str(buyer_id), text, at))

    async def rating(self, shop: str, conversation_id: str, agent_id: str | int | None,
                     rating: RatingValue | str, at: datetime | None = None) -> Recorded:
        agent = None if agent_id is None else str(agent_id)
        return await self.record(Rating(shop, str(conversation_id), agent, RatingValue(rating), at))

    async def close(self, shop: str, conversation_id: str, agent_id: str | int | None = None,
                    at: datetime | None = None) -> Recorded:
        agent = None if agent_id is None else str(agent_id)
        return await self.record(Close(shop, str(conversation_id), agent, at))

    async def bot_answer(self, shop: str, latency_s: float, at: datetime | None = None) -> Recorded:
        return await self.record(BotAnswer(shop, latency_s, at))

    async def bot_unanswered(self, shop: str, at: datetime | None = None) -> Recorded:
        return await self.record(BotUnanswered(shop, at))

    async def move(self, from_shop: str, to_shop: str, conversation_id: str) -> bool:
        """A conversation transferred to another shop takes its SLA state with it: its open
        round, pending 稍等 and not-yet-served mark now belong to the new shop, so the old one
        neither pings its topic nor counts a phantom unanswered round.

        Two shops are two Cluster slots, so this is two transactions: the state is written
        under the new shop first, then removed from the old (a crash in between leaves a
        copy behind, never a lost round). False when there was nothing to move."""
        if from_shop == to_shop:
            return False
        conv = str(conversation_id)
        old = {"state": keys.conversation(self._prefix, from_shop, conv),
               "open": keys.open_rounds(self._prefix, from_shop),
               "hold": keys.pending_holds(self._prefix, from_shop),
               "unserved": keys.unserved(self._prefix, from_shop)}
        new = {"state": keys.conversation(self._prefix, to_shop, conv),
               "open": keys.open_rounds(self._prefix, to_shop),
               "hold": keys.pending_holds(self._prefix, to_shop),
               "unserved": keys.unserved(self._prefix, to_shop)}
        pipe = self._redis.pipeline(transaction=True)
        pipe.hgetall(old["state"])
        for name in ("open", "hold", "unserved"):
            pipe.zscore(old[name], conv)
        state, *scores = await pipe.execute()
        if {_decode(k): _decode(v) for k, v in state.items()}.get("h") != "1":
            return False  # no human session there (never handed off, or closed)
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(new["state"])
        pipe.hset(new["state"], mapping=state)
        pipe.expire(new["state"], self._settings.state_ttl_s)
        for name, score in zip(("open", "hold", "unserved"), scores):
            if score is not None:
                pipe.zadd(new[name], {conv: score})
        await pipe.execute()
        await self._redis.sadd(keys.shops_registry(self._prefix), to_shop)  # no hash tag: its own call
        self._registered.add(to_shop)
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(old["state"])
        for name in ("open", "hold", "unserved"):
            pipe.zrem(old[name], conv)
        await pipe.execute()
        log.info("sla state of conversation %s moved from %s to %s", conv, from_shop, to_shop)
        return True

    # -- generic ------------------------------------------------------------------------

    async def record(self, event: SlaEvent) -> Recorded:
        """One event, one round trip (two commands pipelined the first time a shop is seen)."""
        call_keys, args = self._call(event)
        if event.shop in self._registered:
            raw = await self._script(call_keys, args)
        elif isinstance(self._redis, RedisCluster):
            # redis-py refuses scripts inside a cluster pipeline: two round trips, once per shop.
            await self._redis.sadd(keys.shops_registry(self._prefix), event.shop)
            raw = await self._script(call_keys, args)
            self._registered.add(event.shop)
        else:
            pipe = self._redis.pipeline(transaction=False)
            pipe.sadd(keys.shops_registry(self._prefix), event.shop)
            await self._script(call_keys, args, client=pipe)
            raw = (await pipe.execute())[-1]
            self._registered.add(event.shop)
        notes = tuple(_decode(n) for n in raw)
        if notes:
            log.debug("sla %s shop=%s notes=%s", type(event).__name__, event.shop, notes)
        return Recorded(notes)

    async def record_batch(self, events: Iterable[SlaEvent]) -> list[Recorded]:
        """Many events in one pipeline, in order (replays, benchmarks)."""
        pipe = self._redis.pipeline(transaction=False)
        new_shops: set[str] = set()
        count = 0
        for event in events:
            call_keys, args = self._call(event)
            if event.shop not in self._registered:
                new_shops.add(event.shop)
            await self._script(call_keys, args, client=pipe)
            count += 1
        if new_shops:
            pipe.sadd(keys.shops_registry(self._prefix), *sorted(new_shops))
        results = await pipe.execute()
        self._registered |= new_shops
        return [Recorded(tuple(_decode(n) for n in raw)) for raw in results[:count]]

    def _call(self, event: SlaEvent) -> tuple[list[str], list[str]]:
        """Keys and arguments of the record script for one event (pure, no I/O)."""
        at = event.at or self._clock.now()
        day = local_day(at, self._zone)
        inwin = "1" if in_window(at, self._zone, self._settings.window) else "0"
        conv = buyer = agent = text_hash = extra = ""
        hold = "0"
        match event:
            case Handoff():
                kind, conv, buyer = "handoff", event.conversation_id, event.buyer_id
            case BuyerMessage():
                kind, conv, buyer = "buyer", event.conversation_id, event.buyer_id
            case AgentReply():
                kind, conv, buyer = "reply", event.conversation_id, event.buyer_id
                agent = keys.check_id("agent", event.agent_id)
                text_hash = reply_fingerprint(event.text)
                hold = "1" if self._settings.is_hold(event.text) else "0"
            case Rating():
                kind, conv, extra = "rating", event.conversation_id, _RATING_FIELD[event.rating]
                agent = "" if event.agent_id is None else keys.check_id("agent", event.agent_id)
            case Close():
                kind, conv = "close", event.conversation_id
                agent = "" if event.agent_id is None else keys.check_id("agent", event.agent_id)
            case BotAnswer():
                kind, extra = "bot_answer", str(max(0, round(event.latency_s * 1000)))
            case BotUnanswered():
                kind = "bot_unanswered"
        if kind.startswith("bot_"):
            call_keys = [keys.day_counters(self._prefix, event.shop, day)]
        else:
            if not conv:
                raise ValueError("an SLA conversation event needs a conversation id")
            call_keys = [keys.conversation(self._prefix, event.shop, conv),
                         keys.open_rounds(self._prefix, event.shop),
                         keys.pending_holds(self._prefix, event.shop)]
        local = at.astimezone(self._zone)
        offset = local.utcoffset()
        args = [kind, str(to_ms(at)), day_key(day), week_key(day), inwin, conv, buyer, agent,
                text_hash, hold, extra, f"{local.hour:02d}",
                str(round(offset.total_seconds() * 1000)) if offset is not None else "0"]
        return call_keys, args


_RATING_FIELD = {RatingValue.satisfied: "rat_sat", RatingValue.neutral: "rat_neu",
                 RatingValue.dissatisfied: "rat_dis"}


def shops_from(values: Sequence[bytes | str]) -> list[str]:
    """Decode a registry SMEMBERS answer into sorted shop ids."""
    return sorted(_decode(v) for v in values)
