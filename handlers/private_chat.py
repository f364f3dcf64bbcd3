"""Private chat with a buyer: /start, /help, questions, ask-back buttons, own orders, handoff.

When the bot is unsure it asks back once with buttons of the likely topics; if the next
message is still unclear, the buyer goes to a human (the desk queues them and relays).
While a conversation is with the desk (queued or held by an agent) every message is
relayed to the agents and the bot does not interrupt; /cancel brings the bot back.
The product discussed last is remembered for follow-ups ("那L码呢").
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, User

from bot.answers import messages as answer_messages
from bot.answers.composer import Answer, Asker, Handoff
from bot.answers.language import plain_text
from bot.clock import Clock
from bot.config import Settings
from bot.handoff import messages as handoff_messages
from bot.handoff.buyer_desk import BuyerDesk
from bot.handoff.incoming import Incoming
from bot.handoff.model import Role
from bot.knowledge.snapshot import Knowledge
from bot.live_room.stage import LiveStage
from bot.shop.orders import OrderSource
from bot.telegram.callback_answers import answer_quietly, remove_buttons
from bot.telegram.callbacks import (
    HandoffButton,
    HumanButton,
    ProductButton,
    RateButton,
    TopicButton,
)
from bot.telegram.filters import HasMedia, HasText, PrivateChat
from bot.telegram.incoming import edit_from, incoming_from
from bot.telegram.keyboards import keyboard
from bot.telegram.sending import Outbox, Outgoing
from bot.understanding.intents import UNSURE, Channel, Match
from bot.understanding.llm_fallback import TopicFallback, refined

log = logging.getLogger(__name__)

LAST_SKU = "last_sku"
LAST_CART = "last_cart"
ASKED_TEXT = "asked_text"


class Conversation(StatesGroup):
    clarifying = State()


async def _asker(user: User, orders: OrderSource, knowledge: Knowledge, intent: str,
                 order_id: str | None) -> Asker:
    """The buyer; with their own orders from the shop's order source when the answer reads
    them (the composer is pure, and most questions need no order lookup)."""
    if not knowledge.composer.needs_orders(intent, order_id):
        return Asker(user.id, user.full_name, user.language_code)
    return Asker(user.id, user.full_name, user.language_code, tuple(await orders.orders_of(user.id)))


async def _say(answer: Answer, message: Message, asker: Asker, knowledge: Knowledge, outbox: Outbox,
               buyer_desk: BuyerDesk, match: Match | None = None,
               incoming: Incoming | None = None) -> None:
    """Send the answer; a handoff answer goes through the desk (queue, topic, relay) instead."""
    locale = knowledge.locale(asker.language_code)
    text = knowledge.render_answer(locale, answer)
    if answer.handoff is not None:
        await buyer_desk.hand_off(asker, answer.handoff, incoming or incoming_from(message),
                            sku=match.sku if match else None, order_id=match.order_id if match else None,
                            promise=text)
        return
    await buyer_desk.note(asker.user_id, Role.bot, plain_text(text))  # the history holds what the buyer read
    outbox.send(Outgoing(message.chat.id, text, markup=keyboard(knowledge, locale, answer.buttons),
                         purpose=answer.template))


async def _context_sku(state: FSMContext, stage: LiveStage) -> str | None:
    data = await state.get_data()
    return data.get(LAST_SKU) or await stage.current()


async def _remember(state: FSMContext, answer: Answer, asked: str) -> None:
    if answer.buttons:
        await state.update_data({ASKED_TEXT: asked})
    await state.set_state(Conversation.clarifying if answer.template == "clarify" else None)
    if answer.sku:
        await state.update_data({LAST_SKU: answer.sku})
    if answer.cart:
        await state.update_data({LAST_CART: [list(item) for item in answer.cart]})


async def _with_the_desk(message: Message, buyer_desk: BuyerDesk) -> bool:
    """Relay to the agents when the buyer is queued or held; True when it was."""
    if message.from_user is None:
        return False
    conversation = await buyer_desk.open_conversation(message.from_user.id)
    if conversation is None:
        return False
    await buyer_desk.relay_buyer_message(conversation, incoming_from(message))
    return True


def fallback_from(settings: Settings) -> TopicFallback | None:
    """The optional language-model topic picker, when the environment configures one."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return TopicFallback(settings.llm_base_url, settings.llm_model, key, settings.llm_timeout_s)


async def _with_fallback(match: Match, text: str, knowledge: Knowledge, fallback: TopicFallback | None) -> Match:
    """An unsure reading (not judged out of scope) gets one chance with the fallback."""
    if fallback is None or match.intent != UNSURE or match.unserved:
        return match
    topics = [t for t in knowledge.matcher.topic_names if t not in ("noise", "out_of_scope")]
    topic = await fallback.pick(text, topics)
    return refined(match, topic) if topic is not None else match


def make_router(settings: Settings) -> Router:
    fallback = fallback_from(settings)
    router = Router(name="private_chat")
    router.message.filter(PrivateChat())
    router.edited_message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())

    @router.message(CommandStart())
    async def on_start(message: Message, knowledge: Knowledge, outbox: Outbox, state: FSMContext) -> None:
        await state.set_state(None)
        locale = knowledge.locale(message.from_user.language_code if message.from_user else None)
        text = knowledge.render_message(locale, answer_messages.start())
        outbox.send(Outgoing(message.chat.id, text, purpose="start"))

    @router.message(Command("help"))
    async def on_help(message: Message, knowledge: Knowledge, outbox: Outbox) -> None:
        locale = knowledge.locale(message.from_user.language_code if message.from_user else None)
        text = knowledge.render_message(locale, answer_messages.help_text())
        outbox.send(Outgoing(message.chat.id, text, purpose="help"))

    @router.message(Command("cancel"))
    async def on_cancel(message: Message, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk) -> None:
        if message.from_user is None:
            return
        if not await buyer_desk.cancel(message.from_user.id):
            locale = knowledge.locale(message.from_user.language_code)
            text = knowledge.render_message(locale, handoff_messages.nothing_to_cancel())
            outbox.send(Outgoing(message.chat.id, text, purpose="cancel"))

    @router.message(HasText())
    async def on_question(message: Message, text: str, knowledge: Knowledge, state: FSMContext,
                          stage: LiveStage, outbox: Outbox, buyer_desk: BuyerDesk, clock: Clock,
                          orders: OrderSource) -> None:
        if message.from_user is None or await _with_the_desk(message, buyer_desk):
            return
        match = knowledge.matcher.match(text, Channel.private, await _context_sku(state, stage))
        match = await _with_fallback(match, text, knowledge, fallback)
        asker = await _asker(message.from_user, orders, knowledge, match.intent, match.order_id)
        clarifying = await state.get_state() == Conversation.clarifying.state
        previous_cart = tuple((sku, int(qty)) for sku, qty in (await state.get_data()).get(LAST_CART, []))
        answer = knowledge.composer.compose(match, Channel.private, asker, clock.now(),
                                            clarified_before=clarifying, previous_cart=previous_cart or None)
        if answer is None:
            log.debug("private message from %s needs no answer (%s)", asker.user_id, match.intent)
            return
        await _remember(state, answer, text)
        await _say(answer, message, asker, knowledge, outbox, buyer_desk, match)
        await buyer_desk.bot_outcome(match.sku, answered=answer.handoff is None and answer.template != "clarify",
                               asked_at=message.date)

    @router.message(HasMedia())
    async def on_media(message: Message, knowledge: Knowledge, state: FSMContext, outbox: Outbox,
                       buyer_desk: BuyerDesk, clock: Clock, orders: OrderSource) -> None:
        """A photo (a broken item, bad fruit) goes to the agents if they are on it, else ask back."""
        if message.from_user is None or await _with_the_desk(message, buyer_desk):
            return
        match = knowledge.matcher.match(message.caption or "", Channel.private, None)
        asker = await _asker(message.from_user, orders, knowledge, match.intent, match.order_id)
        answer = knowledge.composer.compose(match, Channel.private, asker, clock.now(),
                                            clarified_before=await state.get_state() == Conversation.clarifying.state)
        if answer is not None:
            await _remember(state, answer, message.caption or "")
            await _say(answer, message, asker, knowledge, outbox, buyer_desk, match)

    @router.edited_message()
    async def on_edit(message: Message, buyer_desk: BuyerDesk) -> None:
        if message.from_user is None:
            return
        conversation = await buyer_desk.open_conversation(message.from_user.id)
        if conversation is not None:
            await buyer_desk.buyer_edited(conversation, edit_from(message))

    async def _after_buttons(query: CallbackQuery, state: FSMContext, knowledge: Knowledge,
                             outbox: Outbox, buyer_desk: BuyerDesk, match: Match | None,
                             answer: Answer | None, asked: str) -> None:
        """Answer the question asked before the buttons, now that the buyer chose."""
        if answer is None or not isinstance(query.message, Message):
            return
        user = query.from_user
        asker = Asker(user.id, user.full_name, user.language_code)  # who is handed off, if it comes to that
        await _remember(state, answer, asked)
        # The buyer's words are the question asked before the buttons, not the bot's message.
        asked_again = Incoming(query.message.chat.id, 0, asker.user_id, asked, dedup=f"press:{query.id}")
        await _say(answer, query.message, asker, knowledge, outbox, buyer_desk, match, asked_again)

    @router.callback_query(HumanButton.filter())
    async def on_human_button(query: CallbackQuery, knowledge: Knowledge, state: FSMContext, outbox: Outbox,
                              buyer_desk: BuyerDesk) -> None:
        await answer_quietly(query)
        if not isinstance(query.message, Message):
            return
        asked = (await state.get_data()).get(ASKED_TEXT, "")
        user = query.from_user
        answer = knowledge.composer.handoff(Handoff.requested, Asker(user.id, user.full_name, user.language_code))
        await _after_buttons(query, state, knowledge, outbox, buyer_desk, None, answer, asked)

    @router.callback_query(ProductButton.filter())
    async def on_product_button(query: CallbackQuery, callback_data: ProductButton, knowledge: Knowledge,
                                state: FSMContext, outbox: Outbox, buyer_desk: BuyerDesk, clock: Clock,
                                orders: OrderSource) -> None:
        await answer_quietly(query)
        if not isinstance(query.message, Message):
            return
        asked = (await state.get_data()).get(ASKED_TEXT, "")
        await state.update_data({LAST_SKU: callback_data.sku})
        match = knowledge.matcher.match(asked, Channel.private, callback_data.sku)
        asker = await _asker(query.from_user, orders, knowledge, match.intent, match.order_id)
        answer = knowledge.composer.compose(match, Channel.private, asker, clock.now(), clarified_before=True)
        await _after_buttons(query, state, knowledge, outbox, buyer_desk, match, answer, asked)

    @router.callback_query(TopicButton.filter())
    async def on_topic_button(query: CallbackQuery, callback_data: TopicButton, knowledge: Knowledge,
                              state: FSMContext, stage: LiveStage, outbox: Outbox, buyer_desk: BuyerDesk,
                              clock: Clock, orders: OrderSource) -> None:
        await answer_quietly(query)
        if not isinstance(query.message, Message):
            return
        asked = (await state.get_data()).get(ASKED_TEXT, "")
        match = knowledge.matcher.match(asked, Channel.private, await _context_sku(state, stage))
        asker = await _asker(query.from_user, orders, knowledge, callback_data.intent, match.order_id)
        answer = knowledge.composer.answer_for_topic(callback_data.intent, match, asker, clock.now())
        await _after_buttons(query, state, knowledge, outbox, buyer_desk, match, answer, asked)

    @router.callback_query(HandoffButton.filter())
    async def on_cancel_button(query: CallbackQuery, buyer_desk: BuyerDesk, outbox: Outbox) -> None:
        await answer_quietly(query)
        if not await buyer_desk.cancel(query.from_user.id):
            remove_buttons(outbox, query.message)  # a stale button: nothing left to cancel from here

    @router.callback_query(RateButton.filter())
    async def on_rating(query: CallbackQuery, callback_data: RateButton, buyer_desk: BuyerDesk,
                        outbox: Outbox) -> None:
        await answer_quietly(query)
        await buyer_desk.rate(query.from_user.id, callback_data.conversation_id, callback_data.rating)
        remove_buttons(outbox, query.message)  # one rating per conversation

    return router
