"""Comments in the live room: answer questions by replying, stay silent on noise.

Questions without a product name are about the product on stage. Anything personal is
answered with a short public invitation to private chat; order details never appear in
the room. Identical answers are gathered by the BurstGate into one message.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import Message

from bot.answers.composer import Asker
from bot.live_room.burst import BurstGate, RoomAsker
from bot.live_room.messages import room_answer
from bot.clock import Clock
from bot.config import Settings
from bot.handoff.buyer_desk import BuyerDesk
from bot.telegram.filters import HasText, InChat
from bot.understanding.intents import UNSURE, Channel
from bot.knowledge.snapshot import Knowledge
from bot.live_room.stage import LiveStage

log = logging.getLogger(__name__)


def make_router(settings: Settings) -> Router:
    router = Router(name="live_room")
    router.message.filter(InChat(settings.live_room_chat_id))

    @router.message(HasText())
    async def on_comment(message: Message, text: str, knowledge: Knowledge, stage: LiveStage,
                         burst: BurstGate, clock: Clock, buyer_desk: BuyerDesk, private_link: str) -> None:
        user = message.from_user
        if user is None or user.is_bot:
            return
        on_stage = await stage.current()
        match = knowledge.matcher.match(text, Channel.live, on_stage)
        answer = knowledge.composer.compose(match, Channel.live, Asker(user.id, user.full_name), clock.now())
        if answer is None:
            log.debug("room comment %s stays unanswered (%s)", message.message_id, match.intent)
            if match.intent == UNSURE:
                await buyer_desk.bot_outcome(match.sku, answered=False, asked_at=message.date)
            return
        locale = knowledge.locale(user.language_code)
        reply = knowledge.render_message(locale, room_answer(answer, private_link))
        burst.ask(message.chat.id, (locale, reply),
                  RoomAsker(user.id, user.full_name, message.message_id), (locale, reply))
        await buyer_desk.bot_outcome(match.sku, answered=True, asked_at=message.date)

    return router
