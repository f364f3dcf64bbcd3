"""What a buyer gets back for returned units: what those units actually paid.

The order is re-priced as it was at payment (its rules, its instant); the returned units
give back their amount after item discounts minus their part of each order-level share,
split pro rata by units inside a line. No claw-back: if the kept items fall below a
threshold, nothing is taken back from them and they are not re-priced (Taobao practice;
Vendure's re-prorating onto kept lines is the known bug to avoid). Returning every unit,
in one go or several, gives back exactly what was paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.money import Fen
from bot.promotions.allocation import split_units
from bot.promotions.errors import RefundError, RepricingMismatch
from bot.promotions.pricing import price_cart
from bot.promotions.quote import CartLine, Quote, QuoteLine
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog, Order


@dataclass(frozen=True)
class RefundLine:
    sku: str
    size: str
    units: int
    amount_fen: Fen
    shares_fen: Fen
    refund_fen: Fen


@dataclass(frozen=True)
class Refund:
    order_id: str
    refund_fen: Fen
    lines: tuple[RefundLine, ...]
    quote: Quote
    """The order re-priced at its payment time: the shares the refund is computed from."""


def units_refund(line: QuoteLine, first_unit: int, units: int) -> tuple[Fen, Fen]:
    """(amount, shares) of units first_unit .. first_unit+units-1 of a priced line.

    The line's total share is split over its units by largest remainder, so the units
    of one line together carry exactly the line's share.
    """
    if units < 0 or first_unit < 0 or first_unit + units > line.qty:
        raise RefundError(f"{line.sku}: cannot return units {first_unit + 1}..{first_unit + units} "
                          f"of a line of {line.qty}")
    unit_amount = line.after_item_fen // line.qty
    unit_shares = split_units(line.shares_fen, line.qty)
    return unit_amount * units, sum(unit_shares[first_unit:first_unit + units])


def refund_for(catalog: Catalog, rules: RuleSet, order: Order, returned: Mapping[str, int], *,
               already_returned: Mapping[str, int] | None = None) -> Refund:
    """The refund for `returned` units (SKU -> count) of a paid order.

    `already_returned` counts units refunded before, so a second return of the same line
    takes the next units and all refunds together never exceed what was paid. When an
    order holds one SKU in several sizes, units are taken from its lines in order.
    Raises RefundError (a ValueError) for unpaid orders or more units than were bought,
    and RepricingMismatch when re-pricing does not reproduce the amount paid.
    """
    if order.paid_at is None:
        raise RefundError(f"order {order.id} is not paid, so there is nothing to refund")
    quote = price_cart(catalog, rules, [CartLine(i.sku, i.qty) for i in order.items], order.paid_at)
    if order.paid_fen is not None and order.paid_fen != quote.payable_fen:
        raise RepricingMismatch(order.id, quote.payable_fen, order.paid_fen)
    skus = {item.sku for item in order.items}
    for sku, count in {**(already_returned or {}), **returned}.items():
        if sku not in skus:
            raise RefundError(f"order {order.id} has no {sku}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise RefundError(f"{sku}: a number of units is a whole number, not {count!r}")
    before = dict(already_returned or {})
    wanted = dict(returned)
    lines: list[RefundLine] = []
    for item, priced in zip(order.items, quote.lines, strict=True):
        skip = min(before.get(item.sku, 0), item.qty)
        before[item.sku] = before.get(item.sku, 0) - skip
        take = min(wanted.get(item.sku, 0), item.qty - skip)
        wanted[item.sku] = wanted.get(item.sku, 0) - take
        if take:
            amount, shares = units_refund(priced, skip, take)
            lines.append(RefundLine(item.sku, item.size, take, amount, shares, amount - shares))
    left = {sku: n for sku in skus if (n := before.get(sku, 0) + wanted.get(sku, 0)) > 0}
    if left:
        detail = ", ".join(f"{sku} x{n}" for sku, n in sorted(left.items()))
        raise RefundError(f"order {order.id}: more units returned than bought ({detail} too many)")
    return Refund(order.id, sum(line.refund_fen for line in lines), tuple(lines), quote)
