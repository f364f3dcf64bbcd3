"""The buyer's side of the handoff: queue for a human, relay what they write, cancel, rate.

Private-chat handlers call this. Every step is durable: a buyer's message is logged with
its relay in Redis before anything is sent (the relay worker delivers it), the claim and
queue position live in the handoff stores, and the SLA recorder hears of each event it
measures.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.answers.composer import Asker, Handoff
from bot.clock import Clock
from bot.config import Settings
from bot.handoff import messages
from bot.handoff.assignment import Assigner
from bot.handoff.incoming import Edit, Incoming
from bot.handoff.model import CloseKind, Conversation, Direction, Role
from bot.handoff.notifier import Notifier
from bot.handoff.policy import priority_for, shop_for
from bot.handoff.relays import RelayWorker
from bot.handoff.stores import HandoffStores
from bot.handoff.views import RATINGS, cancel_buttons
from bot.sla.recorder import SlaRecorder
from bot.telegram.keyboards import keyboard
from bot.telegram.sending import Outgoing

log = logging.getLogger(__name__)


class BuyerDesk:
    def __init__(self, settings: Settings, stores: HandoffStores, sla: SlaRecorder, notifier: Notifier,
                 assigner: Assigner, relays: RelayWorker, clock: Clock) -> None:
        self._settings = settings
        self._stores = stores
        self._sla = sla
        self._notifier = notifier
        self._assigner = assigner
        self._relays = relays
        self._clock = clock

    async def hand_off(self, asker: Asker, reason: Handoff, incoming: Incoming, *, sku: str | None,
                       order_id: str | None, promise: str) -> Conversation:
        """Queue the buyer for a human, relay what they said, tell them where they are.

        `promise` is the already-rendered "a colleague will help" answer. The topic is not
        created here: the relay worker creates it (with the context card) when it relays
        what the buyer said, at the agents' group's pace (20 a minute). Waiting for that
        here would hold this update, and every update behind it in its partition, for
        as long as a wave of handoffs takes to reach the group. The one send waited for
        is the buyer's own answer (their private chat's pace), for its cancel button's id.
        """
        knowledge = self._notifier.knowledge
        catalog = knowledge.catalog
        now = self._clock.now()
        shop = shop_for(catalog, sku, order_id, asker.user_id)
        conversation, created = await self._stores.conversations.open(
            asker.user_id, asker.name, asker.language_code or "", shop, str(reason),
            priority_for(catalog, asker.user_id, str(reason)), stage_sku=sku, at=now)
        if created:
            await self._sla.handoff(conversation.shop, str(conversation.id), asker.user_id, at=now)
            log.info("handoff: buyer %s queued as conversation %s (shop %s, reason %s)",
                     asker.user_id, conversation.id, shop, reason)
        await self.relay_buyer_message(conversation, incoming, record_round=not created)
        position = await self._stores.queue.position(conversation.id) or 1
        minutes = await self._assigner.eta(position, conversation.shop)
        await self._stores.queue.set_told_position(conversation.id, position, minutes)
        locale = knowledge.locale(asker.language_code)
        queued = self._notifier.render(messages.queued(position, minutes), locale)
        sent = self._notifier.outbox.call(Outgoing(asker.user_id, f"{promise}\n{queued}",
                                                   markup=keyboard(knowledge, locale, cancel_buttons()),
                                                   purpose="handoff"))
        with contextlib.suppress(TelegramAPIError):  # not sent: no button to take off later
            message = await sent
            if isinstance(message, Message):
                await self._stores.queue.set_cancel_message(conversation.id, message.message_id)
        await self._assigner.auto_assign(conversation.shop)
        return conversation

    async def bot_outcome(self, sku: str | None, answered: bool, asked_at: datetime) -> None:
        """Bot-only service, reported beside human service: answer share and latency."""
        shop = shop_for(self._notifier.knowledge.catalog, sku, None, 0)
        now = self._clock.now()
        if answered:
            await self._sla.bot_answer(shop, max(0.0, (now - asked_at).total_seconds()), at=now)
        else:
            await self._sla.bot_unanswered(shop, at=now)

    async def open_conversation(self, buyer_id: int) -> Conversation | None:
        return await self._stores.conversations.open_for_buyer(buyer_id)

    async def note(self, buyer_id: int, role: Role, text: str) -> None:
        """The buyer's recent history (for the context card), kept before any handoff."""
        if text:
            await self._stores.messages.note_history(buyer_id, role, text, at=self._clock.now())

    async def relay_buyer_message(self, conversation: Conversation, incoming: Incoming,
                                  *, record_round: bool = True) -> None:
        """Store the buyer's message with its relay to the topic (one atomic step), once.

        `incoming.message_id` 0 means there is no Telegram message to copy (a question
        asked before a button was pressed): its text is relayed instead.
        """
        if incoming.message_id:
            payload: dict[str, object] = {"from_chat_id": incoming.chat_id, "message_id": incoming.message_id}
        else:
            payload = {"text": incoming.text}
        _, relay_id = await self._stores.messages.log_and_relay(
            conversation.id, Role.buyer, incoming.sender_id, incoming.text, Direction.to_agents, payload,
            kind=incoming.kind, file_id=incoming.file_id,
            telegram_message_id=incoming.message_id or None, at=self._clock.now(), dedup=incoming.dedup)
        if relay_id is None:
            return  # a redelivered update: stored and relayed already
        if record_round:
            await self._sla.buyer_message(conversation.shop, str(conversation.id), conversation.buyer_id,
                                          at=self._clock.now())
        self._relays.wake()

    async def buyer_edited(self, conversation: Conversation, edit: Edit) -> None:
        await self._relays.propagate_edit(conversation, Role.buyer, edit, self._settings.agents_chat_id)

    async def cancel(self, buyer_id: int) -> bool:
        """Leave the queue (or the agent): back to the bot. False when nothing was open."""
        conversation = await self._stores.conversations.open_for_buyer(buyer_id)
        if conversation is None:
            return False
        closed = await self._stores.conversations.release(conversation.id, CloseKind.cancelled, by=buyer_id, at=self._clock.now())
        self._notifier.remove_buyer_buttons(conversation, await self._stores.queue.take_cancel_message(conversation.id))
        await self._sla.close(conversation.shop, str(conversation.id), conversation.agent_id, at=self._clock.now())
        self._notifier.to_buyer(conversation, messages.buyer_cancelled())
        await self._notifier.to_topic_message(closed or conversation, messages.agents_cancelled())
        return True

    async def rate(self, buyer_id: int, conversation_id: int, rating: str) -> Conversation | None:
        """The buyer's survey answer for their own conversation; None when it is not theirs or not a rating."""
        conversation = await self._stores.conversations.get(conversation_id)
        if conversation is None or conversation.buyer_id != buyer_id or rating not in RATINGS:
            return None
        if not await self._stores.conversations.mark_rated(conversation.id):
            log.info("conversation %s already rated; a second press changes nothing", conversation.id)
            return None
        await self._sla.rating(conversation.shop, str(conversation.id), conversation.agent_id, rating,
                               at=self._clock.now())
        self._notifier.to_buyer(conversation, messages.buyer_rated(rating))
        await self._notifier.to_topic_message(conversation, messages.agents_rated(rating))
        return conversation
