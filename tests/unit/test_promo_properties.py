"""Property tests over random catalogues, rules and carts.

Whatever ops write and buyers put in a cart: every discount's shares add up to it
exactly, no share is negative or above what its line still owed, every uncapped share is
within one fen of its exact proportional value, shop totals add up, and returning every
unit gives back exactly what was paid.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.promotions import (
    AllocateBy,
    CartLine,
    CrossShopRule,
    ItemDiscountRule,
    Quote,
    Repeat,
    RuleSet,
    ShopThresholdRule,
    price_cart,
    refund_for,
)
from bot.shop.catalog import Catalog, Order, OrderItem, OrderStatus, Product, load_catalog

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
DEMO = load_catalog(ROOT / "shop", NOW)
SHOPS = ("beishang", "mingxiang", "xianguo")


def _yuan(fen: int) -> str:
    """Amounts go into rules as text, the way ops write them ("39.90"), never as floats."""
    return f"{fen // 100}.{fen % 100:02d}"


def _discounts(threshold: int) -> st.SearchStrategy[int]:
    """Any discount below the threshold, often a deep one, so caps and forfeits get exercised."""
    return st.integers(1, threshold - 1) | st.integers(max(1, threshold * 9 // 10), threshold - 1)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Catalog, RuleSet, list[CartLine]]:
    in_cross = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    shops = {sid: DEMO.shops[sid].model_copy(update={"in_cross_shop": flag})
             for sid, flag in zip(SHOPS, in_cross, strict=True)}
    count = draw(st.integers(1, 8))
    products = {}
    for i in range(count):
        sku = f"P-{i}"
        products[sku] = Product(sku=sku, shop=draw(st.sampled_from(SHOPS)), name=sku,
                                price=_yuan(draw(st.integers(1, 60000))),
                                stock={"one": draw(st.integers(0, 5))})
    catalog = replace(DEMO, shops=shops, products=products)
    skus = sorted(products)
    rules: list = []
    for i in range(draw(st.integers(0, 2))):
        sku = draw(st.sampled_from(skus))
        price = products[sku].price
        if price > 1:
            off = draw(st.integers(1, price - 1))
            rules.append(ItemDiscountRule(id=f"item-{i}", title="直降", skus=(sku,),
                                          amount_off=_yuan(off)))
    for i in range(draw(st.integers(0, 3))):
        threshold = draw(st.integers(2, 80000))
        discount = draw(_discounts(threshold))
        repeat = draw(st.sampled_from(list(Repeat)))
        rules.append(ShopThresholdRule(
            id=f"shop-{i}", title="满减", shop=draw(st.sampled_from(SHOPS)),
            threshold=_yuan(threshold), discount=_yuan(discount), repeat=repeat,
            cap_times=draw(st.none() | st.integers(1, 3)) if repeat is Repeat.every else None,
            allocate_by=draw(st.sampled_from(list(AllocateBy)))))
    if draw(st.integers(0, 3)):  # most worlds have a cross-shop rule
        threshold = draw(st.integers(2, 50000))
        rules.append(CrossShopRule(
            id="cross", title="跨店每满减", threshold=_yuan(threshold),
            discount=_yuan(draw(_discounts(threshold))),
            cap_times=draw(st.none() | st.integers(1, 4)),
            exclude_skus=tuple(draw(st.lists(st.sampled_from(skus), max_size=2, unique=True))),
            allocate_by=draw(st.sampled_from(list(AllocateBy)))))
    lines = draw(st.lists(st.builds(CartLine, st.sampled_from(skus), st.integers(1, 5)),
                          min_size=1, max_size=12))
    return catalog, RuleSet.of(rules, catalog.timezone), lines


def _check_allocation(quote: Quote, rules: RuleSet) -> None:
    owed = [line.after_item_fen for line in quote.lines]
    base = list(owed)
    for discount in quote.discounts:
        rule = rules.get(discount.rule)
        assert rule is not None
        idx = [i for i, line in enumerate(quote.lines) if discount.rule in line.shares]
        shares = [quote.lines[i].shares[discount.rule] for i in idx]
        assert sum(shares) == discount.amount_fen <= discount.nominal_fen
        assert sum(discount.by_shop.values()) == discount.amount_fen
        weights = [owed[i] if rule.allocate_by is AllocateBy.payable else base[i] for i in idx]
        total = sum(weights)
        for i, weight, share in zip(idx, weights, shares, strict=True):
            assert 0 <= share <= owed[i]
            if share < owed[i] and total:  # not capped: within a fen of exact
                assert abs(share - Fraction(discount.nominal_fen * weight, total)) < 1
            owed[i] -= share
    for line, left in zip(quote.lines, owed, strict=True):
        assert line.payable_fen == left >= 0
    assert quote.payable_fen == sum(owed)
    assert quote.payable_fen == (quote.list_fen - quote.item_discount_fen
                                 - sum(d.amount_fen for d in quote.discounts))
    assert sum(quote.payable_by_shop.values()) == quote.payable_fen


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_random_carts_allocate_exactly(world: tuple[Catalog, RuleSet, list[CartLine]]) -> None:
    catalog, rules, lines = world
    quote = price_cart(catalog, rules, lines, NOW)
    _check_allocation(quote, rules)
    assert price_cart(catalog, rules, lines, NOW) == quote  # deterministic
    hint = quote.next_threshold
    if hint is not None:
        assert hint.short_by_fen > 0 and hint.gain_fen > 0
        for s in hint.suggestions:
            assert s.adds_fen >= hint.short_by_fen and catalog.products[s.sku].total_stock >= s.qty


@settings(max_examples=200, deadline=None)
@given(worlds(), st.data())
def test_refunding_every_unit_gives_back_what_was_paid(
        world: tuple[Catalog, RuleSet, list[CartLine]], data: st.DataObject) -> None:
    catalog, rules, lines = world
    quote = price_cart(catalog, rules, lines, NOW)
    order = Order(id="9999", buyer=1, shop=quote.lines[0].shop,
                  items=tuple(OrderItem(sku=line.sku, qty=line.qty) for line in lines),
                  status=OrderStatus.received, paid_fen=quote.payable_fen, placed_at=NOW,
                  paid_at=NOW, shipped_at=NOW, received_at=NOW, tracking=None)
    left = {}
    for line in lines:
        left[line.sku] = left.get(line.sku, 0) + line.qty
    returned: dict[str, int] = {}
    total = 0
    while any(left.values()):
        sku = data.draw(st.sampled_from(sorted(s for s, n in left.items() if n)))
        units = data.draw(st.integers(1, left[sku]))
        refund = refund_for(catalog, rules, order, {sku: units},
                            already_returned=MappingProxyType(dict(returned)))
        assert refund.refund_fen >= 0
        total += refund.refund_fen
        left[sku] -= units
        returned[sku] = returned.get(sku, 0) + units
    assert total == quote.payable_fen
