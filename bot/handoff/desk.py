"""The service desk: handing buyers to human agents and relaying both ways.

Handlers stay thin and call this. The desk keeps every step durable: a buyer's message is
logged (with its relay) in Redis before anything is sent, relays are delivered by a
worker that picks up whatever a killed process left (at least once; the copy's id is
recorded so nothing is shown twice), and every claim, queue position and topic mapping
lives in the HandoffStore. It also feeds the SLA recorder with the events it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import CopyMessage, CreateForumTopic, EditMessageCaption, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageId

from bot.answers.composer import Asker, Handoff
from bot.clock import Clock
from bot.config import Settings
from bot.handoff.model import (
    CloseKind,
    Conversation,
    Direction,
    MessageKind,
    Presence,
    Relay,
    Role,
    Status,
    TakeOutcome,
    TakeResult,
    TransferOutcome,
)
from bot.handoff.policy import eta_minutes, is_material_change
from bot.handoff.store import HandoffStore
from bot.handoff.views import card_view, priority_for, shop_for, topic_name
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.answers.language import check, compliant_alternative
from bot.telegram.sending import Outbox, Outgoing
from bot.sla.alerts import AlertLoop, SlaAlert, SlaAlerts
from bot.sla.recorder import SlaRecorder
from bot.sla.report import (
    SlaReporter,
    next_weekly_post,
    template_data,
    today_and_week,
    weekly_post_period,
)

log = logging.getLogger(__name__)

RATE_PREFIX = "rate:"
CANCEL_DATA = "handoff:cancel"
CARD_PREFIX = "desk:"
RATINGS = ("satisfied", "neutral", "dissatisfied")
THREAD_GONE = "thread not found"


@dataclass(frozen=True)
class Incoming:
    """A buyer's or agent's message as the desk needs it (parsed by the handler)."""

    chat_id: int
    message_id: int
    sender_id: int
    text: str
    kind: MessageKind = MessageKind.text
    file_id: str | None = None


def kind_of(message: Message) -> tuple[MessageKind, str | None, str]:
    """What a Telegram message carries: (kind, file id, text or caption)."""
    if message.photo:
        return MessageKind.photo, message.photo[-1].file_id, message.caption or ""
    if message.document:
        return MessageKind.document, message.document.file_id, message.caption or ""
    if message.sticker:
        return MessageKind.sticker, message.sticker.file_id, message.sticker.emoji or ""
    # Relayed by copyMessage like the rest; the text is only what the history shows.
    if message.voice:
        return MessageKind.voice, message.voice.file_id, message.caption or ""
    if message.video:
        return MessageKind.video, message.video.file_id, message.caption or ""
    if message.video_note:
        return MessageKind.video_note, message.video_note.file_id, ""
    if message.location:
        return MessageKind.location, None, ""
    if message.contact:
        return MessageKind.contact, None, ""
    if message.poll:
        return MessageKind.poll, None, message.poll.question
    return MessageKind.text, None, message.text or ""


class Desk:
    def __init__(self, settings: Settings, bot: Bot, outbox: Outbox, store: HandoffStore,
                 sla: SlaRecorder, reporter: SlaReporter, holder: KnowledgeHolder, clock: Clock) -> None:
        self.settings = settings
        self.bot = bot
        self.outbox = outbox
        self.store = store
        self.sla = sla
        self.holder = holder
        self.clock = clock
        self.reporter = reporter
        self._relays_due = asyncio.Event()
        self._topic_lock = asyncio.Lock()  # topics are created rarely; one at a time is plenty
        self._tasks: list[asyncio.Task[None]] = []

    # -- people -----------------------------------------------------------------------

    @property
    def knowledge(self) -> Knowledge:
        return self.holder.current

    def agent_name(self, agent_id: int | None) -> str:
        staff = self.knowledge.catalog.staff.get(agent_id) if agent_id is not None else None
        return staff.name if staff else str(agent_id)

    def _agent_names(self) -> dict[int, str]:
        return {s.id: s.name for s in self.knowledge.catalog.staff.values()}

    def _render(self, template: str, context: Mapping[str, Any], locale: str | None = None) -> str:
        knowledge = self.knowledge
        return knowledge.render(locale or knowledge.replies.default_locale, template, context)

    def _to_topic(self, conversation: Conversation, text: str,
                  markup: InlineKeyboardMarkup | None = None) -> asyncio.Future[Any]:
        return self.outbox.send(Outgoing(self.settings.agents_chat_id, text, thread_id=conversation.topic_id,
                                         markup=markup, purpose="agents"))

    def _to_buyer(self, conversation: Conversation, template: str, context: Mapping[str, Any] | None = None,
                  markup: InlineKeyboardMarkup | None = None) -> None:
        locale = self.knowledge.locale(conversation.language_code)
        text = self._render(template, context or {}, locale)
        self.outbox.send(Outgoing(conversation.buyer_id, text, markup=markup, purpose=template))

    # -- handing off --------------------------------------------------------------------

    async def hand_off(self, asker: Asker, reason: Handoff, incoming: Incoming, *, sku: str | None,
                       order_id: str | None, promise: str) -> Conversation:
        """Queue the buyer for a human, open their topic, relay what they said, tell them where they are.

        `promise` is the already-rendered "a colleague will help" answer.
        """
        catalog = self.knowledge.catalog
        now = self.clock.now()
        shop = shop_for(catalog, sku, order_id, asker.user_id)
        conversation, created = await self.store.open(
            asker.user_id, asker.name, asker.language_code or "", shop, str(reason),
            priority_for(catalog, asker.user_id, str(reason)), stage_sku=sku, at=now)
        if created:
            await self.sla.handoff(conversation.shop, str(conversation.id), asker.user_id, at=now)
            log.info("handoff: buyer %s queued as conversation %s (shop %s, reason %s)",
                     asker.user_id, conversation.id, shop, reason)
        await self.relay_buyer_message(conversation, incoming, record_round=not created)
        position = await self.store.position(conversation.id) or 1
        minutes = await self._eta(position, conversation.shop)
        await self.store.set_told_position(conversation.id, position, minutes)
        locale = self.knowledge.locale(asker.language_code)
        queued = self._render("handoff/queued", {"ahead": position - 1, "eta_minutes": minutes}, locale)
        cancel = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
            text=self.knowledge.button_label(locale, "handoff.cancel"), callback_data=CANCEL_DATA)]])
        self.outbox.send(Outgoing(asker.user_id, f"{promise}\n{queued}", markup=cancel, purpose="handoff"))
        conversation = await self.ensure_topic(conversation)
        await self.auto_assign(conversation.shop)
        return conversation

    async def _eta(self, position: int, shop: str) -> int | None:
        """Minutes to wait, from the shop's online agents; None when nobody is online."""
        online = await self.store.agents_online(shop, self._staff_shops())
        return eta_minutes(position, len(online), self.store.settings)

    def _staff_shops(self) -> dict[int, tuple[str, ...]]:
        catalog = self.knowledge.catalog
        return {s.id: s.shops for s in catalog.staff.values() if catalog.is_agent(s.id)}

    async def ensure_topic(self, conversation: Conversation, *, recreate: bool = False) -> Conversation:
        """The conversation's forum topic, created (with its context card) when missing."""
        async with self._topic_lock:
            fresh = await self.store.get(conversation.id) or conversation
            if fresh.topic_id is not None and not (recreate and fresh.topic_id == conversation.topic_id):
                return fresh
            card = await self._card(fresh)
            # Through the outbox: a 429 (many handoffs at once) is waited out like any send.
            topic = await self.outbox.send(Outgoing(self.settings.agents_chat_id, method=CreateForumTopic(
                chat_id=self.settings.agents_chat_id,
                name=topic_name(self._render("agents/topic_name", {"card": card}))), purpose="create topic"))
            fresh = await self.store.set_topic(fresh.id, topic.message_thread_id) or fresh
            log.info("handoff: conversation %s has topic %s%s", fresh.id, topic.message_thread_id,
                     " (re-created)" if recreate else "")
            buttons = InlineKeyboardMarkup(inline_keyboard=[[
                InlineKeyboardButton(text="接待", callback_data=f"{CARD_PREFIX}take:{fresh.id}"),
                InlineKeyboardButton(text="交回机器人", callback_data=f"{CARD_PREFIX}back:{fresh.id}"),
                InlineKeyboardButton(text="结束", callback_data=f"{CARD_PREFIX}close:{fresh.id}"),
            ]])
            sent = self._to_topic(fresh, self._render("agents/card", {"card": card}), buttons)
            with contextlib.suppress(TelegramAPIError):
                await sent
            return fresh

    async def _card(self, conversation: Conversation) -> dict[str, Any]:
        history = await self.store.history(conversation.buyer_id, 10)
        return card_view(self.knowledge.catalog, conversation, history, conversation.stage_sku,
                         self._agent_names())

    # -- buyer side -----------------------------------------------------------------------

    async def bot_outcome(self, sku: str | None, answered: bool, asked_at: datetime) -> None:
        """Bot-only service, reported beside human service: answer share and latency."""
        shop = shop_for(self.knowledge.catalog, sku, None, 0)
        now = self.clock.now()
        if answered:
            await self.sla.bot_answer(shop, max(0.0, (now - asked_at).total_seconds()), at=now)
        else:
            await self.sla.bot_unanswered(shop, at=now)

    async def open_conversation(self, buyer_id: int) -> Conversation | None:
        return await self.store.open_for_buyer(buyer_id)

    async def note(self, buyer_id: int, role: Role, text: str) -> None:
        """The buyer's recent history (for the context card), kept before any handoff."""
        if text:
            await self.store.note_history(buyer_id, role, text, at=self.clock.now())

    async def relay_buyer_message(self, conversation: Conversation, incoming: Incoming,
                                  *, record_round: bool = True) -> None:
        """Store the buyer's message with its relay to the topic (one atomic step), once.

        `incoming.message_id` 0 means there is no Telegram message to copy (a question
        asked before a button was pressed): its text is relayed instead.
        """
        if incoming.message_id:
            known = await self.store.message_for_telegram(conversation.id, Role.buyer, incoming.message_id)
            if known is not None:
                return  # a redelivered update: stored and relayed already
            payload: dict[str, Any] = {"from_chat_id": incoming.chat_id, "message_id": incoming.message_id}
        else:
            payload = {"text": incoming.text}
        await self.store.log_and_relay(
            conversation.id, Role.buyer, incoming.sender_id, incoming.text, Direction.to_agents, payload,
            kind=incoming.kind, file_id=incoming.file_id,
            telegram_message_id=incoming.message_id or None, at=self.clock.now())
        if record_round:
            await self.sla.buyer_message(conversation.shop, str(conversation.id), conversation.buyer_id,
                                         at=self.clock.now())
        self._relays_due.set()

    async def buyer_edited(self, conversation: Conversation, message: Message) -> None:
        await self._propagate_edit(conversation, Role.buyer, message, self.settings.agents_chat_id)

    async def cancel(self, buyer_id: int) -> bool:
        conversation = await self.store.open_for_buyer(buyer_id)
        if conversation is None:
            return False
        closed = await self.store.release(conversation.id, CloseKind.cancelled, by=buyer_id, at=self.clock.now())
        await self.sla.close(conversation.shop, str(conversation.id), conversation.agent_id, at=self.clock.now())
        self._to_buyer(conversation, "handoff/cancelled")
        self._to_topic(closed or conversation, self._render("agents/cancelled", {}))
        return True

    async def rate(self, buyer_id: int, conversation_id: int, rating: str) -> Conversation | None:
        conversation = await self.store.get(conversation_id)
        if conversation is None or conversation.buyer_id != buyer_id or rating not in RATINGS:
            return None
        await self.sla.rating(conversation.shop, str(conversation.id), conversation.agent_id, rating,
                              at=self.clock.now())
        self._to_buyer(conversation, "handoff/rated", {"rating": rating})
        self._to_topic(conversation, self._render("agents/rated", {"rating": rating}))
        return conversation

    # -- agent side -----------------------------------------------------------------------

    async def conversation_in_topic(self, thread_id: int | None) -> Conversation | None:
        return None if thread_id is None else await self.store.for_topic(thread_id)

    async def take(self, conversation: Conversation, agent_id: int) -> TakeResult:
        result = await self.store.take(conversation.id, agent_id, at=self.clock.now())
        if result.outcome is TakeOutcome.taken and result.conversation is not None:
            self._to_topic(result.conversation, self._render("agents/taken", {"agent": self.agent_name(agent_id)}))
            self._to_buyer(result.conversation, "handoff/agent_joined", {"agent": self.agent_name(agent_id)})
        elif result.outcome is TakeOutcome.held_by_other:
            self._to_topic(conversation, self._render("agents/held_by_other",
                                                      {"holder": self.agent_name(result.holder)}))
        elif result.outcome in (TakeOutcome.closed, TakeOutcome.not_found):
            self._to_topic(conversation, self._render("agents/closed_already", {}))
        return result

    async def agent_says(self, conversation: Conversation, agent_id: int, incoming: Incoming) -> bool:
        """Relay an agent's message to the buyer, unless it breaks the service-language rules."""
        if not conversation.is_open:
            self._to_topic(conversation, self._render("agents/closed_already", {}))
            return False
        language = self.knowledge.language
        problems = check(incoming.text, language) if incoming.text else []
        if problems:
            log.info("agent %s message held in conversation %s: %s", agent_id, conversation.id,
                     "; ".join(map(str, problems)))
            self._to_topic(conversation, self._render("agents/held_message", {
                "problems": [str(p) for p in problems],
                "alternative": compliant_alternative(incoming.text, language)}))
            return False
        held = await self._held_by(conversation, agent_id)
        if held is None:
            return False
        known = await self.store.message_for_telegram(held.id, Role.agent, incoming.message_id)
        if known is None:
            await self._reply_to_buyer(held, agent_id, incoming.text,
                                       {"from_chat_id": incoming.chat_id, "message_id": incoming.message_id},
                                       kind=incoming.kind, file_id=incoming.file_id,
                                       telegram_message_id=incoming.message_id)
        return True

    async def _held_by(self, conversation: Conversation, agent_id: int) -> Conversation | None:
        """The conversation held by this agent, taking it first if needed; None if someone else has it."""
        if conversation.agent_id == agent_id:
            return conversation
        result = await self.take(conversation, agent_id)
        return result.conversation if result.ok else None

    async def _reply_to_buyer(self, conversation: Conversation, agent_id: int, text: str,
                              payload: Mapping[str, Any], **logged: Any) -> None:
        """Store an agent's reply with its relay to the buyer, and count it for the SLA."""
        await self.store.log_and_relay(conversation.id, Role.agent, agent_id, text, Direction.to_buyer,
                                       payload, at=self.clock.now(), **logged)
        await self.sla.agent_reply(conversation.shop, str(conversation.id), agent_id,
                                   conversation.buyer_id, text, at=self.clock.now())
        await self.note(conversation.buyer_id, Role.agent, text)
        self._relays_due.set()

    async def agent_edited(self, conversation: Conversation, message: Message) -> None:
        text = message.text or message.caption or ""
        if check(text, self.knowledge.language):
            return  # an edit into forbidden wording is not propagated
        await self._propagate_edit(conversation, Role.agent, message, conversation.buyer_id)

    async def quick_reply(self, conversation: Conversation, agent_id: int, text: str) -> None:
        """A quick reply (plain text, as the buyer reads it), sent as the agent's message;
        the topic's copy is HTML, so it is escaped there."""
        held = await self._held_by(conversation, agent_id)
        if held is None:
            return
        await self._reply_to_buyer(held, agent_id, text, {"text": text})
        self._to_topic(held, f"↪️ {html.escape(text, quote=False)}")

    async def transfer(self, conversation: Conversation, agent_id: int, target: str) -> bool:
        catalog = self.knowledge.catalog
        now = self.clock.now()
        if target.isdigit() and catalog.is_agent(int(target)):
            result = await self.store.transfer(conversation.id, agent_id, to_agent=int(target), at=now)
            label = self.agent_name(int(target))
        elif target in catalog.shops:
            result = await self.store.transfer(conversation.id, agent_id, to_shop=target, at=now)
            label = catalog.shops[target].name
        else:
            self._to_topic(conversation, self._render("agents/transfer_usage", {
                "agents": [{"id": s.id, "name": s.name} for s in catalog.staff.values() if catalog.is_agent(s.id)],
                "shops": [{"id": s.id, "name": s.name} for s in catalog.shops.values()]}))
            return False
        if result.outcome is TransferOutcome.held_by_other:
            self._to_topic(conversation, self._render("agents/held_by_other",
                                                      {"holder": self.agent_name(result.previous_agent)}))
            return False
        if result.outcome in (TransferOutcome.closed, TransferOutcome.not_found):
            self._to_topic(conversation, self._render("agents/closed_already", {}))
            return False
        self._to_topic(conversation, self._render("agents/transferred",
                                                  {"by": self.agent_name(agent_id), "target": label}))
        if result.conversation is not None and result.conversation.status is Status.queued:
            await self.auto_assign(result.conversation.shop)
        return True

    async def finish(self, conversation: Conversation, agent_id: int, kind: CloseKind) -> bool:
        """`/back` (silently to the bot) or `/close` (goodbye and the satisfaction survey)."""
        if not conversation.is_open:
            self._to_topic(conversation, self._render("agents/closed_already", {}))
            return False
        now = self.clock.now()
        closed = await self.store.release(conversation.id, kind, by=agent_id, at=now)
        await self.sla.close(conversation.shop, str(conversation.id), conversation.agent_id or agent_id, at=now)
        name = self.agent_name(agent_id)
        if kind is CloseKind.closed:
            locale = self.knowledge.locale(conversation.language_code)
            survey = InlineKeyboardMarkup(inline_keyboard=[[
                InlineKeyboardButton(text=self.knowledge.button_label(locale, f"rating.{r}"),
                                     callback_data=f"{RATE_PREFIX}{conversation.id}:{r}") for r in RATINGS]])
            self._to_buyer(conversation, "handoff/goodbye", markup=survey)
            self._to_topic(closed or conversation, self._render("agents/closed", {"agent": name}))
        else:
            self._to_topic(closed or conversation, self._render("agents/back", {"agent": name}))
        await self.auto_assign(conversation.shop)
        return True

    async def set_presence(self, agent_id: int, presence: Presence) -> None:
        await self.store.set_presence(agent_id, presence)
        if presence is Presence.online:
            staff = self.knowledge.catalog.staff.get(agent_id)
            for shop in staff.shops if staff else ():
                await self.auto_assign(shop)

    async def auto_assign(self, shop: str) -> None:
        """Give queued conversations to online agents of the shop, round robin, within the cap."""
        staff_shops = self._staff_shops()
        while True:
            online = await self.store.agents_online(shop, staff_shops)
            if not online:
                return
            assigned = await self.store.assign_next(shop, online, self.store.settings.agent_cap,
                                                    at=self.clock.now())
            if assigned is None:
                return
            conversation, agent_id = assigned
            conversation = await self.ensure_topic(conversation)
            self._to_topic(conversation, self._render("agents/assigned", {"agent": self.agent_name(agent_id)}))
            self._to_buyer(conversation, "handoff/agent_joined", {"agent": self.agent_name(agent_id)})

    async def sla_text(self) -> str:
        today, week = today_and_week(self.clock.now(), self.settings.sla)
        names = self._sla_names()
        periods = [template_data(await self.reporter.build(p), names) for p in (today, week)]
        return self._render("agents/sla", {"periods": periods, "current": True})

    def _sla_names(self) -> dict[str, str]:
        catalog = self.knowledge.catalog
        return {**{str(s.id): s.name for s in catalog.staff.values()},
                **{s.id: s.name for s in catalog.shops.values()}}

    # -- relays -----------------------------------------------------------------------------

    async def _propagate_edit(self, conversation: Conversation, role: Role, message: Message,
                              target_chat: int) -> None:
        logged = await self.store.message_for_telegram(conversation.id, role, message.message_id)
        copy = await self.store.delivered_copy(conversation.id, logged) if logged is not None else None
        if copy is None:
            return
        text = message.text or message.caption or ""
        method: EditMessageText | EditMessageCaption = (
            EditMessageText(chat_id=target_chat, message_id=copy, text=text, parse_mode=None)
            if message.text is not None else
            EditMessageCaption(chat_id=target_chat, message_id=copy, caption=text, parse_mode=None))
        with contextlib.suppress(TelegramBadRequest):
            await self.bot(method)

    async def deliver_pending(self) -> int:
        """Deliver every due relay once; returns how many were delivered."""
        relays = await self.store.pending_relays(100, at=self.clock.now())
        by_conversation: dict[int, list[Relay]] = {}
        for relay in relays:
            by_conversation.setdefault(relay.conversation_id, []).append(relay)
        results = await asyncio.gather(*(self._deliver_in_order(rs) for rs in by_conversation.values()))
        return sum(results)

    async def _deliver_in_order(self, relays: list[Relay]) -> int:
        delivered = 0
        for relay in relays:
            if not await self._deliver(relay):
                break  # keep the order: the rest wait for this one
            delivered += 1
        return delivered

    async def _deliver(self, relay: Relay) -> bool:
        conversation = await self.store.get(relay.conversation_id)
        if conversation is None:
            await self.store.drop_relay(relay.id, "conversation gone")
            return True
        payload = relay.payload
        if relay.direction is Direction.to_agents:
            if conversation.topic_id is None:
                conversation = await self.ensure_topic(conversation)
            chat_id, thread_id = self.settings.agents_chat_id, conversation.topic_id
        else:
            chat_id, thread_id = conversation.buyer_id, None
        if "text" in payload:
            method: CopyMessage | SendMessage = SendMessage(chat_id=chat_id, text=str(payload["text"]),
                                                            message_thread_id=thread_id, parse_mode=None)
        else:
            method = CopyMessage(chat_id=chat_id, from_chat_id=int(payload["from_chat_id"]),
                                 message_id=int(payload["message_id"]), message_thread_id=thread_id)
        try:
            sent = await self.outbox.send(Outgoing(chat_id, method=method, purpose=f"relay {relay.direction}"))
        except TelegramBadRequest as exc:
            if THREAD_GONE in exc.message and relay.direction is Direction.to_agents:
                log.warning("topic %s of conversation %s is gone; re-creating it", thread_id, conversation.id)
                await self.ensure_topic(conversation, recreate=True)
                self._relays_due.set()
                return False
            await self.store.drop_relay(relay.id, f"refused: {exc.message}")
            return True
        except TelegramForbiddenError as exc:
            await self.store.drop_relay(relay.id, f"forbidden: {exc.message}")
            return True
        except TelegramAPIError as exc:
            log.warning("relay %s not delivered yet (%s); it will be retried", relay.id, exc)
            return False
        message_id = sent.message_id if isinstance(sent, (Message, MessageId)) else 0
        await self.store.mark_delivered(relay.id, message_id, at=self.clock.now())
        return True

    async def _relay_loop(self) -> None:
        await self.store.release_claims(at=self.clock.now())  # a killed process's claims, now
        while True:
            self._relays_due.clear()
            try:
                await self.deliver_pending()
            except Exception:  # noqa: BLE001 - the worker must outlive one bad round
                log.exception("relay round failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._relays_due.wait(), timeout=1.0)

    # -- watching the queue -------------------------------------------------------------------

    async def watch_queue(self) -> None:
        """Tell waiting buyers when their place moves materially, and once if nobody comes."""
        settings = self.store.settings
        for shop in await self.store.queued_shops():
            await self.auto_assign(shop)
            for index, conversation in enumerate(await self.store.queue(shop), start=1):
                minutes = await self._eta(index, shop)
                if is_material_change(conversation.told_position, conversation.told_eta_minutes,
                                      index, minutes, settings):
                    await self.store.set_told_position(conversation.id, index, minutes)
                    self._to_buyer(conversation, "handoff/position", {"position": index, "eta_minutes": minutes})
        for conversation in await self.store.waiting_longer_than(settings.no_agent_after_s, at=self.clock.now()):
            if await self.store.mark_told_no_agent(conversation.id):
                self._to_buyer(conversation, "handoff/no_agent")

    async def _queue_loop(self) -> None:
        while True:
            try:
                await self.watch_queue()
            except Exception:  # noqa: BLE001
                log.exception("queue watch failed; retrying")
            await self.clock.sleep(5.0)

    async def on_alert(self, alert: SlaAlert) -> None:
        conversation = await self.store.get(int(alert.conversation_id))
        if conversation is None or not conversation.is_open:
            return
        if conversation.topic_id is None:
            conversation = await self.ensure_topic(conversation)
        agent = self.agent_name(int(alert.agent_id)) if alert.agent_id else None
        template = {"ping": "agents/ping", "missed": "agents/missed", "hold": "agents/hold_reminder"}.get(
            str(alert.kind))
        if template:
            self._to_topic(conversation, self._render(template, {
                "seconds": int(alert.waited_s), "minutes": max(1, int(alert.waited_s // 60)), "agent": agent}))

    async def _weekly_loop(self) -> None:
        settings = self.settings.sla
        while True:
            due = next_weekly_post(self.clock.now(), settings)
            await self.clock.sleep(max(0.0, (due - self.clock.now()).total_seconds()))
            try:
                report = await self.reporter.build(weekly_post_period(self.clock.now(), settings))
                text = self._render("agents/sla", {"periods": [template_data(report, self._sla_names())],
                                                   "current": False})
                self.outbox.send(Outgoing(self.settings.agents_chat_id, text, purpose="weekly report"))
            except Exception:  # noqa: BLE001
                log.exception("weekly SLA report failed")

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, alerts: SlaAlerts) -> None:
        loops = [self._relay_loop(), self._queue_loop(), self._weekly_loop(),
                 AlertLoop(alerts, self.clock, self.on_alert).run()]
        self._tasks = [asyncio.create_task(loop, name="desk") for loop in loops]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
