"""Refunds give back what the returned units paid; kept items are never re-priced."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.promotions import RefundError, RepricingMismatch, RuleSet, load_rules, refund_for
from bot.shop.catalog import Catalog, OrderItem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rules(catalog: Catalog) -> RuleSet:
    return load_rules(ROOT / "promo_rules", catalog)


def test_order_1004_scarf_refund_is_26(catalog, rules) -> None:
    refund = refund_for(catalog, rules, catalog.orders["1004"], {"BS-SCARF": 1})
    assert refund.refund_fen == 2600
    (line,) = refund.lines
    assert (line.sku, line.units, line.amount_fen, line.shares_fen) == ("BS-SCARF", 1, 3000, 400)


def test_returning_the_dress_does_not_claw_back_the_scarf(catalog, rules) -> None:
    # the scarf alone (30.00) is far below 150, yet the dress gives back 120 - 16, not 120 - 20
    refund = refund_for(catalog, rules, catalog.orders["1004"], {"BS-DRESS": 1})
    assert refund.refund_fen == 10400


def test_returning_everything_gives_back_what_was_paid(catalog, rules) -> None:
    order = catalog.orders["1004"]
    both = refund_for(catalog, rules, order, {"BS-DRESS": 1, "BS-SCARF": 1})
    assert both.refund_fen == order.paid_fen == 13000
    later = refund_for(catalog, rules, order, {"BS-DRESS": 1}, already_returned={"BS-SCARF": 1})
    assert later.refund_fen + 2600 == 13000


def test_units_of_one_line_returned_one_by_one_add_up(catalog, rules) -> None:
    order = replace(catalog.orders["1004"], items=(OrderItem(sku="BS-SCARF", qty=5),), paid_fen=None)
    quote = refund_for(catalog, rules, order, {"BS-SCARF": 5}).quote
    assert quote.lines[0].shares_fen == 2000  # 150 -> 20 off, carried by 5 scarves
    refunds = [refund_for(catalog, rules, order, {"BS-SCARF": 1}, already_returned={"BS-SCARF": k})
               .refund_fen for k in range(5)]
    assert refunds == [2600] * 5
    assert sum(refunds) == quote.payable_fen


def test_uneven_unit_shares_still_add_up(catalog, rules) -> None:
    order = replace(catalog.orders["1004"], paid_fen=None,
                    items=(OrderItem(sku="BS-SCARF", qty=4), OrderItem(sku="MX-LONGJING", qty=1)))
    quote = refund_for(catalog, rules, order, {}).quote
    scarf_share = quote.lines[0].shares_fen
    assert scarf_share == 1154  # 20.00 x 120/208: not a multiple of 4 units
    parts = [refund_for(catalog, rules, order, {"BS-SCARF": 1}, already_returned={"BS-SCARF": k})
             .refund_fen for k in range(4)]
    assert max(parts) - min(parts) == 1
    assert sum(parts) == quote.lines[0].payable_fen


def test_refund_errors(catalog, rules) -> None:
    with pytest.raises(RefundError, match="not paid"):
        refund_for(catalog, rules, catalog.orders["1001"], {"BS-DRESS": 1})
    with pytest.raises(RefundError, match="more units"):
        refund_for(catalog, rules, catalog.orders["1004"], {"BS-SCARF": 2})
    with pytest.raises(RefundError, match="more units"):
        refund_for(catalog, rules, catalog.orders["1004"], {"BS-SCARF": 1},
                   already_returned={"BS-SCARF": 1})
    with pytest.raises(RefundError, match="has no MX-LONGJING"):
        refund_for(catalog, rules, catalog.orders["1004"], {"MX-LONGJING": 1})


def test_repricing_that_does_not_match_the_payment_needs_an_agent(catalog, rules) -> None:
    order = replace(catalog.orders["1004"], paid_fen=12900)
    with pytest.raises(RepricingMismatch, match="130.00.*129.00"):
        refund_for(catalog, rules, order, {"BS-SCARF": 1})


def test_refund_uses_the_rules_live_at_payment(catalog, rules) -> None:
    # 1003 (MX-LONGJING) was paid in November 2026, inside the live-price window: 88.00
    refund = refund_for(catalog, rules, catalog.orders["1003"], {"MX-LONGJING": 1})
    assert refund.refund_fen == 8800
