"""Mistakes in what the bot was asked to price or refund.

All are ValueErrors with a sentence an agent can read, so a handler can catch one family
and ask the buyer back (or hand off) instead of guessing.
"""

from __future__ import annotations

from bot.money import Fen, format_yuan


class PromotionInputError(ValueError):
    """The cart, time or order given to the engine cannot be priced as asked."""


class UnknownSku(PromotionInputError):
    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"unknown SKU {sku!r}")


class InvalidQuantity(PromotionInputError):
    def __init__(self, sku: str, qty: int) -> None:
        self.sku = sku
        self.qty = qty
        super().__init__(f"quantity of {sku} must be a whole number of at least 1, not {qty!r}")


class RefundError(PromotionInputError):
    """The refund cannot be computed (order unpaid, more units than bought, ...)."""


class RepricingMismatch(RefundError):
    """Re-pricing the order does not give what the buyer paid, so shares cannot be trusted.

    Happens when the rules changed since payment or the order was paid together with other
    shops' orders; a human must decide the refund.
    """

    def __init__(self, order_id: str, repriced_fen: Fen, paid_fen: Fen) -> None:
        self.order_id = order_id
        self.repriced_fen = repriced_fen
        self.paid_fen = paid_fen
        super().__init__(
            f"order {order_id}: re-pricing gives {format_yuan(repriced_fen)} but the buyer paid "
            f"{format_yuan(paid_fen)}; the refund needs an agent")
