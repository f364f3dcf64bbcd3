"""Relays: copies of logged messages to the other side, an outbox with leases.

A worker claims due relays, sends them, and marks each delivered; a claim not settled
within the lease becomes due again, and `release_claims()` at start-up makes a dead
process's claims due at once. Delivery is at-least-once; `mark_delivered` is idempotent
and a delivered relay never comes back, and `delivered_copy` lets the sender check before
sending again. Every change is one call of `relay.lua`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from bot.handoff import keys
from bot.handoff.backend import ConversationNotFound, HandoffBackend, opt_int, pairs
from bot.handoff.codec import payload_json, relay_from
from bot.handoff.codec import text as as_str
from bot.handoff.model import Direction, Relay
from bot.handoff.scripts import RELAY

log = logging.getLogger(__name__)


class RelayStore:
    """The relay outbox: enqueue, claim, settle (delivered, dropped, set aside), retry."""

    def __init__(self, backend: HandoffBackend) -> None:
        self._backend = backend

    async def enqueue_relay(self, conversation_id: int, direction: Direction | str,
                            message_id: int, payload: Mapping[str, Any],
                            at: datetime | None = None) -> int:
        """Queue a copy of logged message `message_id` to the other side; the same message
        and direction enqueued again returns the first relay's id (no duplicate)."""
        reply = await self._backend.run(RELAY, "enqueue", int(conversation_id), Direction(direction).value,
                                        int(message_id), payload_json(payload), self._backend.ms(at))
        if as_str(reply) == "not_found":
            raise ConversationNotFound(f"handoff conversation {conversation_id} does not exist")
        return int(as_str(reply))

    async def enqueue_note(self, conversation_id: int, payload: Mapping[str, Any], *, dedup: str | None = None,
                           at: datetime | None = None) -> int:
        """Queue a note for the conversation's topic (a notice, not a logged message), due now.

        Used for what is said in a topic that does not exist yet: the relay worker creates
        the topic first, then sends the note after the buyer's messages relayed before it.
        The same `dedup` key (a redelivered update's) returns the first note's relay id."""
        reply = await self._backend.run(RELAY, "note", int(conversation_id), payload_json(payload),
                                        self._backend.ms(at), dedup or "")
        if as_str(reply) == "not_found":
            raise ConversationNotFound(f"handoff conversation {conversation_id} does not exist")
        return int(as_str(reply))

    async def pending_relays(self, limit: int = 100, at: datetime | None = None) -> list[Relay]:
        """Claim up to `limit` due relays (oldest first) for settings.relay_lease_s: they
        are not handed out again unless the lease runs out before `mark_delivered`."""
        now = self._backend.ms(at)
        rows = await self._backend.run(RELAY, "claim", now, self._backend.settings.relay_lease_s * 1000,
                                       int(limit))
        relays = [r for r in (relay_from(pairs(row)) for row in rows) if r is not None]
        return sorted(relays, key=lambda r: r.id)

    async def release_claims(self, at: datetime | None = None, *, claimed_before: datetime | None = None,
                             keep: Collection[int] = ()) -> int:
        """Make claimed, unsettled relays due now, so a stopped or killed relay worker's
        claims are delivered without waiting out the lease. Returns how many came back.

        `claimed_before`: only claims made before then (the caller's own later claims are
        its business); `keep`: relays the caller is still delivering, which stay claimed."""
        upto = None
        if claimed_before is not None:
            upto = self._backend.ms(claimed_before) + self._backend.settings.relay_lease_s * 1000
        return int(await self._backend.run(RELAY, "release", self._backend.ms(at), upto, *sorted(keep)))

    async def mark_delivered(self, relay_id: int, telegram_message_id: int,
                             at: datetime | None = None) -> bool:
        """Settle a relay as delivered as Telegram message `telegram_message_id`; True the
        first time, False if it was settled already or is unknown. Never comes back after."""
        reply = await self._backend.run(RELAY, "settle", int(relay_id), "delivered",
                                        int(telegram_message_id), self._backend.ms(at))
        return as_str(reply) == "ok"

    async def drop_relay(self, relay_id: int, reason: str, at: datetime | None = None) -> bool:
        """Settle a relay that can never be delivered (buyer blocked the bot…)."""
        reply = await self._backend.run(RELAY, "settle", int(relay_id), "dropped", reason, self._backend.ms(at))
        if as_str(reply) == "ok":
            log.warning("handoff relay dropped relay=%s reason=%s", relay_id, reason)
            return True
        return False

    async def set_aside(self, relay_id: int, reason: str, at: datetime | None = None) -> bool:
        """Settle a relay Telegram refused (or that ran out of attempts) onto the set-aside
        list: not delivered, not lost; someone is told and can resend it by hand."""
        reply = await self._backend.run(RELAY, "settle", int(relay_id), "set_aside", reason,
                                        self._backend.ms(at))
        if as_str(reply) == "ok":
            log.warning("handoff relay set aside relay=%s reason=%s", relay_id, reason)
            return True
        return False

    async def set_aside_relays(self) -> list[Relay]:
        """The relays set aside, oldest first."""
        ids = await self._backend.redis.lrange(keys.relays_aside(self._backend.prefix), 0, -1)
        out = [await self.relay(int(as_str(i))) for i in ids]
        return [r for r in out if r is not None]

    async def retry_relay(self, relay_id: int, at: datetime | None = None) -> bool:
        """Make a claimed, unsettled relay due now instead of after its lease."""
        return as_str(await self._backend.run(RELAY, "retry", int(relay_id), self._backend.ms(at))) == "ok"

    async def delivered_copy(self, conversation_id: int, source_message_id: int) -> int | None:
        """Telegram id of the delivered copy of logged message `source_message_id`."""
        raw = await self._backend.redis.hget(keys.copies(self._backend.prefix, conversation_id),
                                             str(int(source_message_id)))
        return opt_int(raw)

    async def relay(self, relay_id: int) -> Relay | None:
        return relay_from(await self._backend.redis.hgetall(keys.relay(self._backend.prefix, relay_id)))
