"""Comments in the live room: answer questions by replying, stay silent on noise.

Questions without a product name are about the product on stage. Anything personal is
answered with a short public invitation to private chat; order details never appear in
the room. Identical answers are gathered by the BurstGate into one message.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from aiogram import Router
from aiogram.types import Message, User

from bot.answers.composer import Answer, Asker
from bot.clock import Clock
from bot.config import Settings
from bot.customers.started import StartedChats
from bot.handoff.buyer_desk import BuyerDesk
from bot.handoff.model import Role
from bot.knowledge.snapshot import Knowledge
from bot.live_room.burst import BurstGate
from bot.live_room.messages import room_answer
from bot.live_room.room_asker import RoomAsker
from bot.live_room.stage import LiveStage
from bot.shop.orders import OrderSource
from bot.telegram.filters import HasText, InChat
from bot.telegram.incoming import incoming_from
from bot.telegram.keyboards import keyboard
from bot.telegram.sending import Outbox, Outgoing
from bot.understanding.intents import UNSURE, Channel

log = logging.getLogger(__name__)

INVITE = "live/invite_private"


async def _answer_privately(message: Message, user: User, text: str, on_stage: str | None, knowledge: Knowledge,
                            clock: Clock, started: StartedChats, buyer_desk: BuyerDesk, outbox: Outbox,
                            orders: OrderSource) -> bool:
    """Send the answer to a private question (own order, refund…) to the buyer's private
    chat, if they have started the bot; False when only the invitation can be given.

    A question that needs an agent (a complaint, a changed address) is handed off as if
    asked in private: the buyer hears from the desk there, and the comment itself is
    copied to the agents' topic.
    """
    if not await started.has_started(user.id):
        return False
    match = knowledge.matcher.match(text, Channel.private, on_stage)
    own = (tuple(await orders.orders_of(user.id))
           if knowledge.composer.needs_orders(match.intent, match.order_id) else None)
    asker = Asker(user.id, user.full_name, user.language_code, own)
    answer: Answer | None = knowledge.composer.compose(match, Channel.private, asker, clock.now())
    if answer is None:
        return False
    locale = knowledge.locale(user.language_code)
    reply = knowledge.render_answer(locale, answer)
    if answer.handoff is not None:
        await buyer_desk.hand_off(asker, answer.handoff, incoming_from(message), sku=match.sku,
                                  order_id=match.order_id, promise=reply)
        return True
    await buyer_desk.note(user.id, Role.buyer, text)
    await buyer_desk.note(user.id, Role.bot, reply)
    outbox.send(Outgoing(user.id, reply, markup=keyboard(knowledge, locale, answer.buttons),
                         purpose=f"{answer.template} (asked in the room)"))
    return True


def make_router(settings: Settings) -> Router:
    router = Router(name="live_room")
    router.message.filter(InChat(settings.live_room_chat_id))

    @router.message(HasText())
    async def on_comment(message: Message, text: str, knowledge: Knowledge, stage: LiveStage,
                         burst: BurstGate, clock: Clock, buyer_desk: BuyerDesk, private_link: str,
                         started: StartedChats, outbox: Outbox, orders: OrderSource) -> None:
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
        if answer.template == INVITE:  # the topic is private: never answered in public
            sent = await _answer_privately(message, user, text, on_stage, knowledge, clock, started, buyer_desk,
                                           outbox, orders)
            answer = replace(answer, context={**answer.context, "sent_privately": sent})
        reply = knowledge.render_message(locale, room_answer(answer, private_link))
        await burst.ask(message.chat.id, locale, reply, RoomAsker(user.id, user.full_name, message.message_id))
        await buyer_desk.bot_outcome(match.sku, answered=True, asked_at=message.date)

    return router
