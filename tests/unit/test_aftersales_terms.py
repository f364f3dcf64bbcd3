"""Refund timing, return pick-up and exchange cost are answered from shop/aftersales.yaml."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.aftersales.terms import terms_context
from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, load_knowledge


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(Settings(), datetime.now(UTC))


@pytest.mark.parametrize(("topic", "shops", "expected", "absent"), [
    ("refund_timing", ["beishang"], ["蓓尚服饰", "3个工作日", "原支付账户"], ["茗香"]),
    ("refund_timing", ["xianguo"], ["1个工作日"], []),
    ("return_pickup", ["beishang"], ["中通快递上门取件", "运费险"], []),
    ("return_pickup", ["mingxiang"], ["自行寄回", "¥12.00"], []),
    ("exchange_cost", None, ["蓓尚服饰：换货运费由运费险承担", "茗香茶铺：换货需要承担往返运费¥12.00", "鲜果坊：换货不收运费"], []),
])
def test_terms_answers_come_from_policy_data(knowledge: Knowledge, topic: str, shops: list[str] | None,
                                             expected: list[str], absent: list[str]) -> None:
    assert knowledge.aftersales is not None
    text = knowledge.render("zh-CN", "aftersales/terms", terms_context(knowledge.catalog, knowledge.aftersales,
                                                                        topic, shops))
    for fragment in expected:
        assert fragment in text, text
    for fragment in absent:
        assert fragment not in text
    assert text.count("亲") >= 1


def test_unknown_topic_is_refused(knowledge: Knowledge) -> None:
    assert knowledge.aftersales is not None
    with pytest.raises(ValueError):
        terms_context(knowledge.catalog, knowledge.aftersales, "price")
