"""到手价: what one unit of a product costs the buyer once promotions apply to it alone.

"多少钱" deserves more than the list price: a gift box at ¥168 meets the cross-shop
每满150减20 on its own, so the buyer pays ¥148; a dress at ¥120 falls ¥30 short of it,
which is worth saying (凑单). The figures come from the promotions engine pricing a cart
of exactly that one unit, so they match what checkout and `promo explain` say; the
templates (price.j2) only word them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.promotions import CartLine, RuleSet, price_cart
from bot.shop.catalog import Catalog, Product


def price_to_pay_view(catalog: Catalog, rules: RuleSet, product: Product, at: datetime) -> dict[str, Any]:
    """Facts for the price answer, in fen.

    - `pay`: what one unit alone costs after every promotion that applies to it alone
      (item live price, then shop and cross-shop thresholds it meets by itself);
    - `order_discounts`: the threshold promotions it meets alone, each with what it takes off;
    - `short`: when it meets none, the nearest threshold it counts toward but falls short
      of: its title, how much more to add, and what reaching it takes off (else None).
    """
    quote = price_cart(catalog, rules, [CartLine(product.sku, 1)], at, max_suggestions=0)
    discounts = [{"title": d.title, "amount": d.amount_fen} for d in quote.discounts if d.amount_fen > 0]
    short = None
    hint = quote.next_threshold
    # Only a threshold the item itself counts toward: the oranges are not in the cross-shop
    # reduction, so "add ¥150 more" would be about other goods, not about this price.
    if not discounts and hint is not None and hint.eligible_fen > 0:
        short = {"title": hint.title, "short_by": hint.short_by_fen, "gain": hint.gain_fen}
    return {"pay": quote.payable_fen, "order_discounts": discounts, "short": short}
