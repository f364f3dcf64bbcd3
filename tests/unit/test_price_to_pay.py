"""到手价: "多少钱" gives the list price and what one unit alone really costs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.answers.composer import Asker
from bot.answers.price_to_pay import price_to_pay_view
from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, load_knowledge
from bot.promotions import RuleSet, load_rules
from bot.shop.catalog import Catalog
from bot.understanding.intents import Channel

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


@pytest.fixture
def rules(catalog: Catalog) -> RuleSet:
    return load_rules(ROOT / "promo_rules", catalog)


def test_the_gift_box_alone_meets_the_cross_shop_reduction(catalog: Catalog, rules: RuleSet) -> None:
    deal = price_to_pay_view(catalog, rules, catalog.products["MX-GIFTBOX"], AT)
    assert deal == {"pay": 14800, "order_discounts": [{"title": "跨店每满150减20", "amount": 2000}],
                    "short": None}


def test_the_dress_alone_falls_short_by_thirty(catalog: Catalog, rules: RuleSet) -> None:
    deal = price_to_pay_view(catalog, rules, catalog.products["BS-DRESS"], AT)
    assert deal == {"pay": 12000, "order_discounts": [],
                    "short": {"title": "跨店每满150减20", "short_by": 3000, "gain": 2000}}


def test_the_live_price_is_what_the_tea_costs_and_counts_toward_the_threshold(
        catalog: Catalog, rules: RuleSet) -> None:
    deal = price_to_pay_view(catalog, rules, catalog.products["MX-LONGJING"], AT)
    assert deal["pay"] == 8800 and deal["order_discounts"] == []
    assert deal["short"] == {"title": "跨店每满150减20", "short_by": 6200, "gain": 2000}  # 150 - 88


def test_goods_outside_every_threshold_get_no_gap_to_close(catalog: Catalog, rules: RuleSet) -> None:
    deal = price_to_pay_view(catalog, rules, catalog.products["XG-ORANGE"], AT)
    assert deal == {"pay": 3990, "order_discounts": [], "short": None}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(Settings(), AT)


def answer(knowledge: Knowledge, text: str, language: str) -> str:
    match = knowledge.matcher.match(text, Channel.private, None)
    composed = knowledge.composer.compose(match, Channel.private, Asker(700001, "小王", language), AT)
    assert composed is not None and composed.template == "price"
    return knowledge.render_answer(knowledge.locale(language), composed)


@pytest.mark.parametrize(("text", "language", "says"), [
    ("礼盒多少钱", "zh-hans", ["售价 ¥168.00", "跨店每满150减20", "到手价 ¥148.00"]),
    ("龙井多少钱", "zh-hans", ["直播价 ¥88.00", "原价 ¥98.00", "再凑 ¥62.00"]),
    ("连衣裙多少钱", "zh-hans", ["售价 ¥120.00", "再凑 ¥30.00即可享跨店每满150减20"]),
    ("how much is the gift box", "en", ["¥168.00", "so you pay ¥148.00"]),
    ("how much is the dress", "en", ["¥120.00", "Add ¥30.00 more to get ¥20 off every full ¥150 across shops"]),
])
def test_the_price_answer_words_the_facts(knowledge: Knowledge, text: str, language: str,
                                          says: list[str]) -> None:
    text = answer(knowledge, text, language)
    assert all(part in text for part in says), text


def test_no_gap_or_price_to_pay_when_nothing_applies(knowledge: Knowledge) -> None:
    text = answer(knowledge, "橙子多少钱", "zh-hans")
    assert "售价 ¥39.90" in text and "到手" not in text and "再凑" not in text
