"""The relay worker: delivers logged messages between buyers and topics, in order, once.

A message is logged with its relay in Redis before anything is sent; this worker hands
out whatever is due (including what a killed process left: its claims are released on
the first round), delivers each conversation's relays in order (one failure holds the
rest back), and records the copy's id so an edit can follow and nothing is shown twice.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import CopyMessage, EditMessageCaption, EditMessageText, SendMessage
from aiogram.types import Message, MessageId
from redis.exceptions import RedisError

from bot.clock import Clock
from bot.config import Settings
from bot.handoff import messages
from bot.handoff.incoming import Edit
from bot.handoff.model import Conversation, Direction, Relay, Role
from bot.handoff.notifier import Notifier
from bot.handoff.stores import HandoffStores
from bot.handoff.topics import Topics
from bot.telegram.sending import Outbox, Outgoing

log = logging.getLogger(__name__)

THREAD_GONE = "thread not found"
MARK_PATIENCE_S = 120.0
BATCH = 100


class RelayWorker:
    def __init__(self, settings: Settings, bot: Bot, outbox: Outbox, stores: HandoffStores, topics: Topics,
                 notifier: Notifier, clock: Clock, release_after_s: float = 0.0) -> None:
        """`release_after_s`: real seconds after the first round before a previous holder's
        claims are released (see `round`)."""
        self._settings = settings
        self._bot = bot
        self._outbox = outbox
        self._stores = stores
        self._topics = topics
        self._notifier = notifier
        self._clock = clock
        self.due = asyncio.Event()
        """Set when a relay was logged (or must be retried now); the worker's loop waits on it."""
        self._recovered = False
        self._release_after_s = release_after_s
        self._first_round_at: float | None = None

    def wake(self) -> None:
        self.due.set()

    async def round(self) -> int:
        """One round of the worker: once `release_after_s` passed since the first, release a
        killed process's claims; then deliver.

        Why wait: this worker may have taken the relay work over from a live process that
        lost it while Redis was away. That process is still marking what it sent (see
        `_mark_delivered`); releasing its claims at once would send those copies twice.
        """
        if not self._recovered:
            first = self._first_round_at = self._first_round_at or time.monotonic()
            if time.monotonic() - first >= self._release_after_s:
                await self._stores.relays.release_claims(at=self._clock.now())
                self._recovered = True
        return await self.deliver_pending()

    async def deliver_pending(self) -> int:
        """Deliver every due relay once; returns how many were delivered."""
        relays = await self._stores.relays.pending_relays(BATCH, at=self._clock.now())
        by_conversation: dict[int, list[Relay]] = {}
        for relay in relays:
            by_conversation.setdefault(relay.conversation_id, []).append(relay)
        results = await asyncio.gather(*(self._deliver_in_order(rs) for rs in by_conversation.values()))
        return sum(results)

    async def _deliver_in_order(self, relays: list[Relay]) -> int:
        delivered = 0
        for relay in relays:
            # Shielded: when the relay work is stopped (its lease lost), a copy already on its
            # way is still sent and marked, instead of left claimed to be sent again later.
            if not await asyncio.shield(self._deliver(relay)):
                break  # keep the order: the rest wait for this one
            delivered += 1
        return delivered

    async def _deliver(self, relay: Relay) -> bool:
        conversation = await self._stores.conversations.get(relay.conversation_id)
        if conversation is None:
            await self._stores.relays.drop_relay(relay.id, "conversation gone")
            return True
        payload = relay.payload
        if relay.direction is Direction.to_agents:
            if conversation.topic_id is None:
                conversation = await self._topics.ensure_topic(conversation)
            chat_id, thread_id = self._settings.agents_chat_id, conversation.topic_id
        else:
            chat_id, thread_id = conversation.buyer_id, None
        if "text" in payload:
            method: CopyMessage | SendMessage = SendMessage(chat_id=chat_id, text=str(payload["text"]),
                                                            message_thread_id=thread_id, parse_mode=None)
        else:
            method = CopyMessage(chat_id=chat_id, from_chat_id=int(payload["from_chat_id"]),
                                 message_id=int(payload["message_id"]), message_thread_id=thread_id)
        try:
            sent = await self._outbox.call(Outgoing(chat_id, method=method, purpose=f"relay {relay.direction}"))
        except TelegramBadRequest as exc:
            if THREAD_GONE in exc.message and relay.direction is Direction.to_agents:
                log.warning("topic %s of conversation %s is gone; re-creating it", thread_id, conversation.id)
                await self._topics.ensure_topic(conversation, recreate=True)
                # Due again now, not after its lease: it goes to the new topic next round.
                await self._stores.relays.retry_relay(relay.id, at=self._clock.now())
                self.wake()
                return False
            await self._set_aside(conversation, relay, f"refused: {exc.message}")
            return True
        except TelegramForbiddenError as exc:
            if relay.direction is Direction.to_agents:  # the bot lost the agents' group
                await self._set_aside(conversation, relay, f"forbidden: {exc.message}")
            else:  # the buyer blocked the bot: nobody can be reached there
                await self._stores.relays.drop_relay(relay.id, f"forbidden: {exc.message}")
            return True
        except TelegramAPIError as exc:
            if relay.attempts >= self._settings.handoff.relay_max_attempts:
                await self._set_aside(conversation, relay, f"not delivered after {relay.attempts} attempts: {exc}")
                return True
            log.warning("relay %s not delivered yet (%s); it will be retried", relay.id, exc)
            return False
        message_id = sent.message_id if isinstance(sent, (Message, MessageId)) else 0
        await self._mark_delivered(relay.id, message_id)
        return True

    async def _mark_delivered(self, relay_id: int, message_id: int) -> None:
        """Telegram has the copy: the mark must reach Redis, or the relay comes back when its
        claim runs out and is shown twice. Retried while Redis is away."""
        deadline = time.monotonic() + MARK_PATIENCE_S
        delay = 0.1
        while True:
            try:
                await self._stores.relays.mark_delivered(relay_id, message_id, at=self._clock.now())
                return
            except RedisError as exc:
                if time.monotonic() >= deadline:
                    raise
                if delay == 0.1:
                    log.warning("relay %s delivered but not marked yet (%s); trying until Redis is back",
                                relay_id, exc)
                await asyncio.sleep(delay)
                delay = min(1.0, delay * 2)

    async def _set_aside(self, conversation: Conversation, relay: Relay, reason: str) -> None:
        """Keep a relay that cannot go out aside and tell someone: the conversation's topic
        for a copy the buyer did not get, ops when the agents' group itself refused."""
        if not await self._stores.relays.set_aside(relay.id, reason, at=self._clock.now()):
            return
        message = messages.relay_set_aside(conversation, relay.direction is Direction.to_buyer, reason)
        if relay.direction is Direction.to_buyer and conversation.topic_id is not None:
            self._notifier.to_topic_message(conversation, message)
        else:
            self._notifier.to_ops(message)

    async def propagate_edit(self, conversation: Conversation, role: Role, edit: Edit, target_chat: int) -> None:
        """Edit the delivered copy of an edited message, if it was delivered."""
        logged = await self._stores.messages.message_for_telegram(conversation.id, role, edit.message_id)
        copy = await self._stores.relays.delivered_copy(conversation.id, logged) if logged is not None else None
        if copy is None:
            return
        method: EditMessageText | EditMessageCaption = (
            EditMessageCaption(chat_id=target_chat, message_id=copy, caption=edit.text, parse_mode=None)
            if edit.is_caption else
            EditMessageText(chat_id=target_chat, message_id=copy, text=edit.text, parse_mode=None))
        # Paced like every other message; a refused edit (too old, unchanged) is logged there.
        self._outbox.send(Outgoing(target_chat, method=method, purpose=f"edit by {role}"))
