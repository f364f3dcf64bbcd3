"""Every callback data the bot puts on a button, as aiogram `CallbackData` classes.

The domain describes buttons as plain data (`bot.answers.buttons.Button`); `callback_for`
turns one into its callback data here, and handlers route on `SomeButton.filter()`. The
packed strings keep the wire format buttons had before ("topic:price", "rate:12:neutral"),
so buttons already sent keep working after an upgrade.

Telegram refuses callback data over 64 bytes (aiogram's `pack` raises): values derived
from data files (SKUs, topic names) are checked when the data is loaded
(`oversized_reason`), so a long SKU is a data error with file and line, not a crash
when a buyer is shown the button.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.aftersales.decision import Kind
from bot.aftersales.policy import Reason
from bot.answers.buttons import Button, ButtonKind


class TopicButton(CallbackData, prefix="topic"):
    """Ask-back: answer the earlier question on this topic."""

    intent: str


class ProductButton(CallbackData, prefix="product"):
    """Ask-back: answer the earlier question about this product."""

    sku: str


class HumanButton(CallbackData, prefix="human"):
    """Ask-back: a human, please."""


class HandoffButton(CallbackData, prefix="handoff"):
    """The buyer's button while queued or served ("handoff:cancel")."""

    action: str


class RateButton(CallbackData, prefix="rate"):
    """The satisfaction survey after an agent closed the conversation."""

    conversation_id: int
    rating: str


class CardButton(CallbackData, prefix="desk"):
    """The agents' context card: take, back to the bot, close."""

    action: str
    conversation_id: int


# -- the returns/exchange form and review invitations (handlers/after_sales.py) -------------


class AsStart(CallbackData, prefix="as_go"):
    order_id: str = ""


class AsMine(CallbackData, prefix="as_mine"):
    pass


class AsOrder(CallbackData, prefix="as_o"):
    order_id: str


class AsItem(CallbackData, prefix="as_i"):
    sku: str


class AsQty(CallbackData, prefix="as_q"):
    qty: int


class AsKind(CallbackData, prefix="as_k"):
    kind: Kind


class AsSize(CallbackData, prefix="as_s"):
    size: str


class AsReason(CallbackData, prefix="as_r"):
    reason: Reason


class AsSubmit(CallbackData, prefix="as_p"):
    pass


class AsOffer(CallbackData, prefix="as_f"):
    keep: bool


class AsDispute(CallbackData, prefix="as_d"):
    case_id: str


class AsCancel(CallbackData, prefix="as_x"):
    pass


class ReviewRating(CallbackData, prefix="as_v"):
    order_id: str
    rating: str
    """good | neutral | bad"""


CANCEL = "cancel"


def callback_for(button: Button) -> CallbackData:
    """The callback data of a domain button."""
    kind = button.kind
    if kind is ButtonKind.topic:
        return TopicButton(intent=button.value)
    if kind is ButtonKind.product:
        return ProductButton(sku=button.value)
    if kind is ButtonKind.human:
        return HumanButton()
    if kind is ButtonKind.cancel_handoff:
        return HandoffButton(action=CANCEL)
    if kind is ButtonKind.aftersales_apply:
        return AsStart(order_id=button.value)
    if kind is ButtonKind.aftersales_mine:
        return AsMine()
    if button.conversation_id is None:
        raise ValueError(f"a {kind} button needs a conversation id")
    if kind is ButtonKind.rate:
        return RateButton(conversation_id=button.conversation_id, rating=button.value)
    return CardButton(action=str(kind), conversation_id=button.conversation_id)


def oversized_reason(button: Button) -> str | None:
    """Why this button cannot be sent (too long, or a value holding the separator); None if it can."""
    try:
        callback_for(button).pack()
    except ValueError as exc:
        return f"too long or malformed for a Telegram button ({exc})"
    return None
