"""凑单: how much more reaches the next threshold, and what to add to get there.

Buyers ask "还差多少能满减"; the honest answer is the gap in eligible amount (after item
discounts, as thresholds are measured) and items that close it with the least
overshoot, so the buyer spends as little extra as possible. Only in-stock items the rule
covers are suggested; a suggestion may be several units of a cheap item ("BS-SCARFx2").
"""

from __future__ import annotations

from bot.money import Fen
from bot.promotions.eligibility import Coverage
from bot.promotions.item_prices import best_item_rule
from bot.promotions.models import (
    CrossShopRule,
    ItemDiscountRule,
    Rule,
    ShopThresholdRule,
    ThresholdRule,
)
from bot.promotions.quote import NextThreshold, Quote, Suggestion
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog


def suggestions_for(coverage: Coverage, rule: ThresholdRule, short_by: Fen,
                    item_rules: list[ItemDiscountRule], limit: int) -> tuple[Suggestion, ...]:
    """In-stock covered items closing `short_by`, least overshoot first (then fewer units, SKU)."""
    found: list[Suggestion] = []
    for product in coverage.catalog.products.values():
        if product.total_stock <= 0 or not coverage(rule, product):
            continue
        item_rule = best_item_rule(item_rules, product.sku, product.price)
        unit = product.price - (item_rule.off_per_unit(product.price) if item_rule else 0)
        if unit <= 0:
            continue
        qty = -(-short_by // unit)
        if qty > product.total_stock:
            continue
        found.append(Suggestion(product.sku, qty, qty * unit, qty * unit - short_by))
    found.sort(key=lambda s: (s.overshoot_fen, s.qty, s.sku))
    return tuple(found[:limit])


def next_threshold(catalog: Catalog, rules: RuleSet, quote: Quote, *, max_suggestions: int = 3,
                   active: tuple[Rule, ...] | None = None,
                   coverage: Coverage | None = None) -> NextThreshold | None:
    """The nearest threshold still worth reaching, or None when no live rule offers more.

    Cross-shop rules count even when the cart holds none of their items (adding some
    earns the reduction); a shop coupon counts only once the cart holds that shop's items,
    and only when it beats the coupon the shop already gives. The smallest gap wins,
    cross-shop before shop on ties, then rule id, so the hint is deterministic.
    """
    active = rules.active(quote.at) if active is None else active
    coverage = Coverage(catalog) if coverage is None else coverage
    item_rules = [r for r in active if isinstance(r, ItemDiscountRule)]
    products = [catalog.products[line.sku] for line in quote.lines]
    shop_given: dict[str, Fen] = {}
    for discount in quote.discounts:
        rule = rules.get(discount.rule)
        if isinstance(rule, ShopThresholdRule):
            shop_given[rule.shop] = discount.nominal_fen

    best: tuple[tuple[Fen, int, str], ThresholdRule, Fen, Fen, Fen] | None = None
    for rule in active:
        if not isinstance(rule, (ShopThresholdRule, CrossShopRule)):
            continue
        covered = [line for line, p in zip(quote.lines, products, strict=True) if coverage(rule, p)]
        if isinstance(rule, ShopThresholdRule) and not covered:
            continue
        eligible = sum(line.after_item_fen for line in covered)
        target = rule.next_target(eligible)
        if target is None:
            continue
        if isinstance(rule, ShopThresholdRule):
            gain = rule.times_met(target) * rule.discount - shop_given.get(rule.shop, 0)
        else:
            gain = rule.discount
        if gain <= 0:
            continue
        key = (target - eligible, 0 if isinstance(rule, CrossShopRule) else 1, rule.id)
        if best is None or key < best[0]:
            best = (key, rule, eligible, target, gain)
    if best is None:
        return None
    (short_by, _, _), rule, eligible, target, gain = best
    return NextThreshold(
        rule=rule.id, title=rule.title, kind=rule.kind, eligible_fen=eligible, target_fen=target,
        short_by_fen=short_by, gain_fen=gain,
        suggestions=suggestions_for(coverage, rule, short_by, item_rules, max_suggestions))
