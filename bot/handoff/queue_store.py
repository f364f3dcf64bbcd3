"""The shops' waiting lines, and what each waiting buyer was last told about theirs.

The queue itself (a sorted set per shop, the shops with someone waiting, every queued
conversation by when it was queued) is written by the conversation scripts (open, take,
transfer, release, assign); this store reads it and keeps the buyer-facing marks on the
conversation: the position and estimate last told, "no agent yet" told once, and the
message carrying the 取消排队 button.
"""

from __future__ import annotations

from datetime import datetime

from bot.handoff import keys
from bot.handoff.backend import HandoffBackend, opt_int
from bot.handoff.codec import text as as_str
from bot.handoff.model import Conversation, Status
from bot.handoff.scripts import MARK


class QueueStore:
    """Reads the shops' queues; marks what a waiting buyer was told."""

    def __init__(self, backend: HandoffBackend) -> None:
        self._backend = backend

    async def position(self, conversation_id: int) -> int | None:
        """1-based place in its shop's queue; None unless queued."""
        conv = await self._backend.conversation(conversation_id)
        if conv is None or conv.status is not Status.queued:
            return None
        rank = await self._backend.redis.zrank(keys.queue(self._backend.prefix, conv.shop), str(conv.id))
        return None if rank is None else int(rank) + 1

    async def queue(self, shop: str) -> list[Conversation]:
        """The shop's queued conversations in serving order."""
        ids = await self._backend.redis.zrange(keys.queue(self._backend.prefix, shop), 0, -1)
        return await self._backend.conversations(ids)

    async def queued_shops(self) -> list[str]:
        return sorted(as_str(s) for s in await self._backend.redis.smembers(keys.queued_shops(self._backend.prefix)))

    async def waiting_longer_than(self, seconds: float, at: datetime | None = None) -> list[Conversation]:
        """Queued conversations whose queued_at is at least `seconds` ago, longest first."""
        cutoff = self._backend.ms(at) - round(seconds * 1000)
        ids = await self._backend.redis.zrangebyscore(keys.waiting(self._backend.prefix), "-inf", cutoff)
        return await self._backend.conversations(ids)

    async def mark_told_no_agent(self, conversation_id: int) -> bool:
        """True only for the first call per conversation: tell the buyer exactly once."""
        done = await self._backend.run(MARK, int(conversation_id), "once", "told_no_agent", "1")
        return int(done) == 1

    async def set_told_position(self, conversation_id: int, position: int,
                                eta_minutes: int | None) -> None:
        """What the buyer was last told; read back as Conversation.told_position/_eta_minutes."""
        await self._backend.run(MARK, int(conversation_id), "set", "told_position", int(position),
                                "told_eta", "" if eta_minutes is None else int(eta_minutes))

    async def set_cancel_message(self, conversation_id: int, message_id: int) -> None:
        """The buyer's message carrying the 取消排队 button, to take it off once served."""
        await self._backend.run(MARK, int(conversation_id), "set", "cancel_message", int(message_id))

    async def take_cancel_message(self, conversation_id: int) -> int | None:
        """The message with the cancel button, once: the caller takes the button off."""
        pipe = self._backend.redis.pipeline(transaction=True)
        key = keys.conversation(self._backend.prefix, conversation_id)
        pipe.hget(key, "cancel_message")
        pipe.hdel(key, "cancel_message")
        raw, _ = await pipe.execute()
        return opt_int(raw)
