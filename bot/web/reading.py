"""What the console reads about handed-off conversations, through the handoff stores' read
methods only (one module, so the console never writes to a store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.handoff.model import Conversation, HistoryEntry, LoggedMessage, Role, Status
from bot.handoff.stores import HandoffStores
from bot.shop.catalog import Catalog

if TYPE_CHECKING:
    from bot.customers.card import CardRecords
    from bot.knowledge.snapshot import Knowledge

THREAD_LENGTH = 100


@dataclass(frozen=True)
class QueueRow:
    conversation: Conversation
    waiting_s: float | None
    """Seconds the buyer has waited: since queued while waiting; since their last unanswered
    message while held; None when the agent has answered everything."""


def waited(conversation: Conversation, last: LoggedMessage | None, now: datetime) -> float | None:
    if conversation.status is Status.queued:
        return max(0.0, (now - conversation.queued_at).total_seconds())
    if last is not None and last.role is Role.buyer:
        return max(0.0, (now - last.at).total_seconds())
    return None


class ConsoleReader:
    def __init__(self, stores: HandoffStores, customers: CardRecords | None = None) -> None:
        self._stores = stores
        self._customers = customers

    async def customer(self, knowledge: Knowledge, buyer_id: int) -> dict[str, Any] | None:
        """The buyer's customer record and open after-sales cases, as the Telegram card has them."""
        if self._customers is None:
            return None
        return await self._customers.facts(knowledge.catalog, knowledge.rules, knowledge.tiers, buyer_id)

    async def get(self, conversation_id: int) -> Conversation | None:
        return await self._stores.conversations.get(conversation_id)

    async def thread(self, conversation_id: int) -> list[LoggedMessage]:
        return await self._stores.messages.last_messages(conversation_id, THREAD_LENGTH)

    async def history(self, buyer_id: int) -> list[HistoryEntry]:
        """What the buyer and the bot said before the handoff (for the context card)."""
        return await self._stores.messages.history(buyer_id, 10)

    async def open_conversations(self, catalog: Catalog, now: datetime) -> list[QueueRow]:
        """Every waiting conversation (all shop queues) and every one an agent holds."""
        seen: dict[int, Conversation] = {}
        for shop in await self._stores.queue.queued_shops():
            for conversation in await self._stores.queue.queue(shop):
                seen[conversation.id] = conversation
        for agent_id in catalog.staff:
            for conversation_id in await self._stores.agents.held_by(agent_id):
                held = await self._stores.conversations.get(conversation_id)
                if held is not None and held.is_open:
                    seen[held.id] = held
        rows = []
        for conversation in seen.values():
            last = await self._stores.messages.last_messages(conversation.id, 1)
            rows.append(QueueRow(conversation, waited(conversation, last[-1] if last else None, now)))
        return rows
