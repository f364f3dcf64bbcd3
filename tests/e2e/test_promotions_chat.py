"""Promotions in chat, end to end: carts priced to the fen, follow-ups, refunds, the room rule."""

from __future__ import annotations

import pytest

from tests.e2e.harness import LIVE_ROOM, NANA, XIAO_LI, XIAO_WANG, XIAO_ZHANG, Session

pytestmark = pytest.mark.e2e


async def test_dress_and_scarf_pay_130_with_shares_16_and_4(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "连衣裙和围巾一起买多少钱")
    text = reply.text
    assert "¥120.00 + 真丝围巾 ¥30.00 = ¥150.00" in text
    assert "减¥20.00" in text and "到手价 ¥130.00" in text
    assert "纯棉连衣裙分摊¥16.00" in text and "真丝围巾分摊¥4.00" in text
    assert "本店的计算方法" in text and "平台" not in text  # our method, not claimed as a platform rule


async def test_two_dresses_and_longjing_pay_258(session: Session) -> None:
    reply = await session.private(XIAO_LI, "两件连衣裙加一盒龙井")
    text = reply.text
    assert "¥328.00" in text and "满199减30：减¥30.00" in text and "减¥40.00" in text
    assert "到手价 ¥258.00" in text
    assert "各店承担" in text and "蓓尚服饰" in text and "茗香茶铺" in text


async def test_three_scarves_are_short_of_the_threshold(session: Session) -> None:
    reply = await session.private(XIAO_ZHANG, "买3条围巾能减多少")
    assert "真丝围巾×3 ¥90.00" in reply.text and "还没有达到满减门槛" in reply.text
    assert "再凑¥60.00" in reply.text


async def test_dress_alone_is_30_short_with_a_suggestion(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "只买连衣裙还差多少能满减")
    assert "再凑¥30.00可再减¥20.00" in reply.text and "真丝围巾" in reply.text


async def test_fruit_is_not_eligible(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "橙子加连衣裙一起多少钱")
    assert "¥159.90" in reply.text and "还没有达到满减门槛" in reply.text and "再凑¥30.00" in reply.text


async def test_follow_ups_reprice_the_cart(session: Session) -> None:
    await session.private(XIAO_LI, "只买连衣裙多少钱一共")
    reply = await session.private(XIAO_LI, "再加一条围巾呢")
    assert "¥150.00" in reply.text and "到手价 ¥130.00" in reply.text
    reply = await session.private(XIAO_LI, "礼盒加龙井呢")
    assert "定制刻字茶礼盒 ¥168.00 + 西湖龙井 250g ¥88.00" in reply.text
    assert "到手价 ¥236.00" in reply.text


async def test_refund_of_the_scarf_from_order_1004_is_26(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "我的订单1004退掉围巾能退多少")
    assert "可退¥26.00" in reply.text and "¥4.00" in reply.text and "不会追回" in reply.text


async def test_refund_questions_about_another_buyers_order_reveal_nothing(session: Session) -> None:
    reply = await session.private(XIAO_LI, "我的订单1004退掉围巾能退多少")
    assert "没有查到您名下的订单1004" in reply.text and "26.00" not in reply.text


async def test_the_room_gets_the_rule_in_one_line_with_the_stage_product(session: Session) -> None:
    await session.room(NANA, "/now BS-DRESS")
    reply = await session.room(XIAO_ZHANG, "满减怎么算")
    assert "\n" not in reply.text
    assert "每满150减20" in reply.text and "纯棉连衣裙¥120.00" in reply.text and "再凑¥30.00" in reply.text
    await session.room(NANA, "/now MX-GIFTBOX")
    reply = await session.room(XIAO_WANG, "满减怎么算？")
    assert "定制刻字茶礼盒¥168.00" in reply.text and "可减20元" in reply.text
    assert LIVE_ROOM < 0


async def test_price_questions_give_the_price_to_pay(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "礼盒多少钱")
    assert "售价 ¥168.00" in reply.text and "到手价 ¥148.00" in reply.text
    reply = await session.private(XIAO_WANG, "连衣裙多少钱")
    assert "¥120.00" in reply.text and "再凑 ¥30.00" in reply.text
    session.emulator.chats.set_language(XIAO_LI, "en")
    english = await session.private(XIAO_LI, "how much is the gift box")
    assert "so you pay ¥148.00" in english.text


async def test_the_room_hears_the_live_price_of_the_tea_on_stage(session: Session) -> None:
    await session.room(NANA, "/now MX-LONGJING")
    reply = await session.room(XIAO_ZHANG, "多少钱")
    assert "直播价 ¥88.00" in reply.text and "原价 ¥98.00" in reply.text and "再凑 ¥62.00" in reply.text
