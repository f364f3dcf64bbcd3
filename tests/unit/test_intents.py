"""The topic reader (trained classifier + rules) on phrasings named in the issue and our own.

None of these phrasings is taken from the held-out real buyer questions.
"""

from __future__ import annotations

import pytest

from bot.understanding.intents import NOISE, UNSURE, Channel, IntentMatcher

LIVE, PRIVATE = Channel.live, Channel.private


@pytest.mark.parametrize("text", ["666", "主播好美", "来了来了", "哈哈哈", "🌹🌹🌹", "😍", "扣1", "已拍",
                                  "爱了爱了", "so pretty", "  ", "!!!"])
def test_room_noise_is_silent(matcher: IntentMatcher, text: str) -> None:
    assert not matcher.match(text, LIVE, "BS-DRESS").confident


@pytest.mark.parametrize("text", ["160 50kg什么码", "172cm 65kg什么码", "身高172 体重65kg什么码",
                                  "160 50kg穿什么码", "1米6 100斤", "我160 100斤", "160/50 什么号"])
def test_body_measurements_with_a_sizing_word_ask_for_a_size(matcher: IntentMatcher, text: str) -> None:
    match = matcher.match(text, LIVE, "BS-DRESS")
    assert (match.intent, match.sku) == ("size_advice", "BS-DRESS")
    assert match.body is not None and match.body.height_cm is not None


@pytest.mark.parametrize(("text", "intent"), [
    ("多少钱", "price"), ("有M码吗", "stock"), ("什么面料", "material"), ("有哪些颜色", "options"),
    ("什么时候发货", "shipping_time"), ("发什么快递", "courier"), ("包邮吗", "shipping_fee"),
    ("不合适能退吗", "return_policy"), ("有什么优惠吗", "promotion"),
])
def test_room_questions_are_about_the_stage_product(matcher: IntentMatcher, text: str, intent: str) -> None:
    match = matcher.match(text, LIVE, "BS-DRESS")
    assert (match.intent, match.sku, match.sku_from_text) == (intent, "BS-DRESS", False)


def test_a_named_product_wins_over_the_stage(matcher: IntentMatcher) -> None:
    match = matcher.match("龙井多少钱", LIVE, "BS-DRESS")
    assert (match.intent, match.sku, match.sku_from_text) == ("price", "MX-LONGJING", True)


@pytest.mark.parametrize(("text", "intent", "sku"), [
    ("那个纯棉连衣裙什么价格", "price", "BS-DRESS"),
    ("真丝围巾几块钱", "price", "BS-SCARF"),
    ("针织开衫到手多少", "price", "BS-CARDIGAN"),
    ("How much is the silk scarf?", "price", "BS-SCARF"),
    ("what is the cardigan made of", "material", "BS-CARDIGAN"),
    ("這件裙子多少錢", "price", "BS-DRESS"),
    ("丝巾啥材质", "material", "BS-SCARF"),
    ("连衣群多少钱", "price", "BS-DRESS"),          # a typo in the name
])
def test_private_questions(matcher: IntentMatcher, text: str, intent: str, sku: str) -> None:
    match = matcher.match(text, PRIVATE)
    assert (match.intent, match.sku) == (intent, sku)


@pytest.mark.parametrize(("text", "order_id"), [("1001 状态", "1001"), ("1007签收了吗", "1007"),
                                                ("查下1006", "1006")])
def test_short_own_order_questions(matcher: IntentMatcher, text: str, order_id: str) -> None:
    match = matcher.match(text, PRIVATE)
    assert (match.intent, match.order_id) == ("order_status", order_id)


@pytest.mark.parametrize("text", ["什么破服务 叫你们负责人出来", "我要投诉", "给你们差评", "转人工",
                                  "人工客服", "找真人", "不要机器人", "投诉！！", "I want a real person"])
def test_asking_for_a_person_or_complaining_wins(matcher: IntentMatcher, text: str) -> None:
    for channel in (PRIVATE, LIVE):
        match = matcher.match(text, channel, "BS-DRESS")
        assert match.intent in ("human", "complaint")
        assert match.decided_by == "keyword"


@pytest.mark.parametrize(("text", "skus"), [
    ("两盒龙井到手多少", ("MX-LONGJING",)),
    ("裙子和开衫一起买多少", ("BS-DRESS", "BS-CARDIGAN")),
    ("连衣裙x2多少钱", ("BS-DRESS",)),
])
def test_several_items_are_a_cart_in_both_channels(matcher: IntentMatcher, text: str, skus: tuple[str, ...]) -> None:
    for channel in (PRIVATE, LIVE):
        match = matcher.match(text, channel, "BS-SCARF")
        assert (match.intent, match.skus) == ("cart", skus)


def test_whether_promotions_combine_is_a_promotion_question(matcher: IntentMatcher) -> None:
    match = matcher.match("店铺券和跨店满减能一起用吗", PRIVATE)
    assert (match.intent, match.stacking) == ("promotion", True)
    assert not matcher.match("有什么优惠", PRIVATE).stacking


def test_a_greeting_gives_way_to_the_question(matcher: IntentMatcher) -> None:
    assert matcher.match("有人在吗，什么时候发货", PRIVATE).intent == "shipping_time"


@pytest.mark.parametrize("text", ["能开发票吗", "手机多少钱", "保修多久", "能帮我改成顺丰到付吗", "能用花呗吗",
                                  "会起球吗", "讲个笑话", "do you sell phones"])
def test_out_of_scope_gets_no_confident_answer(matcher: IntentMatcher, text: str) -> None:
    assert matcher.match(text, PRIVATE).intent == UNSURE
    assert not matcher.match(text, LIVE, "BS-DRESS").confident


def test_unsure_keeps_likely_topics_for_the_buttons(matcher: IntentMatcher) -> None:
    match = matcher.match("嗯嗯那个呢", PRIVATE)
    assert match.intent == UNSURE
    assert len(match.candidates) == 3
    assert NOISE not in match.candidates and "out_of_scope" not in match.candidates


def test_reading_is_deterministic(matcher: IntentMatcher) -> None:
    again = IntentMatcher(matcher.rules, matcher.topics, matcher._catalog)
    for text in ("多少钱", "能开发票吗", "我的快递到哪了"):
        assert again.ranking(text, PRIVATE) == matcher.ranking(text, PRIVATE)


def test_fast_scoring_equals_scikit_learn(matcher: IntentMatcher) -> None:
    classifier = matcher.classifier
    for text in ("多少钱", "℗什么面料", "when will you ship", "zzz"):
        ours = classifier.probabilities(text)
        theirs = classifier.pipeline.predict_proba([text])[0]
        assert list(classifier.labels) == list(classifier.pipeline.classes_)
        assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 1e-9


@pytest.mark.parametrize(("text", "intent"), [
    ("什么破快递 慢死了", "complaint"), ("我要打315投诉你们", "complaint"), ("你们就是奸商", "complaint"),
    ("客服态度恶劣", "complaint"), ("找掌柜的", "human"), ("你是机器人吧", "human"),
])
def test_more_complaint_and_person_words_win(matcher: IntentMatcher, text: str, intent: str) -> None:
    match = matcher.match(text, PRIVATE)
    assert (match.intent, match.decided_by) == (intent, "keyword")


def test_an_order_number_with_315_in_it_is_no_complaint(matcher: IntentMatcher) -> None:
    match = matcher.match("订单8315002到哪了", PRIVATE)
    assert (match.intent, match.order_id) == ("order_status", "8315002")


def test_complaint_and_person_as_best_topic_have_a_lower_bar(matcher: IntentMatcher) -> None:
    """With a bar no topic reaches, only the person topics are still answered (by their own bar)."""
    strict = matcher.rules.thresholds.model_copy(update={"confident": 0.999, "margin": 0.9, "handoff": 0.05})
    strict_matcher = IntentMatcher(matcher.rules.model_copy(update={"thresholds": strict}), matcher.topics,
                                   matcher._catalog)
    angry = strict_matcher.match("等了一个礼拜了你们到底怎么做事的", PRIVATE)
    assert (angry.intent, angry.decided_by) == ("complaint", "model, person bar")
    assert strict_matcher.match("包邮不 我新疆的", PRIVATE).intent == UNSURE


@pytest.mark.parametrize(("text", "intent"), [
    ("哎呀我的快递咋还不动啊😩", "order_status"), ("亲~我前天拍的橙子发了没呀", "order_status"),
    ("包邮不 我新疆的", "shipping_fee"), ("邮费几块啊亲", "shipping_fee"), ("拍下几天发啊", "shipping_time"),
    ("多久能到手啊 急", "shipping_time"), ("收到了不喜欢咋退啊", "return_policy"),
    ("这个能七天无理由不", "return_policy"),
])
def test_colloquial_questions(matcher: IntentMatcher, text: str, intent: str) -> None:
    assert matcher.match(text, PRIVATE).intent == intent


@pytest.mark.parametrize(("text", "regions"), [
    ("发新疆包邮吗", ("新疆",)), ("西藏和青海运费多少", ("西藏", "青海")),
    ("is shipping free to Tibet?", ("西藏",)), ("how much extra for XINJIANG", ("新疆",)),
    ("包邮吗", ()),
])
def test_remote_regions_are_read_in_either_language(matcher: IntentMatcher, text: str,
                                                    regions: tuple[str, ...]) -> None:
    assert matcher.match(text, PRIVATE).regions == regions
