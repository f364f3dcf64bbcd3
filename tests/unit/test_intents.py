"""The matcher on the phrasings of issue 2, with the real lexicon and the demo catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.shop.catalog import Catalog
from bot.understanding.intents import NOISE, UNSURE, Channel, IntentMatcher, Lexicon, load_lexicon

ROOT = Path(__file__).resolve().parents[2]
LIVE, PRIVATE = Channel.live, Channel.private


@pytest.fixture
def matcher(catalog: Catalog) -> IntentMatcher:
    return IntentMatcher(load_lexicon(ROOT / "templates" / "intents.yaml"), catalog)


@pytest.mark.parametrize("text", ["666", "主播好美", "来了来了", "哈哈哈", "🌹🌹🌹", "😍", "扣1", "已拍",
                                  "这个颜色好看", "主播辛苦了", "爱了爱了", "1111", "so pretty", "  "])
def test_room_noise_is_silent(matcher: IntentMatcher, text: str) -> None:
    assert matcher.match(text, LIVE, "BS-DRESS").intent == NOISE


@pytest.mark.parametrize(("text", "intent"), [
    ("多少钱", "price"), ("有M码吗", "stock"), ("什么面料", "material"), ("有哪些颜色", "options"),
    ("160 50kg", "size_advice"), ("1米6 100斤", "size_advice"), ("身高168体重58", "size_advice"),
    ("我155穿M行吗", "size_advice"), ("什么时候发货", "shipping_time"), ("发什么快递", "courier"),
    ("包邮吗", "shipping_fee"), ("不合适能退吗", "return_policy"), ("有什么优惠吗", "promotion"),
    ("已拍，什么时候发货", "shipping_time"),
])
def test_room_questions_are_about_the_stage_product(matcher: IntentMatcher, text: str, intent: str) -> None:
    match = matcher.match(text, LIVE, "BS-DRESS")
    assert (match.intent, match.sku, match.sku_from_text) == (intent, "BS-DRESS", False)


def test_a_named_product_wins_over_the_stage(matcher: IntentMatcher) -> None:
    match = matcher.match("龙井多少", LIVE, "BS-DRESS")
    assert (match.intent, match.sku, match.sku_from_text) == ("price", "MX-LONGJING", True)


@pytest.mark.parametrize(("text", "intent", "sku"), [
    ("how much is the dress", "price", "BS-DRESS"),
    ("do you have the dress in XL", "stock", "BS-DRESS"),
    ("what is the cardigan made of", "material", "BS-CARDIGAN"),
    ("when do you ship the oranges", "shipping_time", "XG-ORANGE"),
    ("can I return the gift box", "return_policy", "MX-GIFTBOX"),
    ("這件裙子多少錢", "price", "BS-DRESS"),
    ("開衫有哪些尺碼", "options", "BS-CARDIGAN"),
    ("ＸＬ的裙子有貨嗎", "stock", "BS-DRESS"),
    ("丝巾啥材质", "material", "BS-SCARF"),
    ("橙子咋退", "return_policy", "XG-ORANGE"),
    ("围巾还有木有", "stock", "BS-SCARF"),
    ("亲 龙井几号发货呀", "shipping_time", "MX-LONGJING"),
    ("连衣裙 身高160体重50穿什么码", "size_advice", "BS-DRESS"),
    ("橙子坏了能赔吗", "return_policy", "XG-ORANGE"),
    ("BS-CARDIGAN 有M吗", "stock", "BS-CARDIGAN"),
])
def test_private_questions(matcher: IntentMatcher, text: str, intent: str, sku: str) -> None:
    match = matcher.match(text, PRIVATE)
    assert (match.intent, match.sku) == (intent, sku)


@pytest.mark.parametrize(("text", "intent"), [
    ("你好", "greeting"), ("亲 在吗", "greeting"), ("hey there", "greeting"), ("哈囉", "greeting"),
    ("谢谢", "thanks"), ("明白了 谢谢宝宝", "thanks"), ("好嘞 回头见", "goodbye"), ("88", "goodbye"),
    ("你能做什么", "help"), ("what can you do", "help"),
    ("转人工", "human"), ("不要机器人", "human"), ("投诉", "complaint"), ("垃圾店", "complaint"),
    ("我的地址写错了", "personal"), ("wrong phone number on my order", "personal"),
    ("包邮吗", "shipping_fee"), ("新疆包郵嗎", "shipping_fee"), ("退货的运费谁出", "return_policy"),
    ("运费险怎么赔", "return_policy"), ("跨店满减是什么", "promotion"),
    ("连衣裙和围巾一起买多少钱", "cart"), ("礼盒加龙井呢", "cart"), ("两条裙子多少钱", "cart"),
])
def test_topics_without_a_product(matcher: IntentMatcher, text: str, intent: str) -> None:
    assert matcher.match(text, PRIVATE).intent == intent


def test_a_greeting_gives_way_to_the_question(matcher: IntentMatcher) -> None:
    assert matcher.match("你好 什么时候发货", PRIVATE).intent == "shipping_time"
    assert matcher.match("那谢谢啦!估计什么时候能发货", PRIVATE).intent == "shipping_time"


@pytest.mark.parametrize(("text", "intent"), [
    ("什么时候发货", "shipping_time"),
    ("多久能到", "shipping_time"),
    ("我的快递什么时候到", "order_status"),        # their parcel
    ("我付款好了 什么时候发货", "order_status"),
    ("我昨天拍的开衫什么时候发", "order_status"),
    ("我的订单1002发货了吗", "order_status"),
    ("我的订单", "order_status"),
    ("快递到哪了", "order_status"),
    ("我这个订单可以退吗", "return_policy"),       # a mention of the order does not decide
    ("我刚下的单 你们用的是什么快递", "courier"),
])
def test_order_wording_versus_shipping_wording(matcher: IntentMatcher, text: str, intent: str) -> None:
    assert matcher.match(text, PRIVATE).intent == intent


def test_order_number_is_read(matcher: IntentMatcher) -> None:
    match = matcher.match("订单1003到哪了", PRIVATE)
    assert (match.intent, match.order_id) == ("order_status", "1003")


@pytest.mark.parametrize("text", [
    # goods the shops do not sell, on topics they do answer
    "手机多少钱", "你好 黑鲨什么时候发货啊", "热水器可以退吗", "体脂秤单卖多少钱", "耳机有货吗",
    # topics the data does not cover
    "能开发票吗", "怎么安装", "保修多久", "退款什么时候到账", "我上个月的退款还没到", "能换个颜色吗",
    "我现在能换货吗", "开衫什么时候补货", "能延迟发货吗", "我要取消订单", "裙子会缩水吗", "橙子甜不甜",
    "是正品吗", "618有活动吗", "能用花呗吗", "价格保护怎么申请", "有赠品吗", "谢谢 那赠品呢?",
])
def test_what_the_shops_cannot_answer_is_never_answered_confidently(matcher: IntentMatcher, text: str) -> None:
    private = matcher.match(text, PRIVATE)
    assert private.intent == UNSURE
    assert private.unserved
    assert not matcher.match(text, LIVE, "BS-DRESS").confident


def test_a_person_asked_for_wins_over_an_unserved_topic(matcher: IntentMatcher) -> None:
    assert matcher.match("过了保修期如何维修 我要转人工", PRIVATE).intent == "human"
    assert matcher.match("我换手机号了要改一下", PRIVATE).intent == "personal"


def test_a_foreign_product_does_not_hide_one_of_ours(matcher: IntentMatcher) -> None:
    assert matcher.match("开衫多少钱", PRIVATE).intent == "price"
    assert matcher.match("围巾和帽子一起多少钱", PRIVATE).intent == "cart"


def test_unsure_keeps_the_likely_topics_for_the_buttons(matcher: IntentMatcher) -> None:
    match = matcher.match("退货的运费是多少", PRIVATE)
    assert match.intent == "return_policy"
    tie = matcher.match("送货呢，明天送过来吗 还是今天送到家", PRIVATE)
    assert tie.intent == UNSURE
    assert set(tie.candidates[:2]) == {"shipping_time", "order_status"}


def test_product_placeholder_and_lexicon_extensions(catalog: Catalog) -> None:
    lexicon = Lexicon.model_validate({
        "intents": {"price": {"needs_product": True, "patterns": [{"re": "^{product}多少$", "w": 1.2}]}},
        "unserved": {"invoice": ["发票"]},
        "foreign_products": ["手机"],
    })
    matcher = IntentMatcher(lexicon, catalog)
    assert matcher.match("龙井多少", PRIVATE).intent == "price"
    assert matcher.match("龙井发票多少", PRIVATE).intent == UNSURE
    foreign = matcher.match("手机多少", PRIVATE)
    assert (foreign.intent, foreign.unserved) == (UNSURE, ("foreign_product",))
    assert matcher.match("手机多少", PRIVATE, "MX-LONGJING").sku == "MX-LONGJING"  # the stage stays, unanswered


def test_a_bad_pattern_is_a_data_error() -> None:
    with pytest.raises(ValueError, match="bad regular expression"):
        Lexicon.model_validate({"intents": {"price": {"patterns": [{"re": "(多少"}]}}})
    with pytest.raises(ValueError, match="bad regular expression"):
        Lexicon.model_validate({"intents": {"price": {"patterns": [{"re": "x"}]}}, "unserved": {"a": ["[发票"]}})
