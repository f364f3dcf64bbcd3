"""Pricing a cart to the fen, in the order promotions.md prescribes.

1. lines at list price x quantity; 2. item direct discounts (the best one per SKU);
3. thresholds of shop and cross-shop rules measured on amounts after item discounts,
neither lowering the other's; 4. shop discounts come off first (the best rule per shop),
then cross-shop reductions; 5. each is split over its eligible lines by largest
remainder, a share never above what its line still owes (excess forfeited).

Everything is a pure function of (catalogue, rules, lines, instant): the same question
always gets the same answer, which is what lets the bot explain it and a merchant audit it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from bot.money import Fen
from bot.promotions.allocation import allocate
from bot.promotions.eligibility import Coverage
from bot.promotions.errors import InvalidQuantity
from bot.promotions.item_prices import best_item_rule, product_of
from bot.promotions.models import (
    AllocateBy,
    CrossShopRule,
    ItemDiscountRule,
    ShopThresholdRule,
    ThresholdRule,
)
from bot.promotions.next_threshold import next_threshold
from bot.promotions.quote import CartLine, Discount, Quote, QuoteLine
from bot.promotions.ruleset import RuleSet, require_aware
from bot.shop.catalog import Catalog, Product


@dataclass
class _Working:
    """Mutable scratch state of one pricing run; never leaves this module."""

    products: list[Product]
    base: list[Fen]
    owed: list[Fen]
    shares: list[dict[str, Fen]]


def _eligible(rule: ThresholdRule, coverage: Coverage, work: _Working) -> list[int]:
    return [i for i, p in enumerate(work.products) if coverage(rule, p)]


def _apply(rule: ThresholdRule, eligible: list[int], work: _Working) -> Discount:
    eligible_fen = sum(work.base[i] for i in eligible)
    times = rule.times_met(eligible_fen)
    nominal = times * rule.discount
    weights = work.owed if rule.allocate_by is AllocateBy.payable else work.base
    shares = allocate(nominal, [weights[i] for i in eligible], [work.owed[i] for i in eligible])
    by_shop: dict[str, Fen] = {}
    for i, share in zip(eligible, shares, strict=True):
        work.owed[i] -= share
        work.shares[i][rule.id] = share
        shop = work.products[i].shop
        by_shop[shop] = by_shop.get(shop, 0) + share
    return Discount(
        rule=rule.id, title=rule.title, kind=rule.kind, amount_fen=sum(shares),
        by_shop=MappingProxyType(by_shop), funded_by=rule.funded_by, times=times,
        threshold_fen=rule.threshold, per_times_fen=rule.discount, eligible_fen=eligible_fen,
        nominal_fen=nominal)


def _best_shop_rule(shop: str, rules: Sequence[ShopThresholdRule], coverage: Coverage,
                    work: _Working) -> tuple[ShopThresholdRule, list[int]] | None:
    """One shop coupon per shop and order: the one worth most to the buyer (ties: smaller id)."""
    best: tuple[Fen, ShopThresholdRule, list[int]] | None = None
    for rule in rules:  # id order, so a strict > keeps the smaller id on ties
        if rule.shop != shop:
            continue
        eligible = _eligible(rule, coverage, work)
        nominal = rule.times_met(sum(work.base[i] for i in eligible)) * rule.discount
        if nominal > 0 and (best is None or nominal > best[0]):
            best = (nominal, rule, eligible)
    return None if best is None else (best[1], best[2])


def price_cart(catalog: Catalog, rules: RuleSet, lines: Sequence[CartLine], at: datetime,
               *, max_suggestions: int = 3) -> Quote:
    """Price `lines` at the aware instant `at`.

    Raises UnknownSku or InvalidQuantity (both ValueErrors) rather than guessing: a price
    quoted for the wrong thing is worse than asking back.
    """
    require_aware(at)
    active = rules.active(at)
    item_rules = [r for r in active if isinstance(r, ItemDiscountRule)]
    shop_rules = [r for r in active if isinstance(r, ShopThresholdRule)]
    cross_rules = [r for r in active if isinstance(r, CrossShopRule)]

    products: list[Product] = []
    item_off: list[Fen] = []
    item_rule_ids: list[str | None] = []
    unit_off: dict[str, tuple[Fen, str | None]] = {}
    for line in lines:
        product = product_of(catalog, line.sku)
        if isinstance(line.qty, bool) or not isinstance(line.qty, int) or line.qty < 1:
            raise InvalidQuantity(line.sku, line.qty)
        if line.sku not in unit_off:
            rule = best_item_rule(item_rules, line.sku, product.price)
            unit_off[line.sku] = ((rule.off_per_unit(product.price), rule.id) if rule else (0, None))
        off, rule_id = unit_off[line.sku]
        products.append(product)
        item_off.append(off * line.qty)
        item_rule_ids.append(rule_id)
    base = [p.price * line.qty - off for p, line, off in zip(products, lines, item_off, strict=True)]
    work = _Working(products, base, list(base), [{} for _ in lines])
    coverage = Coverage(catalog)

    discounts: list[Discount] = []
    for shop in dict.fromkeys(p.shop for p in products):
        chosen = _best_shop_rule(shop, shop_rules, coverage, work)
        if chosen is not None:
            discounts.append(_apply(chosen[0], chosen[1], work))
    for cross in cross_rules:
        eligible = _eligible(cross, coverage, work)
        if cross.times_met(sum(base[i] for i in eligible)):
            discounts.append(_apply(cross, eligible, work))

    quote_lines = tuple(
        QuoteLine(sku=line.sku, shop=p.shop, qty=line.qty, unit_list_fen=p.price,
                  list_fen=p.price * line.qty, item_discount_fen=off, item_rule=rule_id,
                  shares=MappingProxyType(shares), payable_fen=owed)
        for line, p, off, rule_id, shares, owed in zip(
            lines, products, item_off, item_rule_ids, work.shares, work.owed, strict=True))
    payable_by_shop: dict[str, Fen] = {}
    for q in quote_lines:
        payable_by_shop[q.shop] = payable_by_shop.get(q.shop, 0) + q.payable_fen
    quote = Quote(
        at=at, lines=quote_lines, discounts=tuple(discounts),
        list_fen=sum(q.list_fen for q in quote_lines), item_discount_fen=sum(item_off),
        payable_fen=sum(work.owed), payable_by_shop=MappingProxyType(payable_by_shop))
    hint = next_threshold(catalog, rules, quote, max_suggestions=max_suggestions,
                          active=active, coverage=coverage)
    return dataclasses.replace(quote, next_threshold=hint)
