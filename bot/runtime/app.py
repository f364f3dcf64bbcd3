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

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.redis import RedisStorage
from markupsafe import Markup
from redis.asyncio import Redis

from bot.live_room.burst import BurstGate, RoomAsker
from bot.clock import Clock
from bot.runtime.effects import SentEffects
from bot.runtime.keys import RuntimeKeys
from bot.runtime.metrics import RuntimeMetrics
from bot.config import Settings
from bot.telegram.fsm_keys import CONVERSATION_TTL, ConversationKeyBuilder
from bot.handoff.desk import Desk
from bot.handoff.store import HandoffStore
from bot.knowledge.snapshot import KnowledgeHolder
from bot.telegram.middlewares import BuyerHistoryMiddleware, KnowledgeMiddleware
from bot.telegram.sending import Limits, Outbox, Outgoing
from bot.sla.alerts import SlaAlerts
from bot.sla.recorder import SlaRecorder
from bot.sla.report import SlaReporter
from bot.live_room.stage import StageStore
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
    desk: Desk
    alerts: SlaAlerts
    clock: Clock
    metrics: RuntimeMetrics

    async def reload_and_report(self) -> None:
        """Reload the data files (SIGHUP, file watcher) and tell the ops accounts if it failed."""
        errors = await self.holder.reload()
        if errors:
            self.tell_ops("ops/reload_failed", {"errors": [str(e) for e in errors]})

    def tell_ops(self, template: str, data: dict[str, object]) -> None:
        """Send a rendered ops template to every ops account (settings and staff with the ops role)."""
        knowledge = self.holder.current
        text = knowledge.render(knowledge.replies.default_locale, template, data)
        ops = set(self.settings.ops_ids) | {s.id for s in knowledge.catalog.staff.values()
                                             if knowledge.catalog.is_ops(s.id)}
        for user_id in sorted(ops):
            self.outbox.send(Outgoing(user_id, text, purpose="ops"))

    async def learn_identity(self) -> None:
        """Learn the bot's own name (for the private-chat link the handlers offer)."""
        me = await self.bot.me()
        self.dp["private_link"] = f"https://t.me/{me.username}?start=live"
        log.info("bot @%s (%s) serving live room %s", me.username, me.id, self.settings.live_room_chat_id)

    async def run_background(self) -> None:
        """The desk's loops (relays, queue, alerts, weekly report) until cancelled; run under a
        lease by the workers so that exactly one process runs them."""
        self.desk.start(self.alerts)
        try:
            await asyncio.Event().wait()
        finally:
            await self.desk.stop()

    async def start_background(self) -> None:
        """Learn the bot's own name and start the desk's workers (relays, queue, alerts)."""
        self.desk.start(self.alerts)
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
        await self.desk.stop()
        await self.burst.close()
        await self.outbox.close()
        # The FSM storage shares the Redis client the caller owns (and closes).
        await self.bot.session.close()


def build_runtime(settings: Settings, *, bot: Bot, redis: Redis, clock: Clock,
                  holder: KnowledgeHolder) -> Runtime:
    storage = RedisStorage(redis, key_builder=ConversationKeyBuilder(settings.redis_prefix),
                           state_ttl=CONVERSATION_TTL, data_ttl=CONVERSATION_TTL)
    dp = Dispatcher(storage=storage)
    dp.update.outer_middleware(KnowledgeMiddleware(holder))
    dp.include_routers(*get_routers(settings))

    metrics = RuntimeMetrics()
    outbox = Outbox(bot, Limits(per_second=settings.send_rate_per_second,
                                group_per_minute=settings.group_messages_per_minute,
                                private_per_second=settings.private_messages_per_second,
                                max_attempts=settings.send_max_attempts),
                    effects=SentEffects(redis, RuntimeKeys(settings.redis_prefix, settings.runtime.stream_partitions),
                                        bot, claim_seconds=settings.runtime.claim_idle_seconds),
                    observe=metrics)

    async def post_gathered(chat_id: int, payload: tuple[str, str], askers: list[RoomAsker]) -> None:
        locale, answer = payload
        # The answer inside was checked against the language rules when it was rendered;
        # the wrapper adds only the askers' own names, which are not the shop's words.
        text = holder.current.replies.render(locale, "live/burst", {
            "askers": [{"id": a.user_id, "name": a.name} for a in askers], "answer": Markup(answer),
        }).text
        outbox.send(Outgoing(chat_id, text, reply_to=askers[0].message_id, purpose="room answer"))

    burst = BurstGate(clock, settings.burst_gather_seconds, settings.burst_repeat_seconds, post_gathered)
    store = HandoffStore(redis, settings.redis_prefix, clock, settings.handoff)
    sla = SlaRecorder(redis, settings.sla, clock, settings.redis_prefix)
    reporter = SlaReporter(redis, settings.sla, settings.redis_prefix)
    desk = Desk(settings, bot, outbox, store, sla, reporter, holder, clock)
    dp.message.outer_middleware(BuyerHistoryMiddleware(desk))

    dp.workflow_data.update(
        settings=settings, clock=clock, holder=holder, outbox=outbox, burst=burst,
        stage=StageStore(redis, settings.redis_prefix), desk=desk,
    )
    return Runtime(settings=settings, bot=bot, dp=dp, outbox=outbox, burst=burst, holder=holder, redis=redis,
                   desk=desk, alerts=SlaAlerts(redis, settings.sla, clock, settings.redis_prefix),
                   clock=clock, metrics=metrics)
