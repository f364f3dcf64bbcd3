"""Private chat with a buyer: /start, /help, questions, ask-back buttons, own orders.

When the bot is unsure it asks back once with buttons of the likely topics; if the next
message is still unclear, it promises a human colleague and records the request before
saying so. The product discussed last is remembered for follow-ups ("那L码呢").
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, User

from bot.answers import HUMAN_DATA, PRODUCT_PREFIX, TOPIC_PREFIX, Answer, Asker, Handoff
from bot.clock import Clock
from bot.config import Settings
from bot.filters import CallbackPrefix, HasText, PrivateChat
from bot.handoff_requests import HandoffRequest, HandoffRequests
from bot.intents import Channel
from bot.keyboards import keyboard
from bot.knowledge import Knowledge
from bot.outbound import Outbox, Outgoing
from bot.stage import StageStore

log = logging.getLogger(__name__)

LAST_SKU = "last_sku"
LAST_CART = "last_cart"
ASKED_TEXT = "asked_text"


class Conversation(StatesGroup):
    clarifying = State()


def _asker(user: User) -> Asker:
    return Asker(user.id, user.full_name, user.language_code)


async def _say(answer: Answer, chat_id: int, asker: Asker, knowledge: Knowledge, outbox: Outbox,
               handoffs: HandoffRequests, clock: Clock, text: str, reply_to: int | None = None) -> None:
    if answer.handoff is not None:
        # Durable first: the buyer is told a colleague will help only once that is recorded.
        await handoffs.record(HandoffRequest(asker.user_id, chat_id, str(answer.handoff), text, clock.now()))
    locale = knowledge.locale(asker.language_code)
    outbox.send(Outgoing(chat_id, knowledge.render_answer(locale, answer), reply_to=reply_to,
                         markup=keyboard(knowledge, locale, answer.buttons), purpose=answer.template))


async def _context_sku(state: FSMContext, stage: StageStore, settings: Settings) -> str | None:
    data = await state.get_data()
    return data.get(LAST_SKU) or await stage.get(settings.live_room_chat_id)


async def _remember(state: FSMContext, answer: Answer, asked: str) -> None:
    if answer.buttons:
        await state.update_data({ASKED_TEXT: asked})
    await state.set_state(Conversation.clarifying if answer.template == "clarify" else None)
    if answer.sku:
        await state.update_data({LAST_SKU: answer.sku})
    if answer.cart:
        await state.update_data({LAST_CART: [list(item) for item in answer.cart]})


def make_router(settings: Settings) -> Router:
    router = Router(name="private_chat")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())

    @router.message(CommandStart())
    async def on_start(message: Message, knowledge: Knowledge, outbox: Outbox, state: FSMContext) -> None:
        await state.set_state(None)
        locale = knowledge.locale(message.from_user.language_code if message.from_user else None)
        outbox.send(Outgoing(message.chat.id, knowledge.render(locale, "start", {}), purpose="start"))

    @router.message(Command("help"))
    async def on_help(message: Message, knowledge: Knowledge, outbox: Outbox) -> None:
        locale = knowledge.locale(message.from_user.language_code if message.from_user else None)
        outbox.send(Outgoing(message.chat.id, knowledge.render(locale, "help", {}), purpose="help"))

    @router.message(HasText())
    async def on_question(message: Message, text: str, knowledge: Knowledge, state: FSMContext,
                          stage: StageStore, outbox: Outbox, handoffs: HandoffRequests,
                          clock: Clock) -> None:
        if message.from_user is None:
            return
        asker = _asker(message.from_user)
        match = knowledge.matcher.match(text, Channel.private, await _context_sku(state, stage, settings))
        clarifying = await state.get_state() == Conversation.clarifying.state
        previous_cart = tuple((sku, int(qty)) for sku, qty in (await state.get_data()).get(LAST_CART, []))
        answer = knowledge.composer.compose(match, Channel.private, asker, clock.now(),
                                            clarified_before=clarifying, previous_cart=previous_cart or None)
        if answer is None:
            log.debug("private message from %s needs no answer (%s)", asker.user_id, match.intent)
            return
        await _remember(state, answer, text)
        await _say(answer, message.chat.id, asker, knowledge, outbox, handoffs, clock, text)

    @router.callback_query(CallbackPrefix(TOPIC_PREFIX, PRODUCT_PREFIX, HUMAN_DATA))
    async def on_button(query: CallbackQuery, knowledge: Knowledge, state: FSMContext, stage: StageStore,
                        outbox: Outbox, handoffs: HandoffRequests, clock: Clock) -> None:
        await query.answer()
        if query.message is None or query.data is None:
            return
        asker = _asker(query.from_user)
        data = await state.get_data()
        asked = data.get(ASKED_TEXT, "")
        now = clock.now()
        if query.data == HUMAN_DATA:
            answer: Answer | None = knowledge.composer.handoff(Handoff.requested, asker)
        elif query.data.startswith(PRODUCT_PREFIX):
            sku = query.data.removeprefix(PRODUCT_PREFIX)
            await state.update_data({LAST_SKU: sku})
            match = knowledge.matcher.match(asked, Channel.private, sku)
            answer = knowledge.composer.compose(match, Channel.private, asker, now, clarified_before=True)
        else:
            intent = query.data.removeprefix(TOPIC_PREFIX)
            match = knowledge.matcher.match(asked, Channel.private, await _context_sku(state, stage, settings))
            answer = knowledge.composer.answer_for_topic(intent, match, asker, now)
        if answer is None:
            return
        await _remember(state, answer, asked)
        await _say(answer, query.message.chat.id, asker, knowledge, outbox, handoffs, clock, asked)

    return router
