"""The shop's after-sales policy decides each demo request as demo-shops.md expects."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.aftersales.as_json import decision_as_json
from bot.aftersales.decision import Kind, Outcome, Request, RequestError, Why, decide
from bot.aftersales.policy import AftersalesPolicy, Reason, load_aftersales
from bot.datafiles import DataFileError
from bot.promotions.loader import load_rules
from bot.promotions.refunds import refund_for
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rules(catalog: Catalog) -> RuleSet:
    return load_rules(ROOT / "promo_rules", catalog)


@pytest.fixture
def policy(catalog: Catalog) -> AftersalesPolicy:
    return load_aftersales(ROOT / "shop" / "aftersales.yaml", catalog)


def ask(catalog: Catalog, rules: RuleSet, policy: AftersalesPolicy, order: str, items: dict[str, int],
        reason: Reason, at: datetime, **kwargs: object) -> dict[str, object]:
    request = Request(catalog.orders[order], items, reason, at, **kwargs)  # type: ignore[arg-type]
    return decision_as_json(decide(catalog, rules, policy, request))


def test_1004_scarf_changed_mind_is_accepted_with_26_back(catalog, rules, policy, demo_now) -> None:
    result = ask(catalog, rules, policy, "1004", {"BS-SCARF": 1}, Reason.changed_mind, demo_now)
    assert result["decision"] == "accept" and result["refund"] == "26.00"
    assert result["offer"] is None and result["coupon"] is None
    assert "within the 7-day" in str(result["why"])


def test_1004_dress_is_offered_a_gift_first_then_accepted_for_104(catalog, rules, policy, demo_now) -> None:
    first = ask(catalog, rules, policy, "1004", {"BS-DRESS": 1}, Reason.changed_mind, demo_now)
    assert first["decision"] == "offer" and first["refund"] == "104.00"
    assert first["offer"] == {"kind": "gift", "name": "同款真丝发圈", "value": "15.00"}
    second = ask(catalog, rules, policy, "1004", {"BS-DRESS": 1}, Reason.changed_mind, demo_now,
                 retention_declined=True)
    assert second["decision"] == "accept" and second["refund"] == "104.00" and second["offer"] is None


def test_quality_problem_skips_the_offer(catalog, rules, policy, demo_now) -> None:
    result = ask(catalog, rules, policy, "1004", {"BS-DRESS": 1}, Reason.quality, demo_now, photos=1)
    assert result["decision"] == "accept" and result["refund"] == "104.00" and result["offer"] is None


def test_1005_past_the_window_is_declined_with_a_coupon(catalog, rules, policy, demo_now) -> None:
    result = ask(catalog, rules, policy, "1005", {"BS-CARDIGAN": 1}, Reason.changed_mind, demo_now)
    assert result["decision"] == "decline" and result["refund"] is None
    assert result["coupon"] == {"name": "蓓尚店铺券", "amount": "10.00", "min_spend": "99.00", "valid_days": 30}
    assert "10 day(s) ago, past the 7-day" in str(result["why"])


def test_the_window_ends_seven_days_after_receipt(catalog, rules, policy) -> None:
    received = catalog.orders["1004"].received_at
    assert received is not None
    inside = ask(catalog, rules, policy, "1004", {"BS-SCARF": 1}, Reason.changed_mind, received + timedelta(days=7))
    after = ask(catalog, rules, policy, "1004", {"BS-SCARF": 1}, Reason.changed_mind,
                received + timedelta(days=7, minutes=1))
    assert (inside["decision"], after["decision"]) == ("accept", "decline")


def test_1006_custom_made_is_declined_politely_with_a_coupon(catalog, rules, policy, demo_now) -> None:
    result = ask(catalog, rules, policy, "1006", {"MX-GIFTBOX": 1}, Reason.changed_mind, demo_now)
    assert result["decision"] == "decline" and result["coupon"]["amount"] == "15.00"  # type: ignore[index]
    assert "custom-made" in str(result["why"])


def test_1007_fresh_fruit_no_reason_declined_bad_fruit_with_photos_accepted(catalog, rules, policy,
                                                                           demo_now) -> None:
    no_reason = ask(catalog, rules, policy, "1007", {"XG-ORANGE": 1}, Reason.changed_mind, demo_now)
    assert no_reason["decision"] == "decline" and no_reason["coupon"] is not None
    without = ask(catalog, rules, policy, "1007", {"XG-ORANGE": 1}, Reason.quality, demo_now)
    assert without["decision"] == "need_photos" and without["refund"] is None
    with_photos = ask(catalog, rules, policy, "1007", {"XG-ORANGE": 1}, Reason.quality, demo_now, photos=2)
    assert with_photos["decision"] == "accept" and with_photos["refund"] == "39.90"


def test_bad_fruit_claimed_after_24_hours_is_declined(catalog, rules, policy) -> None:
    received = catalog.orders["1007"].received_at
    assert received is not None
    late = ask(catalog, rules, policy, "1007", {"XG-ORANGE": 1}, Reason.quality,
               received + timedelta(hours=25), photos=1)
    assert late["decision"] == "decline" and "24 h" in str(late["why"])


def test_exchange_to_a_size_in_stock_and_to_a_sold_out_one(catalog, rules, policy, demo_now) -> None:
    order = catalog.orders["1004"]
    ok = decide(catalog, rules, policy, Request(order, {"BS-DRESS": 1}, Reason.size, demo_now,
                                                kind=Kind.exchange, exchange_to="L"))
    assert ok.outcome == Outcome.accept and ok.refund_fen is None
    refused = decide(catalog, rules, policy, Request(order, {"BS-DRESS": 1}, Reason.size, demo_now,
                                                     kind=Kind.exchange, exchange_to="M"))
    assert refused.outcome == Outcome.decline and refused.why == Why.size_sold_out
    assert refused.in_stock == ("S", "L", "XL")


def test_items_not_in_the_order_are_refused(catalog, rules, policy, demo_now) -> None:
    for order, items in (("1004", {"MX-LONGJING": 1}), ("1004", {"BS-SCARF": 2}), ("1001", {"BS-DRESS": 1})):
        with pytest.raises(RequestError):
            decide(catalog, rules, policy, Request(catalog.orders[order], items, Reason.quality, demo_now, photos=1))


def test_an_earlier_return_is_not_refunded_twice(catalog, rules, policy, demo_now) -> None:
    with pytest.raises(RequestError, match="more units"):
        decide(catalog, rules, policy, Request(catalog.orders["1004"], {"BS-SCARF": 1}, Reason.quality, demo_now,
                                               photos=1, already_returned={"BS-SCARF": 1}))


def test_whole_order_returned_item_by_item_gives_back_what_was_paid(catalog, rules, policy, demo_now) -> None:
    order = catalog.orders["1004"]
    scarf = decide(catalog, rules, policy, Request(order, {"BS-SCARF": 1}, Reason.changed_mind, demo_now))
    dress = decide(catalog, rules, policy, Request(order, {"BS-DRESS": 1}, Reason.changed_mind, demo_now,
                                                   retention_declined=True, already_returned={"BS-SCARF": 1}))
    assert scarf.refund_fen is not None and dress.refund_fen is not None
    assert scarf.refund_fen + dress.refund_fen == order.paid_fen == 13000
    whole = refund_for(catalog, rules, order, {"BS-SCARF": 1, "BS-DRESS": 1})
    assert whole.refund_fen == 13000


def test_policy_file_errors_name_file_and_line(catalog, tmp_path: Path) -> None:
    path = tmp_path / "aftersales.yaml"
    path.write_text("shops:\n  beishang:\n    retention: {enabled: true}\n  nowhere: {}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_aftersales(path, catalog)
    assert f"{path}:3" in str(caught.value) and "no offer" in str(caught.value)
    path.write_text("shops:\n  beishang: {}\n  nowhere: {}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=f"{path}:3: unknown shop 'nowhere'"):
        load_aftersales(path, catalog)


def test_order_buttons_open_the_form() -> None:
    """The composer's order buttons become the callback data the form's handlers route on."""
    from bot.answers.buttons import Button, ButtonKind
    from bot.telegram.callbacks import AsMine, AsStart, callback_for

    assert callback_for(Button(ButtonKind.aftersales_apply, "1004")) == AsStart(order_id="1004")
    assert callback_for(Button(ButtonKind.aftersales_mine)) == AsMine()
