"""Private chat, end to end: greeting, every FAQ topic, own orders only, ask-back, handoff."""

from __future__ import annotations

import pytest

from bot.clock import SystemClock
from bot.handoff.stores import handoff_stores
from tests.e2e.harness import NANA, XIAO_LI, XIAO_WANG, XIAO_ZHANG, Session

pytestmark = pytest.mark.e2e


async def test_start_greets_politely_and_says_what_the_bot_can_do(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "/start")
    assert reply.text.startswith("您好")
    for topic in ("价格", "库存", "尺码", "发货", "退换货", "订单", "转人工"):
        assert topic in reply.text
    help_reply = await session.private(XIAO_WANG, "/help")
    assert "亲" in help_reply.text and "运费" in help_reply.text


@pytest.mark.parametrize(("question", "expected"), [
    ("连衣裙多少钱", ["纯棉连衣裙", "120.00"]),
    ("龙井多少钱", ["直播价", "88.00", "98.00"]),
    ("连衣裙有M码吗", ["M码", "售罄", "L码有货"]),
    ("连衣裙L码还有吗", ["L码有货", "30件"]),
    ("连衣裙 160 50kg穿什么码", ["建议选M码", "M码暂时售罄", "L码"]),
    ("连衣裙 1米6 100斤", ["160cm", "50kg", "M码"]),
    ("连衣裙 身高168体重58", ["建议选L码"]),
    ("开衫有什么颜色尺码", ["M、L码"]),
    ("连衣裙有什么颜色", ["米白", "雾蓝"]),
    ("开衫什么面料", ["羊毛30%", "腈纶70%"]),
    ("围巾是真丝吗", ["桑蚕丝"]),
    ("连衣裙什么时候发货", ["48小时内发货", "中通快递"]),
    ("礼盒什么时候发货", ["72小时内发货", "定制"]),
    ("橙子几天发货", ["24小时内发货", "顺丰速运"]),
    ("龙井发什么快递", ["顺丰速运"]),
    ("包邮吗", ["全国包邮", "新疆", "10.00"]),
    ("寄到西藏要运费吗", ["西藏", "加收运费¥10.00"]),
    ("连衣裙能退吗", ["7天", "无理由", "运费险"]),
    ("龙井可以退货吗", ["7天", "未拆封"]),
    ("定制礼盒能退吗", ["定制商品", "不支持七天无理由"]),
    ("橙子坏了怎么办", ["生鲜", "24小时内拍照", "退款或补发"]),
    ("满减活动怎么算", ["每满¥150.00减¥20.00", "鲜果坊不参加"]),
    ("你好", ["您好"]),
    ("谢谢", ["不客气"]),
    ("再见", ["再见"]),
])
async def test_every_demo_topic_is_answered_from_shop_data(session: Session, question: str,
                                                          expected: list[str]) -> None:
    reply = await session.private(XIAO_ZHANG, question)
    for fragment in expected:
        assert fragment in reply.text, f"{question!r} → {reply.text!r} lacks {fragment!r}"


@pytest.mark.parametrize(("buyer", "order", "expected"), [
    (XIAO_WANG, "1001", ["1001", "还未付款", "48小时内"]),
    (XIAO_LI, "1002", ["1002", "已付款", "等待发货", "48小时内发货", "中通快递"]),
    (XIAO_ZHANG, "1003", ["1003", "已于", "发货", "顺丰速运", "SF1402233445566"]),
    (XIAO_WANG, "1004", ["1004", "签收"]),
])
async def test_orders_are_shown_stage_aware_to_their_own_buyer(session: Session, buyer: int, order: str,
                                                              expected: list[str]) -> None:
    reply = await session.private(buyer, f"我的订单{order}怎么样了")
    for fragment in expected:
        assert fragment in reply.text


async def test_another_buyers_order_number_reveals_nothing(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "订单1003发货了吗")
    assert "没有查到您名下的订单1003" in reply.text
    for secret in ("SF1402233445566", "西湖龙井", "顺丰"):
        assert secret not in reply.text
    missing = await session.private(XIAO_WANG, "订单9999发货了吗")
    assert missing.text == reply.text.replace("1003", "9999")


async def test_my_orders_lists_only_mine(session: Session) -> None:
    reply = await session.private(XIAO_LI, "我的订单")
    assert "1002" in reply.text and "1005" in reply.text and "1006" in reply.text
    assert "1001" not in reply.text and "1003" not in reply.text


async def test_a_follow_up_keeps_the_product(session: Session) -> None:
    await session.private(XIAO_WANG, "开衫多少钱")
    reply = await session.private(XIAO_WANG, "有L码吗")
    assert "针织开衫" in reply.text and "L码有货" in reply.text


async def test_unsure_asks_back_with_buttons_then_answers_the_pick(session: Session) -> None:
    await session.room(NANA, "/now BS-DRESS")
    ask = await session.private(XIAO_WANG, "这个咋整")
    assert "选择" in ask.text
    buttons = session.buttons(ask)
    assert "topic:price" in buttons and "human" in buttons
    answer = await session.press(ask, XIAO_WANG, "topic:price")
    assert "纯棉连衣裙" in answer.text and "120.00" in answer.text


async def test_second_failure_hands_off_to_a_human(session: Session) -> None:
    await session.private(XIAO_LI, "能开发票吗?")
    reply = await session.private(XIAO_LI, "支持分期付款吗?")
    assert "人工客服" in reply.text
    store = handoff_stores(session.redis, session.settings.redis_prefix, SystemClock())
    conversation = await store.conversations.open_for_buyer(XIAO_LI)
    assert conversation is not None and conversation.reason == "unanswered"
    assert [m.text for m in await store.messages.last_messages(conversation.id)] == ["支持分期付款吗?"]


async def test_asking_for_a_human_queues_the_buyer(session: Session) -> None:
    reply = await session.private(XIAO_LI, "转人工")
    assert "人工客服" in reply.text
    store = handoff_stores(session.redis, session.settings.redis_prefix, SystemClock())
    conversation = await store.conversations.open_for_buyer(XIAO_LI)
    assert conversation is not None and conversation.reason == "requested"


async def test_a_product_question_without_product_asks_which(session: Session) -> None:
    ask = await session.private(XIAO_LI, "多少钱")
    assert "哪件商品" in ask.text
    answer = await session.press(ask, XIAO_LI, "product:BS-SCARF")
    assert "真丝围巾" in answer.text and "30.00" in answer.text


async def test_english_buyers_get_english_answers(session: Session) -> None:
    session.emulator.chats.set_language(XIAO_LI, "en")
    reply = await session.private(XIAO_LI, "how much is the dress")
    assert reply.text == "The cotton dress is ¥120.00. Add ¥30.00 more to get ¥20 off every full ¥150 across shops (¥20.00 off)."
    reply = await session.private(XIAO_LI, "do you have size M dress")
    assert "sold out" in reply.text and "size L is in stock" in reply.text
    reply = await session.private(XIAO_LI, "what is the dress made of")
    assert reply.text == "The cotton dress is made of 95% cotton 5% spandex."


async def test_traditional_chinese_is_understood(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "連衣裙甚麼時候發貨？")
    assert "48小时内发货" in reply.text


@pytest.mark.both_stores
async def test_bot_only_service_is_measured_separately(session: Session) -> None:
    from bot.sla.report import SlaReporter, report_to_json, today_and_week

    await session.private(XIAO_WANG, "连衣裙多少钱")
    await session.private(XIAO_WANG, "围巾什么面料")
    await session.private(XIAO_WANG, "这个咋整")  # asked back: not answered
    reporter = SlaReporter(session.redis, session.settings.sla, session.settings.redis_prefix)
    today, _ = today_and_week(SystemClock().now(), session.settings.sla)
    shops = {row["id"]: row for row in report_to_json(await reporter.build(today))["shops"]}
    assert shops["beishang"]["bot"]["answered"] == 2
    assert sum(row["bot"]["unanswered"] for row in shops.values()) == 1


@pytest.mark.parametrize(("buyer", "question", "expected"), [
    (XIAO_WANG, "1001 状态", "订单1001"),
    (XIAO_LI, "查下1006", "订单1006"),
    (XIAO_ZHANG, "1007签收了吗", "订单1007"),     # a VIP gets the answer too, not a queue
])
async def test_short_own_order_questions_are_answered_for_the_owner(
        session: Session, buyer: int, question: str, expected: str) -> None:
    reply = await session.private(buyer, question)
    assert expected in reply.text
    assert any(state in reply.text for state in ("签收", "发货", "付款"))
    assert "排队" not in reply.text and "人工" not in reply.text


async def test_whether_promotions_combine_gets_a_plain_yes(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "店铺券和跨店满减能一起用吗")
    assert reply.text.startswith("亲，可以一起用")
