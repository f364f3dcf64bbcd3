"""Assembling the bot: Dispatcher, routers, middlewares and the services they use.

The same assembly serves `livedesk run` (real Telegram), `livedesk sandbox` (the
emulator) and the end-to-end tests, so what is tested is what runs. Nothing here is
global: `build_runtime` receives its Bot, Redis and clock and returns an object that
owns them until `close()`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.aftersales.cases import CaseStore
from bot.aftersales.reviews import ReviewInvitations, complaint_check
from bot.aftersales.service import AftersalesService
from bot.answers.message import Message
from bot.clock import Clock
from bot.config import Settings
from bot.customers.archive import ChatArchive
from bot.customers.card import CardRecords
from bot.customers.records import CustomerRecords
from bot.customers.started import StartedChats
from bot.customers.store import CustomerStore
from bot.followups.once import OnceStore
from bot.followups.payment_reminder import PaymentReminders
from bot.handoff.agent_desk import AgentDesk
from bot.handoff.assignment import Assigner
from bot.handoff.buyer_desk import BuyerDesk
from bot.handoff.notifier import Notifier
from bot.handoff.queue_watch import QueueWatcher
from bot.handoff.relays import RelayWorker
from bot.handoff.sla_notices import SlaAlertPresenter
from bot.handoff.stores import HandoffStores, handoff_stores
from bot.handoff.topics import Topics
from bot.knowledge import messages as data_messages
from bot.knowledge.snapshot import KnowledgeHolder
from bot.live_room.burst import BurstGate
from bot.live_room.gathering_store import GatheringStore, Taken
from bot.live_room.messages import gathered, private_link
from bot.live_room.stage import LiveStage, StageStore
from bot.runtime.background import Background, desk_background
from bot.runtime.effects import SentEffects
from bot.runtime.keys import RuntimeKeys
from bot.runtime.metrics import RuntimeMetrics
from bot.runtime.send_pacing import RedisPacer
from bot.shop.orders import DemoOrders, OrderSource
from bot.sla.alerts import AlertSweep, SlaAlerts
from bot.sla.posting import SlaReportPoster
from bot.sla.recorder import SlaRecorder
from bot.sla.report import SlaReporter
from bot.telegram.archive_middlewares import BuyerArchiveMiddleware, OutgoingArchiveMiddleware
from bot.telegram.fsm_keys import CONVERSATION_TTL, ConversationKeyBuilder
from bot.telegram.middlewares import (
    BuyerHistoryMiddleware,
    KnowledgeMiddleware,
    StartedChatMiddleware,
)
from bot.telegram.sending import Limits, Outbox, Outgoing
from bot.telegram.session import TolerantSession
from handlers import get_routers

log = logging.getLogger(__name__)


def make_bot(token: str, api_base: str | None) -> Bot:
    session = TolerantSession(api=TelegramAPIServer.from_base(api_base)) if api_base else TolerantSession()
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


@dataclass
class Runtime:
    settings: Settings
    bot: Bot
    dp: Dispatcher
    outbox: Outbox
    burst: BurstGate
    holder: KnowledgeHolder
    redis: Redis
    background: Background
    relays: RelayWorker
    """Exposed so a test (or an operator's tool) can run one relay round on demand."""
    agent_desk: AgentDesk
    """What agents do, for the console as for the agents' group."""
    handoff: HandoffStores
    """The handoff stores (conversations, queues, logs), read by the console (and by tests)."""
    clock: Clock
    metrics: RuntimeMetrics

    async def reload_and_report(self) -> None:
        """Reload the data files (SIGHUP, file watcher) and tell the ops accounts if it failed."""
        errors = await self.holder.reload()
        if errors:
            self.tell_ops(data_messages.reload_failed(errors))

    def tell_ops(self, message: Message) -> None:
        """Send a notice (a template contract's message) to every ops account (settings and
        staff with the ops role)."""
        knowledge = self.holder.current
        text = knowledge.render_message(knowledge.replies.default_locale, message)
        for user_id in knowledge.catalog.ops_accounts(self.settings.ops_ids):
            self.outbox.send(Outgoing(user_id, text, purpose="ops"))

    async def learn_identity(self) -> None:
        """Learn the bot's own name (for the private-chat link the handlers offer)."""
        me = await self.bot.me()
        self.dp["private_link"] = private_link(me.username or "")
        log.info("bot @%s (%s) serving live room %s", me.username, me.id, self.settings.live_room_chat_id)

    async def run_background(self) -> None:
        """The background workers (relays, queue, alerts, weekly report, follow-ups) until
        cancelled; run under a lease by the workers so that exactly one process runs them."""
        self.background.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.background.stop()
            # Topics still being created are left to the next owner: their relays stay claimed.
            await self.relays.stop()

    async def start_background(self) -> None:
        """Learn the bot's own name and start the background workers in this process (the
        in-process path the end-to-end harness drives)."""
        self.background.start()
        self.burst.start()
        await self.learn_identity()

    async def start_polling(self, polling_timeout: int = 10) -> None:
        """Poll Telegram until stopped. Updates are handled one after another so an update
        is confirmed to Telegram only once it has been handled: a crash loses nothing, and
        the desk drops what a redelivery would duplicate."""
        await self.start_background()
        await self.bot.delete_webhook()
        await self.dp.start_polling(self.bot, handle_signals=False, close_bot_session=False,
                                    polling_timeout=polling_timeout, handle_as_tasks=False,
                                    allowed_updates=self.dp.resolve_used_update_types())

    async def close(self) -> None:
        """Post gathered room answers, deliver the outbound queue, then close the session."""
        await self.background.stop()
        await self.relays.stop()
        await self.burst.close()
        await self.outbox.close()
        # The FSM storage shares the Redis client the caller owns (and closes).
        await self.bot.session.close()


def build_runtime(settings: Settings, *, bot: Bot, redis: Redis, clock: Clock,
                  holder: KnowledgeHolder, orders: OrderSource | None = None) -> Runtime:
    """`orders` is the shop's order source; by default the demo orders of the live data files."""
    storage = RedisStorage(redis, key_builder=ConversationKeyBuilder(settings.redis_prefix),
                           state_ttl=CONVERSATION_TTL, data_ttl=CONVERSATION_TTL)
    dp = Dispatcher(storage=storage)
    dp.update.outer_middleware(KnowledgeMiddleware(holder))
    dp.include_routers(*get_routers(settings))

    metrics = RuntimeMetrics()
    runtime_keys = RuntimeKeys(settings.redis_prefix, settings.runtime.stream_partitions)
    limits = Limits(per_second=settings.send_rate_per_second,
                    group_per_minute=settings.group_messages_per_minute,
                    private_per_second=settings.private_messages_per_second,
                    max_attempts=settings.send_max_attempts)
    outbox = Outbox(bot, limits,
                    effects=SentEffects(redis, runtime_keys, bot, claim_seconds=settings.runtime.claim_idle_seconds),
                    observe=metrics, pacer=RedisPacer(redis, runtime_keys, limits))

    def post_gathered(taken: Taken) -> asyncio.Future[Any]:
        # The answer inside was checked against the language rules when it was rendered;
        # the wrapper adds only the askers' own names, which are not the shop's words.
        message = gathered(taken.named, taken.more, taken.answer)
        text = holder.current.replies.render(taken.locale, message.template, message.context).text
        return outbox.send(Outgoing(taken.room_id, text, reply_to=taken.named[0].message_id,
                                    purpose="room answer", effect_key=taken.effect_key))

    burst = BurstGate(GatheringStore(redis, settings.redis_prefix), clock,
                      gather_seconds=settings.burst_gather_seconds, repeat_seconds=settings.burst_repeat_seconds,
                      max_named=settings.burst_max_mentions, post=post_gathered)
    handoff = handoff_stores(redis, settings.redis_prefix, clock, settings.handoff)
    sla = SlaRecorder(redis, settings.sla, clock, settings.redis_prefix)
    reporter = SlaReporter(redis, settings.sla, settings.redis_prefix)
    relays_due = asyncio.Event()
    notifier = Notifier(settings, outbox, holder, handoff.relays, relays_due)
    stage = LiveStage(StageStore(redis, settings.redis_prefix), settings.live_room_chat_id)
    order_source = orders or DemoOrders(lambda: holder.current.catalog.orders)
    cases = CaseStore(redis, settings.redis_prefix, clock)
    customers = CustomerRecords(CustomerStore(redis, settings.redis_prefix, clock), order_source, cases)
    topics = Topics(settings, handoff, notifier, stage.current, CardRecords(customers, clock))
    assigner = Assigner(handoff, notifier, clock)
    # A new holder of the background lease waits one lease before releasing the relays the
    # previous holder claimed: long enough for a live one cut off from Redis to mark them.
    relays = RelayWorker(settings, bot, outbox, handoff, topics, notifier, clock,
                         release_after_s=settings.runtime.lease_seconds, due=relays_due)
    buyer_desk = BuyerDesk(settings, handoff, sla, notifier, assigner, relays, clock)
    agent_desk = AgentDesk(handoff, sla, notifier, assigner, relays, clock)
    sla_reports = SlaReportPoster(settings, reporter, holder, outbox, clock)
    presenter = SlaAlertPresenter(handoff, notifier)
    alerts = AlertSweep(SlaAlerts(redis, settings.sla, clock, settings.redis_prefix), clock, presenter.on_alert)

    async def open_reason(buyer_id: int) -> str | None:
        conversation = await buyer_desk.open_conversation(buyer_id)
        return conversation.reason if conversation else None

    once = OnceStore(redis, settings.redis_prefix)
    followups = (PaymentReminders(order_source, once, holder, outbox),
                 ReviewInvitations(order_source, once, holder, outbox, complaint_check(cases, open_reason)))
    background = desk_background(clock, relays, QueueWatcher(handoff, notifier, assigner, clock), alerts,
                                 sla_reports, followups)
    dp.message.outer_middleware(BuyerHistoryMiddleware(buyer_desk))
    archive = ChatArchive(redis, settings.redis_prefix, clock, timedelta(days=settings.archive_retention_days),
                          holder.current.catalog.timezone)
    dp.message.outer_middleware(BuyerArchiveMiddleware(archive))
    bot.session.middleware(OutgoingArchiveMiddleware(archive, settings.agents_chat_id))
    started = StartedChats(redis, settings.redis_prefix)
    dp.message.outer_middleware(StartedChatMiddleware(started))

    dp.workflow_data.update(
        settings=settings, clock=clock, holder=holder, outbox=outbox, burst=burst, stage=stage,
        buyer_desk=buyer_desk, agent_desk=agent_desk, sla_reports=sla_reports, started=started,
        customers=customers, orders=order_source,
        aftersales=AftersalesService(cases, order_source, clock),
    )
    return Runtime(settings=settings, bot=bot, dp=dp, outbox=outbox, burst=burst, holder=holder, redis=redis,
                   background=background, relays=relays, agent_desk=agent_desk, handoff=handoff,
                   clock=clock, metrics=metrics)
