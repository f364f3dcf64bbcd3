"""A conversation's forum topic in the agents' group, created with its context card.

Topics are created by the relay worker only (in the background, never while an update is
handled: the agents' group allows 20 messages a minute), one at a time (a lock), and the
store is re-read inside the lock, so a conversation whose relays find it without a topic
twice (a lease that ran out meanwhile, a deleted topic) gets one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.methods import CreateForumTopic

from bot.config import Settings
from bot.customers.card import CardRecords
from bot.handoff import messages
from bot.handoff.model import Conversation
from bot.handoff.notifier import Notifier
from bot.handoff.stores import HandoffStores
from bot.handoff.views import card_buttons, card_view, topic_name
from bot.telegram.sending import Outgoing

log = logging.getLogger(__name__)

CARD_HISTORY = 10


class Topics:
    def __init__(self, settings: Settings, stores: HandoffStores, notifier: Notifier,
                 on_stage: Callable[[], Awaitable[str | None]], customers: CardRecords | None = None) -> None:
        self._settings = settings
        self._customers = customers
        """The buyer's record and open after-sales cases for the card; None: the card goes without."""
        self._on_stage = on_stage
        """The live room's current product (LiveStage.current), for the card."""
        self._stores = stores
        self._notifier = notifier
        self._lock = asyncio.Lock()

    async def ensure_topic(self, conversation: Conversation, *, recreate: bool = False) -> Conversation:
        """The conversation's forum topic, created (with its context card) when missing."""
        async with self._lock:
            fresh = await self._stores.conversations.get(conversation.id) or conversation
            if fresh.topic_id is not None and not (recreate and fresh.topic_id == conversation.topic_id):
                return fresh
            card = await self._card(fresh)
            notifier = self._notifier
            # Through the outbox: a 429 (many handoffs at once) is waited out like any send.
            chat_id = self._settings.agents_chat_id
            topic = await notifier.outbox.call(Outgoing(chat_id, method=CreateForumTopic(
                chat_id=chat_id, name=topic_name(notifier.render(messages.topic_name(card)))),
                purpose="create topic"))
            fresh = await self._stores.conversations.set_topic(fresh.id, topic.message_thread_id) or fresh
            log.info("handoff: conversation %s has topic %s%s", fresh.id, topic.message_thread_id,
                     " (re-created)" if recreate else "")
            # Queued here, not awaited: the card waits its turn in the agents' group (a low
            # lane) without holding the lock, and in this process's queue, where the relays
            # into this topic are, so they lift it ahead of them and the topic reads in order.
            await notifier.to_topic(fresh, notifier.render(messages.card(card)),
                                    notifier.agents_keyboard(card_buttons(fresh.id)), here=True)
            return fresh

    async def _card(self, conversation: Conversation) -> dict[str, Any]:
        history = await self._stores.messages.history(conversation.buyer_id, CARD_HISTORY)
        knowledge = self._notifier.knowledge
        customer = (await self._customers.facts(knowledge.catalog, knowledge.rules, knowledge.tiers,
                                                conversation.buyer_id) if self._customers else None)
        return card_view(knowledge.catalog, conversation, history, conversation.stage_sku,
                         self._notifier.agent_names(), on_stage_sku=await self._on_stage(), customer=customer)
