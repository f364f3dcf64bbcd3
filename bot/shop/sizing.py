"""Size advice from height and weight against a product's size chart.

Shop practice: a buyer between two sizes gets the larger one, and a size that is sold out
is said so, with the nearest size in stock offered (the larger one on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.shop.catalog import Product
from bot.understanding.slots import Body


class Fit(StrEnum):
    ok = "ok"                  # a size fits and is in stock
    sold_out = "sold_out"      # the fitting size is sold out; see `alternative`
    too_small = "too_small"    # below the smallest size on the chart
    too_large = "too_large"    # above the largest size on the chart
    no_chart = "no_chart"      # the product has no size chart (one size)


@dataclass(frozen=True)
class SizeAdvice:
    fit: Fit
    size: str | None = None
    alternative: str | None = None
    by_height: str | None = None
    by_weight: str | None = None


def _size_for(value: Decimal | int, ranges: list[tuple[str, tuple[int, int]]]) -> str | Fit:
    """The largest size whose inclusive range holds `value` (boundaries go to the larger)."""
    fitting = [size for size, (low, high) in ranges if low <= value <= high]
    if fitting:
        return fitting[-1]
    if value < ranges[0][1][0]:
        return Fit.too_small
    if value > ranges[-1][1][1]:
        return Fit.too_large
    # A gap between two ranges: the larger neighbour.
    return next(size for size, (low, _) in ranges if value < low)


def nearest_in_stock(product: Product, size: str) -> str | None:
    """The closest size with stock, preferring the larger one at equal distance."""
    order = list(product.size_chart) or list(product.sizes)
    if size not in order:
        return None
    i = order.index(size)
    for distance in range(1, len(order)):
        for j in (i + distance, i - distance):
            if 0 <= j < len(order) and product.stock.get(order[j], 0) > 0:
                return order[j]
    return None


def advise(product: Product, body: Body) -> SizeAdvice:
    chart = product.size_chart
    if not chart:
        return SizeAdvice(Fit.no_chart)
    order = list(chart)
    by_height = by_weight = None
    picks: list[str] = []
    if body.height_cm is not None:
        result = _size_for(body.height_cm, [(s, r.height) for s, r in chart.items()])
        if isinstance(result, Fit):
            return SizeAdvice(result)
        by_height = result
        picks.append(result)
    if body.weight_kg is not None:
        result = _size_for(body.weight_kg, [(s, r.weight) for s, r in chart.items()])
        if isinstance(result, Fit):
            return SizeAdvice(result)
        by_weight = result
        picks.append(result)
    size = max(picks, key=order.index)
    if product.stock.get(size, 0) > 0:
        return SizeAdvice(Fit.ok, size=size, by_height=by_height, by_weight=by_weight)
    return SizeAdvice(Fit.sold_out, size=size, alternative=nearest_in_stock(product, size),
                      by_height=by_height, by_weight=by_weight)
