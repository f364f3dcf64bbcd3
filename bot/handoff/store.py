"""The durable handoff store: queue, claims, presence, topics, message log and relays.

Every change that touches more than one key runs as one Lua script (see `scripts`), so a
process killed at any instant leaves either the old state or the new one; all state is in
Redis, so a new `HandoffStore` on the same server (a restarted bot) carries on where the
last one stopped. Decisions (priority order, next agent, when to tell a buyer again) are
in `policy`; this module only reads what they need and applies what they decide.

Relays (copies of messages to the other side) are an outbox with leases: a worker claims
due relays, sends them, and marks each delivered; a claim not settled within the lease
becomes due again, and `release_claims()` at start-up makes a dead process's claims due at
once. Delivery is at-least-once; `mark_delivered` is idempotent and a delivered relay
never comes back, and `delivered_copy` lets the sender check before sending again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from bot.clock import Clock
from bot.handoff import keys, policy
from bot.handoff.codec import (
    conversation_from,
    history_from,
    history_json,
    message_from,
    message_json,
    payload_json,
    relay_from,
)
from bot.handoff.codec import text as as_str
from bot.handoff.model import (
    CloseKind,
    Conversation,
    Direction,
    HistoryEntry,
    LoggedMessage,
    MessageKind,
    Presence,
    Priority,
    Relay,
    Role,
    Status,
    TakeOutcome,
    TakeResult,
    TransferOutcome,
    TransferResult,
)
from bot.handoff.policy import to_ms
from bot.handoff.scripts import (
    ALL,
    ASSIGN,
    LOG,
    MARK,
    OPEN,
    RELAY,
    RELEASE,
    SET_TOPIC,
    TAKE,
    TRANSFER,
    source,
)
from bot.handoff.settings import HandoffSettings

log = logging.getLogger(__name__)

ANY_HOLDER = "*"
"""`release(holder=ANY_HOLDER)`: close it whoever holds it."""
ASSIGN_ATTEMPTS = 50  # each failed compare-and-set means another writer made progress


class ConversationNotFound(LookupError):
    """Writing to a conversation that does not exist (never opened, or expired after close)."""


def _pairs(flat: Sequence[Any]) -> dict[str, str]:
    """A flat HGETALL reply from a script ([k1, v1, k2, v2…]) as a dict."""
    return {as_str(flat[i]): as_str(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}


def _conversation(flat: Sequence[Any]) -> Conversation | None:
    return conversation_from(_pairs(flat))


def _opt_int(value: Any) -> int | None:
    if value is None:
        return None
    s = as_str(value)
    return int(s) if s else None


class HandoffStore:
    """One per process; construct with the app's Redis, key prefix and clock."""

    def __init__(self, redis: Redis, prefix: str, clock: Clock,
                 settings: HandoffSettings | None = None) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self.settings = settings or HandoffSettings()
        self._scripts = {name: redis.register_script(source(name, self.settings)) for name in ALL}

    # -- helpers --------------------------------------------------------------------------

    def _ms(self, at: datetime | None) -> int:
        return to_ms(at or self._clock.now())

    async def _run(self, name: str, *args: object) -> Any:
        return await self._scripts[name](keys=[keys.seq(self._prefix)],
                                         args=["" if a is None else str(a) for a in args])

    async def _many(self, ids: Sequence[bytes | str | int]) -> list[Conversation]:
        if not ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for cid in ids:
            pipe.hgetall(keys.conversation(self._prefix, int(as_str(cid) if not isinstance(cid, int) else cid)))
        out = []
        for raw in await pipe.execute():
            conv = conversation_from(raw)
            if conv is not None:
                out.append(conv)
        return out

    # -- conversations ----------------------------------------------------------------------

    async def open(self, buyer_id: int, buyer_name: str, language_code: str, shop: str,
                   reason: str, priority: Priority, stage_sku: str | None = None,
                   at: datetime | None = None) -> tuple[Conversation, bool]:
        """Queue a handoff for the buyer, or return their open one (created=False).

        An open conversation asked for again keeps its place and id; it moves up if the
        new request has a higher priority (a complaint after a plain request), and the new
        reason is appended ("; ") unless already there.
        """
        keys.check_shop(shop)
        if "; " in reason:
            raise ValueError("a handoff reason cannot contain '; ' (the reasons separator)")
        created, flat = await self._run(OPEN, int(buyer_id), buyer_name, language_code, shop,
                                        reason, int(Priority(priority)), self._ms(at),
                                        stage_sku or "")
        conv = _conversation(flat)
        assert conv is not None
        if created:
            log.info("handoff opened conversation=%s buyer=%s shop=%s priority=%s reason=%s",
                     conv.id, buyer_id, shop, conv.priority.name, reason)
        return conv, bool(created)

    async def get(self, conversation_id: int) -> Conversation | None:
        return conversation_from(await self._redis.hgetall(
            keys.conversation(self._prefix, conversation_id)))

    async def open_for_buyer(self, buyer_id: int) -> Conversation | None:
        """The buyer's queued or held conversation; None when they have none open."""
        cid = await self._redis.get(keys.buyer(self._prefix, buyer_id))
        if cid is None:
            return None
        conv = await self.get(int(as_str(cid)))
        return conv if conv is not None and conv.is_open else None

    async def for_topic(self, topic_id: int) -> Conversation | None:
        """The conversation of a forum topic, closed ones included (until they expire)."""
        cid = await self._redis.get(keys.topic(self._prefix, topic_id))
        return None if cid is None else await self.get(int(as_str(cid)))

    async def set_topic(self, conversation_id: int, topic_id: int) -> Conversation | None:
        """Map topic <-> conversation; the conversation's previous topic no longer maps."""
        outcome, flat = await self._run(SET_TOPIC, int(conversation_id), int(topic_id))
        return None if as_str(outcome) == "not_found" else _conversation(flat)

    # -- the queue --------------------------------------------------------------------------

    async def position(self, conversation_id: int) -> int | None:
        """1-based place in its shop's queue; None unless queued."""
        conv = await self.get(conversation_id)
        if conv is None or conv.status is not Status.queued:
            return None
        rank = await self._redis.zrank(keys.queue(self._prefix, conv.shop), str(conv.id))
        return None if rank is None else int(rank) + 1

    async def queue(self, shop: str) -> list[Conversation]:
        """The shop's queued conversations in serving order."""
        ids = await self._redis.zrange(keys.queue(self._prefix, shop), 0, -1)
        return await self._many(ids)

    async def queued_shops(self) -> list[str]:
        return sorted(as_str(s) for s in await self._redis.smembers(keys.queued_shops(self._prefix)))

    async def waiting_longer_than(self, seconds: float, at: datetime | None = None) -> list[Conversation]:
        """Queued conversations whose queued_at is at least `seconds` ago, longest first."""
        cutoff = self._ms(at) - round(seconds * 1000)
        ids = await self._redis.zrangebyscore(keys.waiting(self._prefix), "-inf", cutoff)
        return await self._many(ids)

    async def mark_told_no_agent(self, conversation_id: int) -> bool:
        """True only for the first call per conversation: tell the buyer exactly once."""
        done = await self._run(MARK, int(conversation_id), "once", "told_no_agent", "1")
        return int(done) == 1

    async def set_cancel_message(self, conversation_id: int, message_id: int) -> None:
        """The buyer's message carrying the 取消排队 button, to take it off once served."""
        await self._run(MARK, int(conversation_id), "set", "cancel_message", int(message_id))

    async def take_cancel_message(self, conversation_id: int) -> int | None:
        """The message with the cancel button, once: the caller takes the button off."""
        pipe = self._redis.pipeline(transaction=True)
        key = keys.conversation(self._prefix, conversation_id)
        pipe.hget(key, "cancel_message")
        pipe.hdel(key, "cancel_message")
        raw, _ = await pipe.execute()
        return _opt_int(raw)

    async def mark_rated(self, conversation_id: int) -> bool:
        """True only for the first rating of a conversation: a second press changes nothing."""
        done = await self._run(MARK, int(conversation_id), "once", "rated", "1")
        return int(done) == 1

    async def set_told_position(self, conversation_id: int, position: int,
                                eta_minutes: int | None) -> None:
        """What the buyer was last told; read back as Conversation.told_position/_eta_minutes."""
        await self._run(MARK, int(conversation_id), "set", "told_position", int(position),
                        "told_eta", "" if eta_minutes is None else int(eta_minutes))

    # -- agents -----------------------------------------------------------------------------

    async def take(self, conversation_id: int, agent_id: int,
                   at: datetime | None = None) -> TakeResult:
        """Atomically claim a queued conversation; holding it already is a no-op success.
        Manual takes ignore the auto-assignment cap."""
        outcome, holder, flat = await self._run(TAKE, int(conversation_id), int(agent_id),
                                                self._ms(at))
        result = TakeResult(TakeOutcome(as_str(outcome)), _conversation(flat), _opt_int(holder))
        if result.outcome is TakeOutcome.taken:
            log.info("handoff taken conversation=%s agent=%s", conversation_id, agent_id)
        return result

    async def transfer(self, conversation_id: int, by_agent: int, to_agent: int | None = None,
                       to_shop: str | None = None, at: datetime | None = None) -> TransferResult:
        """To an agent (held by them, open counts moved) or to a shop's queue (unheld,
        original queued_at kept). Refused (held_by_other) when someone other than
        `by_agent` holds it; a queued conversation may be transferred by any agent."""
        if (to_agent is None) == (to_shop is None):
            raise ValueError("transfer to exactly one of an agent or a shop")
        if to_shop is not None:
            keys.check_shop(to_shop)
        outcome, previous, flat = await self._run(
            TRANSFER, int(conversation_id), int(by_agent),
            "" if to_agent is None else int(to_agent), to_shop or "", self._ms(at))
        result = TransferResult(TransferOutcome(as_str(outcome)), _conversation(flat),
                                _opt_int(previous))
        if result.outcome is TransferOutcome.transferred:
            log.info("handoff transferred conversation=%s by=%s to_agent=%s to_shop=%s",
                     conversation_id, by_agent, to_agent, to_shop)
        return result

    async def release(self, conversation_id: int, kind: CloseKind | str, by: int | None = None,
                      at: datetime | None = None, *, holder: int | None | str = ANY_HOLDER
                      ) -> Conversation | None:
        """Close (closed | back | cancelled). Returns the closed conversation when this call
        closed it; None when it was unknown or already closed (so only one goodbye is sent),
        or when `holder` (an agent id, or None for nobody) no longer matches: someone took
        it after the caller decided it may be closed."""
        kind = CloseKind(kind)
        expect = holder if isinstance(holder, str) else "" if holder is None else str(int(holder))
        outcome, flat = await self._run(RELEASE, int(conversation_id), kind.value,
                                        "" if by is None else int(by), self._ms(at), expect)
        if as_str(outcome) != "closed":
            return None
        log.info("handoff released conversation=%s kind=%s by=%s", conversation_id, kind, by)
        return _conversation(flat)

    async def set_presence(self, agent_id: int, presence: Presence | str) -> None:
        await self._redis.hset(keys.presence(self._prefix), str(int(agent_id)),
                               Presence(presence).value)

    async def presence(self, agent_id: int) -> Presence:
        """An agent never seen is offline."""
        raw = await self._redis.hget(keys.presence(self._prefix), str(int(agent_id)))
        return Presence.offline if raw is None else Presence(as_str(raw))

    async def presences(self, agent_ids: Sequence[int]) -> dict[int, Presence]:
        ids = [int(a) for a in agent_ids]
        if not ids:
            return {}
        raw = await self._redis.hmget(keys.presence(self._prefix), [str(a) for a in ids])
        return {a: Presence.offline if r is None else Presence(as_str(r)) for a, r in zip(ids, raw)}

    async def agents_online(self, shop: str, staff_shops: Mapping[int, Sequence[str]]) -> list[int]:
        """Agents of `shop` (per the staff list) whose presence is online, ascending ids."""
        members = sorted(a for a, shops in staff_shops.items() if shop in shops)
        states = await self.presences(members)
        return [a for a in members if states[a] is Presence.online]

    async def open_count(self, agent_id: int) -> int:
        return int(await self._redis.scard(keys.held(self._prefix, agent_id)))

    async def held_by(self, agent_id: int) -> list[int]:
        """Ids of the conversations the agent holds, ascending."""
        return sorted(int(as_str(c)) for c in await self._redis.smembers(keys.held(self._prefix, agent_id)))

    async def assign_next(self, shop: str, candidates: Sequence[int], cap: int,
                          at: datetime | None = None) -> tuple[Conversation, int] | None:
        """Give the head of the shop's queue to the next agent in round-robin order.

        `candidates` are the shop's online agents (the caller's view); the store re-checks
        presence and open counts, picks with `policy.next_agent` from the pointer kept in
        Redis, and commits with a compare-and-set script, retrying if another process
        assigned or took something in between. None when the queue is empty or nobody
        eligible has room.
        """
        ids = sorted({int(a) for a in candidates})
        if not ids:
            return None
        queue_key = keys.queue(self._prefix, shop)
        for _ in range(ASSIGN_ATTEMPTS):
            pipe = self._redis.pipeline(transaction=False)
            pipe.zrange(queue_key, 0, 0)
            pipe.hget(keys.round_robin(self._prefix), shop)
            pipe.hmget(keys.presence(self._prefix), [str(a) for a in ids])
            for a in ids:
                pipe.scard(keys.held(self._prefix, a))
            head, last, states, *counts = await pipe.execute()
            if not head:
                return None
            presence = {a: Presence.offline if s is None else Presence(as_str(s))
                        for a, s in zip(ids, states)}
            open_counts = {a: int(n) for a, n in zip(ids, counts)}
            agent = policy.next_agent(ids, open_counts, cap, _opt_int(last), presence)
            if agent is None:
                return None
            outcome, flat = await self._run(ASSIGN, shop, as_str(head[0]), agent, int(cap),
                                            self._ms(at))
            if as_str(outcome) == "assigned":
                conv = _conversation(flat)
                assert conv is not None
                log.info("handoff assigned conversation=%s agent=%s shop=%s", conv.id, agent, shop)
                return conv, agent
        log.warning("handoff assign_next gave up after %d contended attempts shop=%s",
                    ASSIGN_ATTEMPTS, shop)
        return None

    # -- messages ---------------------------------------------------------------------------

    async def log(self, conversation_id: int, role: Role | str, sender_id: int, text: str,
                  kind: MessageKind | str = MessageKind.text, file_id: str | None = None,
                  telegram_message_id: int | None = None, at: datetime | None = None) -> LoggedMessage:
        """Append to the conversation's log (capped at settings.log_cap) and return it with
        its id. Raises ConversationNotFound for an unknown conversation."""
        message, _ = await self._log(conversation_id, role, sender_id, text, kind, file_id,
                                     telegram_message_id, at, None, None)
        return message

    async def log_and_relay(self, conversation_id: int, role: Role | str, sender_id: int,
                            text: str, direction: Direction | str, payload: Mapping[str, Any],
                            kind: MessageKind | str = MessageKind.text, file_id: str | None = None,
                            telegram_message_id: int | None = None,
                            at: datetime | None = None, dedup: str | None = None
                            ) -> tuple[LoggedMessage, int | None]:
        """`log` and `enqueue_relay` in one atomic step: a stored message always has its
        relay, even if the process dies right after. Returns (message, relay id).

        A message whose Telegram id (or `dedup` key, for what has no Telegram message of its
        own: a /q reply, a button-started handoff) was logged before is not logged or
        relayed again: relay id None, the first message's id. Check and write are atomic."""
        message, relay_id = await self._log(conversation_id, role, sender_id, text, kind,
                                            file_id, telegram_message_id, at,
                                            Direction(direction), payload, dedup)
        return message, relay_id

    async def _log(self, conversation_id: int, role: Role | str, sender_id: int, body: str,
                   kind: MessageKind | str, file_id: str | None, telegram_message_id: int | None,
                   at: datetime | None, direction: Direction | None,
                   payload: Mapping[str, Any] | None, dedup: str | None = None
                   ) -> tuple[LoggedMessage, int | None]:
        role, kind = Role(role), MessageKind(kind)
        when = at or self._clock.now()
        body_json = message_json(conversation_id, role, sender_id, body, kind, file_id,
                                 telegram_message_id, when)
        if dedup is not None:
            if dedup.isdigit():
                raise ValueError("a dedup key must not look like a Telegram message id")
            index = f"{role.value}:{dedup}"
        else:
            index = "" if telegram_message_id is None else f"{role.value}:{int(telegram_message_id)}"
        reply = await self._run(LOG, int(conversation_id), body_json, index,
                                "" if direction is None else direction.value,
                                payload_json(payload or {}), to_ms(when))
        status = as_str(reply[0])
        if status == "not_found":
            raise ConversationNotFound(f"handoff conversation {conversation_id} does not exist")
        message = LoggedMessage(int(reply[1]), int(conversation_id), role, int(sender_id), body,
                                kind, file_id, telegram_message_id, when)
        if status == "seen":
            log.info("handoff message %s seen before in conversation %s: not logged or relayed again",
                     index, conversation_id)
            return message, None
        return message, _opt_int(reply[2])

    async def last_messages(self, conversation_id: int, n: int = 10) -> list[LoggedMessage]:
        """The conversation's last `n` logged messages, oldest first."""
        if n <= 0:
            return []
        raw = await self._redis.lrange(keys.conversation_log(self._prefix, conversation_id), -n, -1)
        return [message_from(r) for r in raw]

    async def message_for_telegram(self, conversation_id: int, role: Role | str,
                                   telegram_message_id: int) -> int | None:
        """The logged message id of a Telegram message (role buyer: the buyer's private chat,
        agent: the topic), e.g. to find the copy of an edited message."""
        raw = await self._redis.hget(keys.telegram_index(self._prefix, conversation_id),
                                     f"{Role(role).value}:{int(telegram_message_id)}")
        return _opt_int(raw)

    async def note_history(self, buyer_id: int, role: Role | str, text: str,
                           at: datetime | None = None) -> None:
        """Remember one line of the buyer's chat (their messages and the bot's answers),
        capped at settings.history_cap and expiring after settings.history_ttl_s idle."""
        key = keys.history(self._prefix, buyer_id)
        pipe = self._redis.pipeline(transaction=True)
        pipe.rpush(key, history_json(Role(role), text, at or self._clock.now()))
        pipe.ltrim(key, -self.settings.history_cap, -1)
        pipe.expire(key, self.settings.history_ttl_s)
        await pipe.execute()

    async def history(self, buyer_id: int, n: int = 10) -> list[HistoryEntry]:
        """The buyer's last `n` history lines, oldest first."""
        if n <= 0:
            return []
        raw = await self._redis.lrange(keys.history(self._prefix, buyer_id), -n, -1)
        return [history_from(r) for r in raw]

    # -- relays -----------------------------------------------------------------------------

    async def enqueue_relay(self, conversation_id: int, direction: Direction | str,
                            message_id: int, payload: Mapping[str, Any],
                            at: datetime | None = None) -> int:
        """Queue a copy of logged message `message_id` to the other side; the same message
        and direction enqueued again returns the first relay's id (no duplicate)."""
        reply = await self._run(RELAY, "enqueue", int(conversation_id), Direction(direction).value,
                                int(message_id), payload_json(payload), self._ms(at))
        if as_str(reply) == "not_found":
            raise ConversationNotFound(f"handoff conversation {conversation_id} does not exist")
        return int(as_str(reply))

    async def pending_relays(self, limit: int = 100, at: datetime | None = None) -> list[Relay]:
        """Claim up to `limit` due relays (oldest first) for settings.relay_lease_s: they
        are not handed out again unless the lease runs out before `mark_delivered`."""
        now = self._ms(at)
        rows = await self._run(RELAY, "claim", now, self.settings.relay_lease_s * 1000, int(limit))
        relays = [r for r in (relay_from(_pairs(row)) for row in rows) if r is not None]
        return sorted(relays, key=lambda r: r.id)

    async def release_claims(self, at: datetime | None = None) -> int:
        """Make every claimed, unsettled relay due now. Call once at start-up when this is
        the only relay worker: a killed process's claims are delivered without waiting out
        the lease. Returns how many came back."""
        return int(await self._run(RELAY, "release", self._ms(at)))

    async def mark_delivered(self, relay_id: int, telegram_message_id: int,
                             at: datetime | None = None) -> bool:
        """Settle a relay as delivered as Telegram message `telegram_message_id`; True the
        first time, False if it was settled already or is unknown. Never comes back after."""
        reply = await self._run(RELAY, "settle", int(relay_id), "delivered",
                                int(telegram_message_id), self._ms(at))
        return as_str(reply) == "ok"

    async def drop_relay(self, relay_id: int, reason: str, at: datetime | None = None) -> bool:
        """Settle a relay that can never be delivered (buyer blocked the bot…)."""
        reply = await self._run(RELAY, "settle", int(relay_id), "dropped", reason, self._ms(at))
        if as_str(reply) == "ok":
            log.warning("handoff relay dropped relay=%s reason=%s", relay_id, reason)
            return True
        return False

    async def set_aside(self, relay_id: int, reason: str, at: datetime | None = None) -> bool:
        """Settle a relay Telegram refused (or that ran out of attempts) onto the set-aside
        list: not delivered, not lost; someone is told and can resend it by hand."""
        reply = await self._run(RELAY, "settle", int(relay_id), "set_aside", reason, self._ms(at))
        if as_str(reply) == "ok":
            log.warning("handoff relay set aside relay=%s reason=%s", relay_id, reason)
            return True
        return False

    async def set_aside_relays(self) -> list[Relay]:
        """The relays set aside, oldest first."""
        ids = await self._redis.lrange(keys.relays_aside(self._prefix), 0, -1)
        out = [await self.relay(int(as_str(i))) for i in ids]
        return [r for r in out if r is not None]

    async def retry_relay(self, relay_id: int, at: datetime | None = None) -> bool:
        """Make a claimed, unsettled relay due now instead of after its lease."""
        return as_str(await self._run(RELAY, "retry", int(relay_id), self._ms(at))) == "ok"

    async def delivered_copy(self, conversation_id: int, source_message_id: int) -> int | None:
        """Telegram id of the delivered copy of logged message `source_message_id`."""
        raw = await self._redis.hget(keys.copies(self._prefix, conversation_id),
                                     str(int(source_message_id)))
        return _opt_int(raw)

    async def relay(self, relay_id: int) -> Relay | None:
        return relay_from(await self._redis.hgetall(keys.relay(self._prefix, relay_id)))
