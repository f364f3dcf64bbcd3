"""Conversations and their life: open, read, the forum topic, take, transfer, close, rate.

Each change is one Lua script (open, take, transfer, release, set_topic, mark), so a
process killed at any instant leaves either the old state or the new one. Decisions
(priority order, who may take) are in `policy` and the scripts; this module only reads
what they need and applies what they decide.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.handoff import keys
from bot.handoff.backend import HandoffBackend, conversation_reply, opt_int
from bot.handoff.codec import text as as_str
from bot.handoff.model import (
    CloseKind,
    Conversation,
    Priority,
    TakeOutcome,
    TakeResult,
    TransferOutcome,
    TransferResult,
)
from bot.handoff.scripts import MARK, OPEN, RELEASE, SET_TOPIC, TAKE, TRANSFER

log = logging.getLogger(__name__)

ANY_HOLDER = "*"
"""`release(holder=ANY_HOLDER)`: close it whoever holds it."""


class ConversationStore:
    """Every handoff conversation, queued, held or recently closed."""

    def __init__(self, backend: HandoffBackend) -> None:
        self._backend = backend

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
        created, flat = await self._backend.run(OPEN, int(buyer_id), buyer_name, language_code, shop,
                                                reason, int(Priority(priority)), self._backend.ms(at),
                                                stage_sku or "")
        conv = conversation_reply(flat)
        assert conv is not None
        if created:
            log.info("handoff opened conversation=%s buyer=%s shop=%s priority=%s reason=%s",
                     conv.id, buyer_id, shop, conv.priority.name, reason)
        return conv, bool(created)

    async def get(self, conversation_id: int) -> Conversation | None:
        return await self._backend.conversation(conversation_id)

    async def open_for_buyer(self, buyer_id: int) -> Conversation | None:
        """The buyer's queued or held conversation; None when they have none open."""
        cid = await self._backend.redis.get(keys.buyer(self._backend.prefix, buyer_id))
        if cid is None:
            return None
        conv = await self.get(int(as_str(cid)))
        return conv if conv is not None and conv.is_open else None

    async def for_topic(self, topic_id: int) -> Conversation | None:
        """The conversation of a forum topic, closed ones included (until they expire)."""
        cid = await self._backend.redis.get(keys.topic(self._backend.prefix, topic_id))
        return None if cid is None else await self.get(int(as_str(cid)))

    async def set_topic(self, conversation_id: int, topic_id: int) -> Conversation | None:
        """Map topic <-> conversation; the conversation's previous topic no longer maps."""
        outcome, flat = await self._backend.run(SET_TOPIC, int(conversation_id), int(topic_id))
        return None if as_str(outcome) == "not_found" else conversation_reply(flat)

    async def take(self, conversation_id: int, agent_id: int,
                   at: datetime | None = None) -> TakeResult:
        """Atomically claim a queued conversation; holding it already is a no-op success.
        Manual takes ignore the auto-assignment cap."""
        outcome, holder, flat = await self._backend.run(TAKE, int(conversation_id), int(agent_id),
                                                        self._backend.ms(at))
        result = TakeResult(TakeOutcome(as_str(outcome)), conversation_reply(flat), opt_int(holder))
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
        outcome, previous, flat = await self._backend.run(
            TRANSFER, int(conversation_id), int(by_agent),
            "" if to_agent is None else int(to_agent), to_shop or "", self._backend.ms(at))
        result = TransferResult(TransferOutcome(as_str(outcome)), conversation_reply(flat),
                                opt_int(previous))
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
        outcome, flat = await self._backend.run(RELEASE, int(conversation_id), kind.value,
                                                "" if by is None else int(by), self._backend.ms(at), expect)
        if as_str(outcome) != "closed":
            return None
        log.info("handoff released conversation=%s kind=%s by=%s", conversation_id, kind, by)
        return conversation_reply(flat)

    async def mark_rated(self, conversation_id: int) -> bool:
        """True only for the first rating of a conversation: a second press changes nothing."""
        done = await self._backend.run(MARK, int(conversation_id), "once", "rated", "1")
        return int(done) == 1
