"""Cart pricing against the demo shops and the boundaries buyers actually hit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.promotions import (
    AllocateBy,
    CartLine,
    CrossShopRule,
    InvalidQuantity,
    ItemDiscountRule,
    Quote,
    Repeat,
    RuleSet,
    ShopThresholdRule,
    UnknownSku,
    active_cross_shop_rules,
    live_unit_price,
    load_rules,
    price_cart,
    quote_as_json,
)
from bot.shop.catalog import Catalog, Product

ROOT = Path(__file__).resolve().parents[2]
CROSS = "cross-shop-150-20"
COUPON = "beishang-coupon-199-30"
LONGJING = "mx-longjing-live-price"


@pytest.fixture
def rules(catalog: Catalog) -> RuleSet:
    return load_rules(ROOT / "promo_rules", catalog)


@pytest.fixture
def cross_only(rules: RuleSet, catalog: Catalog) -> RuleSet:
    rule = rules.get(CROSS)
    assert rule is not None
    return RuleSet.of([rule], catalog.timezone)


def with_products(catalog: Catalog, *specs: tuple[str, str, str]) -> Catalog:
    """The demo catalogue plus products (sku, shop, price) with stock."""
    products = dict(catalog.products)
    for sku, shop, price in specs:
        products[sku] = Product(sku=sku, shop=shop, name=sku, price=price, stock={"one": 10})
    return replace(catalog, products=products)


def cart(*items: str | tuple[str, int]) -> list[CartLine]:
    return [CartLine(i) if isinstance(i, str) else CartLine(*i) for i in items]


def shares_of(quote: Quote, rule: str) -> list[int]:
    return [line.shares.get(rule, 0) for line in quote.lines]


# -- the checks of demo-shops.md ------------------------------------------------------------

def test_dress_and_scarf_pay_130_with_shares_16_and_4(catalog, rules, demo_now) -> None:
    quote = price_cart(catalog, rules, cart("BS-DRESS", "BS-SCARF"), demo_now)
    assert quote.list_fen == 15000
    assert quote.payable_fen == 13000
    assert shares_of(quote, CROSS) == [1600, 400]
    assert [d.rule for d in quote.discounts] == [CROSS]
    assert dict(quote.discounts[0].by_shop) == {"beishang": 2000}


def test_one_gift_box_carries_the_whole_20(catalog, rules, demo_now) -> None:
    quote = price_cart(catalog, rules, cart("MX-GIFTBOX"), demo_now)
    assert quote.payable_fen == 14800
    assert shares_of(quote, CROSS) == [2000]


def test_two_dresses_and_longjing_pay_258(catalog, rules, demo_now) -> None:
    quote = price_cart(catalog, rules, cart(("BS-DRESS", 2), "MX-LONGJING"), demo_now)
    dress, tea = quote.lines
    assert (dress.list_fen, tea.list_fen, tea.item_discount_fen) == (24000, 9800, 1000)
    assert dress.after_item_fen + tea.after_item_fen == 32800
    by_rule = {d.rule: d for d in quote.discounts}
    assert [d.rule for d in quote.discounts] == [COUPON, CROSS]  # shop coupon first
    assert by_rule[COUPON].amount_fen == 3000 and by_rule[COUPON].eligible_fen == 24000
    assert by_rule[CROSS].amount_fen == 4000 and by_rule[CROSS].times == 2
    assert by_rule[CROSS].eligible_fen == 32800  # the coupon does not lower the cross threshold
    assert quote.payable_fen == 25800
    assert sum(by_rule[CROSS].by_shop.values()) == 4000
    assert dict(quote.payable_by_shop) == {"beishang": dress.payable_fen, "mingxiang": tea.payable_fen}


def test_dress_alone_is_30_short_and_the_scarf_closes_it(catalog, rules, demo_now) -> None:
    quote = price_cart(catalog, rules, cart("BS-DRESS"), demo_now)
    assert quote.discounts == ()
    hint = quote.next_threshold
    assert hint is not None and hint.rule == CROSS
    assert hint.short_by_fen == 3000 and hint.target_fen == 15000 and hint.gain_fen == 2000
    assert hint.suggestions[0].sku == "BS-SCARF" and hint.suggestions[0].overshoot_fen == 0
    overshoots = [s.overshoot_fen for s in hint.suggestions]
    assert overshoots == sorted(overshoots)


def test_oranges_do_not_count_toward_the_cross_shop_threshold(catalog, rules, demo_now) -> None:
    quote = price_cart(catalog, rules, cart("XG-ORANGE", "BS-DRESS"), demo_now)
    assert quote.list_fen == 15990
    assert quote.discounts == ()
    assert quote.payable_fen == 15990
    assert quote.next_threshold is not None and quote.next_threshold.short_by_fen == 3000
    assert "XG-ORANGE" not in [s.sku for s in quote.next_threshold.suggestions]


def test_oranges_are_outside_the_denominator(catalog, rules, demo_now) -> None:
    quote = price_cart(catalog, rules, cart("BS-DRESS", "XG-ORANGE", "BS-SCARF"), demo_now)
    assert shares_of(quote, CROSS) == [1600, 0, 400]
    assert CROSS not in quote.lines[1].shares
    assert quote.list_fen == 18990 and quote.payable_fen == 18990 - 2000


# -- thresholds ----------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "off"), [
    ("149.99", 0), ("150.00", 2000), ("299.99", 2000), ("300.00", 4000),
    ("449.99", 4000), ("450.00", 6000),
])
def test_every_full_150_takes_20(catalog, cross_only, demo_now, price: str, off: int) -> None:
    shop = with_products(catalog, ("T-ITEM", "mingxiang", price))
    quote = price_cart(shop, cross_only, cart("T-ITEM"), demo_now)
    assert sum(d.amount_fen for d in quote.discounts) == off
    assert quote.payable_fen == quote.list_fen - off
    hint = quote.next_threshold
    assert hint is not None and hint.target_fen == (off // 2000 + 1) * 15000


def test_threshold_counts_the_sum_of_lines_not_one_line(catalog, cross_only, demo_now) -> None:
    shop = with_products(catalog, ("T-A", "beishang", "75.00"), ("T-B", "mingxiang", "74.99"))
    assert price_cart(shop, cross_only, cart("T-A", "T-B"), demo_now).discounts == ()
    quote = price_cart(shop, cross_only, cart("T-A", ("T-B", 2)), demo_now)
    assert quote.discounts[0].amount_fen == 2000


def test_cap_times_limits_the_multiples(catalog, demo_now) -> None:
    rule = CrossShopRule(id="capped", title="每满150减20 最多2次", threshold="150.00",
                         discount="20.00", cap_times=2)
    rules = RuleSet.of([rule], catalog.timezone)
    shop = with_products(catalog, ("T-ITEM", "beishang", "450.00"))
    quote = price_cart(shop, rules, cart("T-ITEM"), demo_now)
    assert quote.discounts[0].amount_fen == 4000 and quote.discounts[0].times == 2
    assert quote.next_threshold is None  # nothing more to gain
    quote = price_cart(shop, rules, cart(("T-ITEM", 3)), demo_now)
    assert quote.discounts[0].amount_fen == 4000


def test_shop_coupon_every_multiple_with_cap(catalog, demo_now) -> None:
    rule = ShopThresholdRule(id="b-every", title="每满100减10", shop="beishang", threshold="100.00",
                             discount="10.00", repeat=Repeat.every, cap_times=3)
    rules = RuleSet.of([rule], catalog.timezone)
    quote = price_cart(catalog, rules, cart(("BS-DRESS", 4)), demo_now)  # 480 -> 4 multiples, cap 3
    assert quote.discounts[0].amount_fen == 3000
    quote = price_cart(catalog, rules, cart("BS-DRESS", "MX-GIFTBOX"), demo_now)
    assert quote.discounts[0].amount_fen == 1000 and shares_of(quote, "b-every") == [1000, 0]


def test_best_shop_coupon_wins_and_next_coupon_is_hinted(catalog, demo_now) -> None:
    small = ShopThresholdRule(id="b-199", title="满199减30", shop="beishang",
                              threshold="199.00", discount="30.00")
    big = ShopThresholdRule(id="b-299", title="满299减50", shop="beishang",
                            threshold="299.00", discount="50.00")
    rules = RuleSet.of([small, big], catalog.timezone)
    quote = price_cart(catalog, rules, cart(("BS-DRESS", 2)), demo_now)
    assert [(d.rule, d.amount_fen) for d in quote.discounts] == [("b-199", 3000)]
    hint = quote.next_threshold
    assert hint is not None and (hint.rule, hint.short_by_fen, hint.gain_fen) == ("b-299", 5900, 2000)
    quote = price_cart(catalog, rules, cart(("BS-DRESS", 3)), demo_now)
    assert [(d.rule, d.amount_fen) for d in quote.discounts] == [("b-299", 5000)]


# -- caps, forfeit, bearing -------------------------------------------------------------------

def test_share_capped_at_what_the_line_still_owes_and_excess_forfeited(catalog, demo_now) -> None:
    """Taobao's example: a 400 item with a 400-380 shop coupon still meets a cross 400-50."""
    shop = with_products(catalog, ("T-400", "beishang", "400.00"), ("T-OTHER", "mingxiang", "400.00"))
    coupon = ShopThresholdRule(id="coupon", title="满400减380", shop="beishang",
                               threshold="400.00", discount="380.00", skus=("T-400",))
    cross = CrossShopRule(id="cross", title="每满400减50", threshold="400.00", discount="50.00")
    quote = price_cart(shop, RuleSet.of([coupon, cross], catalog.timezone), cart("T-400"), demo_now)
    by_rule = {d.rule: d for d in quote.discounts}
    assert by_rule["cross"].eligible_fen == 40000 and by_rule["cross"].nominal_fen == 5000
    assert by_rule["cross"].amount_fen == 2000 and by_rule["cross"].forfeited_fen == 3000
    assert quote.payable_fen == 0

    parallel = cross.model_copy(update={"allocate_by": AllocateBy.after_item_discounts})
    quote = price_cart(shop, RuleSet.of([coupon, parallel], catalog.timezone),
                       cart("T-400", "T-OTHER"), demo_now)
    # 100 over equal weights: 50 each; the coupon line can carry 20, the other line keeps 50
    assert shares_of(quote, "cross") == [2000, 5000]
    assert quote.discounts[-1].forfeited_fen == 3000


def test_three_shops_bear_the_cross_shop_reduction_by_their_lines(catalog, demo_now) -> None:
    shops = dict(catalog.shops)
    shops["xianguo"] = shops["xianguo"].model_copy(update={"in_cross_shop": True})
    shop = with_products(replace(catalog, shops=shops), ("T-A", "beishang", "200.00"),
                         ("T-B", "mingxiang", "100.50"), ("T-B2", "mingxiang", "50.00"),
                         ("T-C", "xianguo", "99.50"))
    rule = CrossShopRule(id="cross", title="每满150减20", threshold="150.00", discount="20.00")
    quote = price_cart(shop, RuleSet.of([rule], catalog.timezone),
                       cart("T-A", "T-B", "T-C", "T-B2"), demo_now)
    discount = quote.discounts[0]
    assert discount.amount_fen == 6000
    # exact 2666.67 / 1340 / 1326.67 / 666.67 fen: the two odd fen go to equal fractions,
    # so by the tie rule to the earlier lines (0 and 2), not to the last one
    assert shares_of(quote, "cross") == [2667, 1340, 1327, 666]
    assert dict(discount.by_shop) == {"beishang": 2667, "mingxiang": 2006, "xianguo": 1327}


# -- item discounts and time windows ------------------------------------------------------------

def test_live_unit_price_of_longjing(catalog, rules, demo_now) -> None:
    price = live_unit_price(catalog, rules, "MX-LONGJING", demo_now)
    assert (price.list_fen, price.price_fen, price.off_fen) == (9800, 8800, 1000)
    assert price.rule is not None and price.rule.id == LONGJING
    assert live_unit_price(catalog, rules, "BS-DRESS", demo_now).rule is None


SHANGHAI_START = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 2026-01-01 00:00 in Asia/Shanghai
SHANGHAI_END = datetime(2099, 12, 31, 16, 0, tzinfo=UTC)    # 2100-01-01 00:00 in Asia/Shanghai
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(("at", "price"), [
    (SHANGHAI_START - TICK, 9800),  # 2025-12-31 23:59:59.999999 shop time: not yet
    (SHANGHAI_START, 8800),         # valid_from is inclusive
    (SHANGHAI_END - TICK, 8800),    # valid_to 2099-12-31 covers its whole day
    (SHANGHAI_END, 9800),           # and ends at midnight after it
])
def test_item_discount_window_edges_in_shop_time(catalog, rules, at: datetime, price: int) -> None:
    assert live_unit_price(catalog, rules, "MX-LONGJING", at).price_fen == price
    quote = price_cart(catalog, rules, cart("MX-LONGJING"), at)
    assert quote.payable_fen == price


def test_minute_precision_window_is_inclusive_to_the_end_of_the_minute(catalog) -> None:
    rule = CrossShopRule(id="flash", title="整点秒杀", threshold="150.00", discount="20.00",
                         valid_from="2026-11-11 20:00", valid_to="2026-11-11 20:59")
    rules = RuleSet.of([rule], catalog.timezone)
    start = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
    assert active_cross_shop_rules(rules, start) == (rule,)
    assert active_cross_shop_rules(rules, start - TICK) == ()
    assert active_cross_shop_rules(rules, start + timedelta(minutes=60) - TICK) == (rule,)
    assert active_cross_shop_rules(rules, start + timedelta(minutes=60)) == ()


def test_disabled_rule_never_applies(catalog, demo_now) -> None:
    rule = CrossShopRule(id="off", title="x", threshold="150.00", discount="20.00", enabled=False)
    rules = RuleSet.of([rule], catalog.timezone)
    assert price_cart(catalog, rules, cart("MX-GIFTBOX"), demo_now).payable_fen == 16800
    assert active_cross_shop_rules(rules, demo_now) == ()


def test_price_rule_and_best_item_discount(catalog, demo_now) -> None:
    fixed = ItemDiscountRule(id="a-price", title="直播价", skus=("MX-LONGJING",), price="90.00")
    bigger = ItemDiscountRule(id="b-off", title="直降", skus=("MX-LONGJING",), amount_off="12.00")
    rules = RuleSet.of([fixed, bigger], catalog.timezone)
    quote = price_cart(catalog, rules, cart(("MX-LONGJING", 2)), demo_now)
    assert quote.lines[0].item_discount_fen == 2400 and quote.lines[0].item_rule == "b-off"


def test_item_discounts_lower_the_threshold_base(catalog, rules, demo_now) -> None:
    # 98 list but 88 live: 88 + 30 + 30 = 148 does not reach 150
    quote = price_cart(catalog, rules, cart("MX-LONGJING", ("BS-SCARF", 2)), demo_now)
    assert quote.discounts == ()
    assert quote.next_threshold is not None and quote.next_threshold.short_by_fen == 200


def test_active_cross_shop_rules_for_the_faq(rules, demo_now) -> None:
    assert [r.id for r in active_cross_shop_rules(rules, demo_now)] == [CROSS]


# -- input errors and output shape ----------------------------------------------------------------

def test_bad_input_is_refused(catalog, rules, demo_now) -> None:
    with pytest.raises(UnknownSku, match="NOPE"):
        price_cart(catalog, rules, cart("NOPE"), demo_now)
    with pytest.raises(InvalidQuantity):
        price_cart(catalog, rules, [CartLine("BS-DRESS", 0)], demo_now)
    with pytest.raises(ValueError, match="timezone-aware"):
        price_cart(catalog, rules, cart("BS-DRESS"), datetime(2026, 11, 23, 12, 0))
    assert issubclass(UnknownSku, ValueError)


def test_pricing_is_deterministic(catalog, rules, demo_now) -> None:
    lines = cart(("BS-DRESS", 2), "MX-LONGJING", "XG-ORANGE", "BS-SCARF")
    assert price_cart(catalog, rules, lines, demo_now) == price_cart(catalog, rules, lines, demo_now)


def test_quote_json_shape(catalog, rules, demo_now) -> None:
    quote = price_cart(catalog, rules, cart("BS-DRESS", "BS-SCARF"), demo_now)
    assert quote_as_json(quote) == {
        "lines": [
            {"sku": "BS-DRESS", "qty": 1, "list": "120.00", "item_discount": "0.00",
             "shares": {CROSS: "16.00"}, "payable": "104.00"},
            {"sku": "BS-SCARF", "qty": 1, "list": "30.00", "item_discount": "0.00",
             "shares": {CROSS: "4.00"}, "payable": "26.00"},
        ],
        "discounts": [{"rule": CROSS, "amount": "20.00", "by_shop": {"beishang": "20.00"}}],
        "payable": "130.00",
        "next_threshold": {"rule": COUPON, "short_by": "49.00",
                           "suggestions": ["BS-SCARFx2", "BS-CARDIGAN", "BS-DRESS"]},
    }
