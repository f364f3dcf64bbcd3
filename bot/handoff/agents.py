"""The agents' side of the handoff state: presence, what each agent holds, auto-assignment.

Which agent is next is `policy.next_agent` (pure); this store reads what it needs and
commits the choice with the assign script, a compare-and-set retried when another process
assigned or took something in between.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.handoff import keys, policy
from bot.handoff.backend import HandoffBackend, conversation_reply, opt_int
from bot.handoff.codec import text as as_str
from bot.handoff.model import Conversation, Presence
from bot.handoff.scripts import ASSIGN

log = logging.getLogger(__name__)

ASSIGN_ATTEMPTS = 50  # each failed compare-and-set means another writer made progress


class AgentStore:
    """Agents' presence, their held conversations, and giving the next one out."""

    def __init__(self, backend: HandoffBackend) -> None:
        self._backend = backend

    async def set_presence(self, agent_id: int, presence: Presence | str) -> None:
        await self._backend.redis.hset(keys.presence(self._backend.prefix), str(int(agent_id)),
                                       Presence(presence).value)

    async def presence(self, agent_id: int) -> Presence:
        """An agent never seen is offline."""
        raw = await self._backend.redis.hget(keys.presence(self._backend.prefix), str(int(agent_id)))
        return Presence.offline if raw is None else Presence(as_str(raw))

    async def presences(self, agent_ids: Sequence[int]) -> dict[int, Presence]:
        ids = [int(a) for a in agent_ids]
        if not ids:
            return {}
        raw = await self._backend.redis.hmget(keys.presence(self._backend.prefix), [str(a) for a in ids])
        return {a: Presence.offline if r is None else Presence(as_str(r)) for a, r in zip(ids, raw)}

    async def agents_online(self, shop: str, staff_shops: Mapping[int, Sequence[str]]) -> list[int]:
        """Agents of `shop` (per the staff list) whose presence is online, ascending ids."""
        members = sorted(a for a, shops in staff_shops.items() if shop in shops)
        states = await self.presences(members)
        return [a for a in members if states[a] is Presence.online]

    async def open_count(self, agent_id: int) -> int:
        return int(await self._backend.redis.scard(keys.held(self._backend.prefix, agent_id)))

    async def held_by(self, agent_id: int) -> list[int]:
        """Ids of the conversations the agent holds, ascending."""
        members = await self._backend.redis.smembers(keys.held(self._backend.prefix, agent_id))
        return sorted(int(as_str(c)) for c in members)

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
        prefix = self._backend.prefix
        queue_key = keys.queue(prefix, shop)
        for _ in range(ASSIGN_ATTEMPTS):
            pipe = self._backend.redis.pipeline(transaction=False)
            pipe.zrange(queue_key, 0, 0)
            pipe.hget(keys.round_robin(prefix), shop)
            pipe.hmget(keys.presence(prefix), [str(a) for a in ids])
            for a in ids:
                pipe.scard(keys.held(prefix, a))
            head, last, states, *counts = await pipe.execute()
            if not head:
                return None
            presence = {a: Presence.offline if s is None else Presence(as_str(s))
                        for a, s in zip(ids, states)}
            open_counts = {a: int(n) for a, n in zip(ids, counts)}
            agent = policy.next_agent(ids, open_counts, cap, opt_int(last), presence)
            if agent is None:
                return None
            outcome, flat = await self._backend.run(ASSIGN, shop, as_str(head[0]), agent, int(cap),
                                                    self._backend.ms(at))
            if as_str(outcome) == "assigned":
                conv = conversation_reply(flat)
                assert conv is not None
                log.info("handoff assigned conversation=%s agent=%s shop=%s", conv.id, agent, shop)
                return conv, agent
        log.warning("handoff assign_next gave up after %d contended attempts shop=%s",
                    ASSIGN_ATTEMPTS, shop)
        return None
