"""The relay worker: delivers logged messages between buyers and topics, in order, once.

A message is logged with its relay in Redis before anything is sent; this worker hands
out whatever is due (including what a killed or stopped worker left: its claims are
released one lease after the work is taken up), delivers each conversation's relays in
order (one failure holds the rest back), and records the copy's id so an edit can follow
and nothing is shown twice. A relay still on its way here is never handed out again here,
even when its claim runs out while its copy waits for the agents' group's pace.

Topics are created here, not while an update is handled: a relay (or a held note) to a
conversation with no topic yet hands that conversation's relays to a task of their own,
which creates the topic with its card (one at a time, at the agents' group's pace of 20
a minute) and then delivers them in order. A round never waits for that, so during a
wave of handoffs relays of conversations that have their topic (an agent's answer to
a buyer) keep going out; later relays of a conversation being opened join its task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import CopyMessage, EditMessageCaption, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup, Message, MessageId
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
                 notifier: Notifier, clock: Clock, release_after_s: float = 0.0, *,
                 due: asyncio.Event | None = None) -> None:
        """`release_after_s`: real seconds after the first round before a previous holder's
        claims are released (see `round`)."""
        self._settings = settings
        self._bot = bot
        self._outbox = outbox
        self._stores = stores
        self._topics = topics
        self._notifier = notifier
        self._clock = clock
        self.due = due if due is not None else asyncio.Event()
        """Set when a relay or note was logged (or must be retried now); the worker's loop waits on it."""
        self._recovered = False
        self._release_after_s = release_after_s
        self._first_round_at: float | None = None
        self._holding_since: datetime | None = None
        self._in_flight: set[int] = set()
        """Relays this process is delivering or holding for their topic. A claim can run out
        (or be released) while its copy still waits for the agents' group's pace: such a
        relay is never handed out here again, and this process never releases it."""
        self._opening: dict[int, list[Relay]] = {}
        """Conversations whose topic is being created, with their relays waiting for it (in order)."""
        self._opening_tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self.due.set()

    async def round(self) -> int:
        """One round of the worker: once `release_after_s` passed since the first round of
        this holding of the relay work, release the claims made before it; then deliver.

        Why release: claims left by a killed process, or by this one when it lost the work
        (Redis away) mid-round, would otherwise wait out the relay lease (30 s) before the
        buyer's message reaches the agents. Why wait: this worker may have taken the work
        over from a live process that lost it while Redis was away; that process is still
        marking what it sent (see `_mark_delivered`), and releasing its claims at once
        would send those copies twice. This process's own deliveries are never released.
        """
        if not self._recovered:
            if self._first_round_at is None:
                self._first_round_at, self._holding_since = time.monotonic(), self._clock.now()
            if time.monotonic() - self._first_round_at >= self._release_after_s:
                released = await self._stores.relays.release_claims(
                    at=self._clock.now(), claimed_before=self._holding_since, keep=set(self._in_flight))
                if released:
                    log.info("relay work taken up: %d relay(s) claimed before are due again", released)
                self._recovered = True
        return await self.deliver_pending()

    async def deliver_pending(self) -> int:
        """Deliver every due relay once; returns how many were delivered."""
        claimed = await self._stores.relays.pending_relays(BATCH, at=self._clock.now())
        relays = [r for r in claimed if r.id not in self._in_flight]  # its claim ran out; still on its way here
        self._in_flight.update(r.id for r in relays)
        by_conversation: dict[int, list[Relay]] = {}
        for relay in relays:
            by_conversation.setdefault(relay.conversation_id, []).append(relay)
        for conversation_id in [c for c in by_conversation if c in self._opening]:
            self._wait_for_topic(conversation_id, by_conversation.pop(conversation_id))
        results = await asyncio.gather(*(self._deliver_in_order(rs) for rs in by_conversation.values()))
        return sum(results)

    async def _deliver_in_order(self, relays: list[Relay]) -> int:
        delivered = 0
        waiting = list(relays)  # not started here yet
        try:
            while waiting:
                relay = waiting[0]
                conversation = await self._stores.conversations.get(relay.conversation_id)
                if conversation is not None and relay.direction is Direction.to_agents and conversation.topic_id is None:
                    self._wait_for_topic(conversation.id, waiting)
                    waiting = []  # the rest go out, in order, once the topic exists
                    break
                waiting.pop(0)
                # Shielded: when the relay work is stopped (its lease lost), a copy already on its
                # way is still sent and marked, instead of left claimed to be sent again later.
                if not await asyncio.shield(self._deliver(relay, conversation)):
                    break  # keep the order: the rest wait for this one
                delivered += 1
        finally:
            self._in_flight.difference_update(r.id for r in waiting)
        return delivered

    def _wait_for_topic(self, conversation_id: int, relays: list[Relay]) -> None:
        """Add `relays` to the conversation's wait for its topic, starting the wait if needed."""
        waiting = self._opening.get(conversation_id)
        if waiting is None:
            waiting = self._opening[conversation_id] = []
            task = asyncio.create_task(self._open_then_deliver(conversation_id, waiting),
                                       name=f"open topic {conversation_id}")
            self._opening_tasks.add(task)
            task.add_done_callback(self._opening_tasks.discard)
        waiting.extend(relays)
        waiting.sort(key=lambda r: r.id)

    async def _open_then_deliver(self, conversation_id: int, waiting: list[Relay]) -> None:
        """Create the conversation's topic (and card), then deliver what waited for it, in order.

        What is not delivered (a failure) stays claimed and comes back after its lease."""
        try:
            conversation = await self._stores.conversations.get(conversation_id)
            if conversation is not None and conversation.topic_id is None:
                await self._topics.ensure_topic(conversation)
            while waiting:  # later rounds may add to it while a send is awaited
                relay = waiting[0]
                if not await self._deliver(relay, await self._stores.conversations.get(conversation_id)):
                    break
                waiting.pop(0)
        except Exception:  # noqa: BLE001 - a failed topic must not stop the worker; the relays come back
            log.exception("could not open the topic of conversation %s; its %d relay(s) are retried "
                          "after their lease", conversation_id, len(waiting))
        finally:
            self._opening.pop(conversation_id, None)
            self._in_flight.difference_update(r.id for r in waiting)

    async def wait_opening(self) -> None:
        """Until the topics being created exist and what waited for them was delivered
        (tests run a round and then this, instead of sleeping)."""
        while self._opening_tasks:
            await asyncio.gather(*list(self._opening_tasks), return_exceptions=True)

    async def stop(self) -> None:
        """This process no longer runs the relay worker (its lease lost, or shutting down).

        Topics being created are left: their relays stay claimed and the next relay worker
        takes them up. Copies already on their way still go out and are marked. When this
        process holds the work again, its first rounds release what was left claimed."""
        tasks = list(self._opening_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._recovered = False
        self._first_round_at = self._holding_since = None

    async def _deliver(self, relay: Relay, conversation: Conversation | None) -> bool:
        """Copy one relay and settle it; False when it stays claimed (tried again later)."""
        try:
            return await self._copy_and_settle(relay, conversation)
        finally:
            self._in_flight.discard(relay.id)

    async def _copy_and_settle(self, relay: Relay, conversation: Conversation | None) -> bool:
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
        purpose = f"relay {relay.direction}"
        if "note" in payload:  # a notice held until the topic existed: HTML, as the notifier renders it
            markup = payload.get("markup")
            item = Outgoing(chat_id, str(payload["note"]), thread_id=thread_id, purpose=f"{purpose} note",
                            markup=InlineKeyboardMarkup.model_validate(markup) if markup else None)
        elif "text" in payload:
            item = Outgoing(chat_id, method=SendMessage(chat_id=chat_id, text=str(payload["text"]),
                                                        message_thread_id=thread_id, parse_mode=None),
                            purpose=purpose)
        else:
            item = Outgoing(chat_id, method=CopyMessage(chat_id=chat_id, from_chat_id=int(payload["from_chat_id"]),
                                                        message_id=int(payload["message_id"]),
                                                        message_thread_id=thread_id),
                            purpose=purpose)
        try:
            sent = await self._outbox.call(item)
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
            await self._notifier.to_topic_message(conversation, message)
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
