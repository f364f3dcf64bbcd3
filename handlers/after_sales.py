"""After-sales in private chat: the returns/exchange form, "我的售后", and disputes.

The form is an aiogram FSM on the Dispatcher's Redis storage, so a buyer who is half-way
through when the bot restarts carries on where they were. Each step: parse the button,
update the draft, ask the service/form what comes next, send the rendered answer.
Entry points: /return (or a "申请退换货" button), /aftersales (or "我的售后").
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User

from bot.aftersales.cases import CaseState
from bot.aftersales.decision import Kind, Outcome
from bot.aftersales.form import Draft, Step, advance, units_of
from bot.aftersales.service import AftersalesService, Handled
from bot.aftersales.views import case_view, decision_view, item_view, orders_view
from bot.answers.composer import Asker, Handoff, order_view
from bot.config import Settings
from bot.handoff.buyer_desk import BuyerDesk
from bot.handoff.incoming import Incoming
from bot.handoff.model import Role
from bot.knowledge.snapshot import Knowledge
from bot.shop.orders import Order
from bot.telegram.aftersales_keyboards import FormKeyboards
from bot.telegram.callbacks import (
    AsCancel,
    AsDispute,
    AsItem,
    AsKind,
    AsMine,
    AsOffer,
    AsOrder,
    AsQty,
    AsReason,
    AsSize,
    AsStart,
    AsSubmit,
    ReviewRating,
)
from bot.telegram.filters import PrivateChat
from bot.telegram.sending import Outbox, Outgoing

log = logging.getLogger(__name__)

DRAFT = "aftersales_draft"
MY_CASES_LABEL = "aftersales.mine"


class ReturnForm(StatesGroup):
    order = State()
    item = State()
    qty = State()
    kind = State()
    size = State()
    reason = State()
    photos = State()
    offer = State()


STATE_OF = {Step.item: ReturnForm.item, Step.qty: ReturnForm.qty, Step.kind: ReturnForm.kind,
            Step.size: ReturnForm.size, Step.sold_out: ReturnForm.size, Step.reason: ReturnForm.reason,
            Step.photos: ReturnForm.photos}


class FormReply:
    """Renders and sends one buyer's answers (and notes them in the buyer's history)."""

    def __init__(self, user: User, chat_id: int, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk) -> None:
        self.user, self.chat_id, self.knowledge, self.outbox, self.desk = user, chat_id, knowledge, outbox, buyer_desk
        self.locale = knowledge.locale(user.language_code)
        self.keys = FormKeyboards(knowledge, self.locale)

    def text(self, template: str, context: dict[str, Any]) -> str:
        return self.knowledge.render(self.locale, f"aftersales/{template}", context)

    async def send(self, template: str, context: dict[str, Any], markup: InlineKeyboardMarkup | None = None) -> str:
        text = self.text(template, context)
        await self.desk.note(self.user.id, Role.bot, text)
        self.outbox.send(Outgoing(self.chat_id, text, markup=markup, purpose=f"aftersales/{template}"))
        return text


def _is_my_cases(knowledge: Knowledge, text: str) -> bool:
    wanted = text.strip()
    return any(knowledge.button_label(locale, MY_CASES_LABEL) == wanted for locale in knowledge.replies.locales)


async def _draft(state: FSMContext) -> Draft | None:
    data = (await state.get_data()).get(DRAFT)
    return Draft.from_data(data) if data else None


async def _clear(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({DRAFT: None})


async def _show_orders(reply: FormReply, service: AftersalesService, state: FSMContext) -> None:
    orders = await service.returnable(reply.user.id)
    await state.set_state(ReturnForm.order)
    await reply.send("choose_order", {"orders": orders_view(reply.knowledge.catalog, orders)},
                     reply.keys.orders(orders))


async def _open_order(reply: FormReply, service: AftersalesService, state: FSMContext, order_id: str) -> None:
    order = await service.order_for(order_id, reply.user.id)
    if order is None:  # unknown or another buyer's: the same words either way
        text = reply.knowledge.render(reply.locale, "order_not_found", {"order_id": order_id})
        reply.outbox.send(Outgoing(reply.chat_id, text, purpose="order_not_found"))
        return
    await _proceed(reply, service, state, order, Draft(order_id=order.id))


async def _proceed(reply: FormReply, service: AftersalesService, state: FSMContext, order: Order,
                   draft: Draft) -> None:
    """Ask the next question, or decide once the draft is complete."""
    knowledge, keys = reply.knowledge, reply.keys
    policy = knowledge.aftersales
    assert policy is not None, "the knowledge snapshot has no after-sales policy"
    draft, step = advance(draft, order, knowledge.catalog, policy)
    await state.update_data({DRAFT: draft.to_data()})
    if step != Step.ready:
        await state.set_state(STATE_OF[step])
    item = item_view(knowledge.catalog, order, draft.sku) if draft.sku else None
    if step == Step.item:
        await reply.send("choose_item", {"order": {"id": order.id}}, keys.items(order))
    elif step == Step.qty:
        await reply.send("choose_qty", {"item": item}, keys.quantities(units_of(order, draft.sku or "")))
    elif step == Step.kind:
        await reply.send("choose_kind", {"item": item}, keys.kinds())
    elif step in (Step.size, Step.sold_out):
        product = knowledge.catalog.products[draft.sku or ""]
        current = item["size"] if item else ""
        if step == Step.sold_out:
            chosen = (await state.get_data()).get("aftersales_size", "")
            in_stock = [s for s in product.sizes if product.stock[s] > 0 and s != current]
            await reply.send("size_sold_out", {"item": item, "size": chosen, "in_stock": in_stock},
                             keys.sizes(product, current))
        else:
            sizes = [{"size": s, "stock": product.stock[s]} for s in product.sizes if s != current]
            await reply.send("choose_size", {"item": item, "sizes": sizes}, keys.sizes(product, current))
    elif step == Step.reason:
        await reply.send("choose_reason", {"kind": str(draft.kind)}, keys.reasons())
    elif step == Step.photos:
        await reply.send("need_photos", {"reason": str(draft.reason)}, keys.submit())
    else:
        handled = await service.decide(knowledge.catalog, knowledge.rules, policy, order, draft)
        await _tell(reply, state, order, draft, handled)


async def _tell(reply: FormReply, state: FSMContext, order: Order, draft: Draft, handled: Handled) -> None:
    knowledge = reply.knowledge
    assert knowledge.aftersales is not None
    decision, case = handled.decision, handled.case
    context = decision_view(knowledge.catalog, knowledge.aftersales, order, decision, case,
                            str(draft.kind or Kind.return_), draft.exchange_to)
    if decision.outcome == Outcome.offer:
        await state.set_state(ReturnForm.offer)
        await reply.send("decision", context, reply.keys.offer())
        return
    await _clear(state)
    markup = reply.keys.dispute(case.id) if case is not None and case.state == CaseState.declined else None
    await reply.send("decision", context, markup)


def make_router(settings: Settings) -> Router:
    router = Router(name="after_sales")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())

    def reply_for(user: User, chat_id: int, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk) -> FormReply:
        return FormReply(user, chat_id, knowledge, outbox, buyer_desk)

    @router.message(Command("return"))
    async def on_return(message: Message, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                        aftersales: AftersalesService, state: FSMContext) -> None:
        if message.from_user is None:
            return
        await _show_orders(reply_for(message.from_user, message.chat.id, knowledge, outbox, buyer_desk), aftersales, state)

    @router.callback_query(AsStart.filter())
    async def on_start_button(query: CallbackQuery, callback_data: AsStart, knowledge: Knowledge, outbox: Outbox,
                              buyer_desk: BuyerDesk, aftersales: AftersalesService, state: FSMContext) -> None:
        await query.answer()
        reply = reply_for(query.from_user, query.from_user.id, knowledge, outbox, buyer_desk)
        if callback_data.order_id:
            await _open_order(reply, aftersales, state, callback_data.order_id)
        else:
            await _show_orders(reply, aftersales, state)

    async def show_mine(user: User, chat_id: int, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                        aftersales: AftersalesService) -> None:
        cases = [case_view(knowledge.catalog, c) for c in await aftersales.my_cases(user.id)]
        await reply_for(user, chat_id, knowledge, outbox, buyer_desk).send("my_cases", {"cases": cases})

    @router.message(Command("aftersales"))
    async def on_mine_command(message: Message, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                              aftersales: AftersalesService) -> None:
        if message.from_user is not None:
            await show_mine(message.from_user, message.chat.id, knowledge, outbox, buyer_desk, aftersales)

    async def asks_for_my_cases(message: Message, knowledge: Knowledge) -> bool:
        """The 我的售后 button's words, typed or sent from a reply keyboard, in any locale."""
        return bool(message.text) and _is_my_cases(knowledge, message.text or "")

    @router.message(asks_for_my_cases)
    async def on_mine_text(message: Message, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                           aftersales: AftersalesService) -> None:
        if message.from_user is not None:
            await show_mine(message.from_user, message.chat.id, knowledge, outbox, buyer_desk, aftersales)

    @router.callback_query(AsMine.filter())
    async def on_mine_button(query: CallbackQuery, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                             aftersales: AftersalesService) -> None:
        await query.answer()
        await show_mine(query.from_user, query.from_user.id, knowledge, outbox, buyer_desk, aftersales)

    @router.callback_query(AsCancel.filter())
    async def on_cancel(query: CallbackQuery, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                        state: FSMContext) -> None:
        await query.answer()
        await _clear(state)
        await reply_for(query.from_user, query.from_user.id, knowledge, outbox, buyer_desk).send("cancelled", {})

    @router.message(StateFilter(ReturnForm.order), F.text.regexp(r"\d{3,20}").as_("found"))
    async def on_order_number(message: Message, found: Any, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                              aftersales: AftersalesService, state: FSMContext) -> None:
        if message.from_user is not None:
            await _open_order(reply_for(message.from_user, message.chat.id, knowledge, outbox, buyer_desk),
                              aftersales, state, found.group(0))

    @router.callback_query(AsOrder.filter())
    async def on_order(query: CallbackQuery, callback_data: AsOrder, knowledge: Knowledge, outbox: Outbox,
                       buyer_desk: BuyerDesk, aftersales: AftersalesService, state: FSMContext) -> None:
        await query.answer()
        await _open_order(reply_for(query.from_user, query.from_user.id, knowledge, outbox, buyer_desk),
                          aftersales, state, callback_data.order_id)

    async def step(query: CallbackQuery, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                   aftersales: AftersalesService, state: FSMContext, **changes: Any) -> None:
        """Apply one answer to the draft of the form in progress and go on."""
        await query.answer()
        draft = await _draft(state)
        reply = reply_for(query.from_user, query.from_user.id, knowledge, outbox, buyer_desk)
        order = await aftersales.order_for(draft.order_id, query.from_user.id) if draft else None
        if draft is None or order is None:
            await _show_orders(reply, aftersales, state)  # a button from a finished or expired form
            return
        await _proceed(reply, aftersales, state, order, replace(draft, **changes))

    @router.callback_query(AsItem.filter())
    async def on_item(query: CallbackQuery, callback_data: AsItem, **kw: Any) -> None:
        await step(query, **_deps(kw), sku=callback_data.sku, qty=None)

    @router.callback_query(AsQty.filter())
    async def on_qty(query: CallbackQuery, callback_data: AsQty, **kw: Any) -> None:
        await step(query, **_deps(kw), qty=callback_data.qty)

    @router.callback_query(AsKind.filter())
    async def on_kind(query: CallbackQuery, callback_data: AsKind, **kw: Any) -> None:
        await step(query, **_deps(kw), kind=callback_data.kind, exchange_to=None)

    @router.callback_query(AsSize.filter())
    async def on_size(query: CallbackQuery, callback_data: AsSize, state: FSMContext, **kw: Any) -> None:
        await state.update_data({"aftersales_size": callback_data.size})
        await step(query, state=state, **_deps(kw), exchange_to=callback_data.size)

    @router.callback_query(AsReason.filter())
    async def on_reason(query: CallbackQuery, callback_data: AsReason, **kw: Any) -> None:
        await step(query, **_deps(kw), reason=callback_data.reason)

    @router.callback_query(AsSubmit.filter())
    async def on_submit(query: CallbackQuery, **kw: Any) -> None:
        await step(query, **_deps(kw))

    @router.callback_query(StateFilter(ReturnForm.offer), AsOffer.filter(F.keep.is_(False)))
    async def on_offer_declined(query: CallbackQuery, **kw: Any) -> None:
        await step(query, **_deps(kw), retention_declined=True)

    @router.callback_query(StateFilter(ReturnForm.offer), AsOffer.filter(F.keep.is_(True)))
    async def on_offer_taken(query: CallbackQuery, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                             aftersales: AftersalesService, state: FSMContext) -> None:
        await query.answer()
        draft = await _draft(state)
        order = await aftersales.order_for(draft.order_id, query.from_user.id) if draft else None
        if draft is None or order is None or knowledge.aftersales is None:
            return
        handled = await aftersales.keep_with_offer(knowledge.catalog, knowledge.rules, knowledge.aftersales,
                                                   order, draft)
        await _clear(state)
        reply = reply_for(query.from_user, query.from_user.id, knowledge, outbox, buyer_desk)
        if handled.case is None:
            await _tell(reply, state, order, draft, handled)
            return
        context = decision_view(knowledge.catalog, knowledge.aftersales, order, handled.decision, handled.case,
                                str(draft.kind), None)
        await reply.send("kept", context, reply.keys.mine())

    @router.message(StateFilter(ReturnForm.photos), F.photo)
    async def on_photo(message: Message, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                       state: FSMContext) -> None:
        draft = await _draft(state)
        if draft is None or message.from_user is None or not message.photo:
            return
        draft = replace(draft, photos=(*draft.photos, message.photo[-1].file_id))
        await state.update_data({DRAFT: draft.to_data()})
        reply = reply_for(message.from_user, message.chat.id, knowledge, outbox, buyer_desk)
        await reply.send("photo_received", {"count": len(draft.photos)}, reply.keys.submit())

    @router.message(StateFilter(ReturnForm.photos))
    async def on_words_instead_of_photos(message: Message, knowledge: Knowledge, outbox: Outbox, buyer_desk: BuyerDesk,
                                         state: FSMContext) -> None:
        draft = await _draft(state)
        if draft is None or message.from_user is None:
            return
        reply = reply_for(message.from_user, message.chat.id, knowledge, outbox, buyer_desk)
        await reply.send("need_photos", {"reason": str(draft.reason)}, reply.keys.submit())

    @router.callback_query(AsDispute.filter())
    async def on_dispute(query: CallbackQuery, callback_data: AsDispute, knowledge: Knowledge, buyer_desk: BuyerDesk,
                         aftersales: AftersalesService) -> None:
        """The buyer disagrees: the case goes to a person, summarised in the conversation's topic."""
        await query.answer()
        case = await aftersales.dispute(query.from_user.id, callback_data.case_id)
        if case is None:
            return
        user = query.from_user
        locale = knowledge.locale(user.language_code)
        summary = knowledge.render(locale, "agents/aftersales_case", {"c": case_view(knowledge.catalog, case)})
        promise = knowledge.render(locale, "aftersales/disputed", {"case": {"id": case.id}})
        await _to_a_person(buyer_desk, user, summary, sku=case.sku, order_id=case.order, promise=promise)

    @router.callback_query(ReviewRating.filter())
    async def on_review_rating(query: CallbackQuery, callback_data: ReviewRating, knowledge: Knowledge,
                               outbox: Outbox, buyer_desk: BuyerDesk, aftersales: AftersalesService) -> None:
        """An unhappy answer to a review invitation goes to a person first, with an apology."""
        await query.answer()
        user = query.from_user
        reply = reply_for(user, user.id, knowledge, outbox, buyer_desk)
        if callback_data.rating != "bad":
            await reply.send("review_thanks", {})
            return
        order = await aftersales.orders.order_for(callback_data.order_id, user.id)
        if order is None:
            return
        topic_words = knowledge.render(reply.locale, "agents/review_unhappy",
                                       {"order": order_view(knowledge.catalog, order)})
        await _to_a_person(buyer_desk, user, topic_words, sku=order.items[0].sku, order_id=order.id,
                           promise=reply.text("review_apology", {}))

    return router


async def _to_a_person(buyer_desk: BuyerDesk, user: User, words: str, *, sku: str | None, order_id: str | None,
                       promise: str) -> None:
    """The one call into the hand-off service (the entry point private chat uses): a
    complaint, so the buyer is first in the queue; `words` is what the topic shows."""
    await buyer_desk.hand_off(Asker(user.id, user.full_name, user.language_code), Handoff.complaint,
                              Incoming(user.id, 0, user.id, words), sku=sku, order_id=order_id, promise=promise)


def _deps(kw: dict[str, Any]) -> dict[str, Any]:
    """The workflow data a form step needs, picked from what aiogram passed in."""
    return {name: kw[name] for name in ("knowledge", "outbox", "buyer_desk", "aftersales", "state") if name in kw}
