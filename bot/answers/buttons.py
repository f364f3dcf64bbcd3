"""Buttons as plain data: what a button does and how it is labelled, with no Telegram in it.

The composer and the handoff views describe buttons with these; the Telegram edge
(`bot.telegram.callbacks`, `bot.telegram.keyboards`) turns them into callback data and
inline keyboards, so the domain never builds a callback string by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ButtonKind(StrEnum):
    topic = "topic"
    """Answer the question asked before, on this topic (`value` = intent)."""
    product = "product"
    """Answer the question asked before, about this product (`value` = SKU)."""
    human = "human"
    """Hand the buyer to a human."""
    cancel_handoff = "cancel_handoff"
    """Leave the queue / the agent, back to the bot."""
    rate = "rate"
    """The satisfaction survey (`value` = rating, `conversation_id`)."""
    take = "take"
    back = "back"
    close = "close"
    """The context card's agent actions on `conversation_id`."""
    aftersales_apply = "aftersales_apply"
    """Start the returns/exchange form for an order (`value` = order id)."""
    aftersales_mine = "aftersales_mine"
    """List the buyer's after-sales cases."""


@dataclass(frozen=True)
class Button:
    kind: ButtonKind
    value: str = ""
    label_key: str | None = None
    """A key of labels.yaml; None when `text` is the label (product names)."""
    text: str | None = None
    conversation_id: int | None = None
