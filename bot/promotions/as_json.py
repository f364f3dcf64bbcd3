"""Quotes and refunds as JSON for `promo explain --json`, the web console and tests.

Amounts are strings with two decimals ("130.00"), never floats, so what a reader sees
is exactly the fen the engine computed. The quote shape is the one issue 3 fixes.
"""

from __future__ import annotations

from typing import Any

from bot.money import format_yuan
from bot.promotions.quote import Quote, Suggestion
from bot.promotions.refunds import Refund


def _suggestion(s: Suggestion) -> str:
    """A SKU, or SKUxQTY when several units are needed: the same syntax `explain` accepts."""
    return s.sku if s.qty == 1 else f"{s.sku}x{s.qty}"


def quote_as_json(quote: Quote) -> dict[str, Any]:
    hint = quote.next_threshold
    return {
        "lines": [
            {
                "sku": line.sku,
                "qty": line.qty,
                "list": format_yuan(line.list_fen),
                "item_discount": format_yuan(line.item_discount_fen),
                "shares": {rule: format_yuan(fen) for rule, fen in line.shares.items()},
                "payable": format_yuan(line.payable_fen),
            }
            for line in quote.lines
        ],
        "discounts": [
            {
                "rule": d.rule,
                "amount": format_yuan(d.amount_fen),
                "by_shop": {shop: format_yuan(fen) for shop, fen in d.by_shop.items()},
            }
            for d in quote.discounts
        ],
        "payable": format_yuan(quote.payable_fen),
        "next_threshold": None if hint is None else {
            "rule": hint.rule,
            "short_by": format_yuan(hint.short_by_fen),
            "suggestions": [_suggestion(s) for s in hint.suggestions],
        },
    }


def refund_as_json(refund: Refund) -> dict[str, Any]:
    return {
        "order": refund.order_id,
        "refund": format_yuan(refund.refund_fen),
        "lines": [
            {
                "sku": line.sku,
                "size": line.size,
                "units": line.units,
                "amount": format_yuan(line.amount_fen),
                "shares": format_yuan(line.shares_fen),
                "refund": format_yuan(line.refund_fen),
            }
            for line in refund.lines
        ],
    }
