"""The live room, end to end: answers by reply, silence on noise, /now, privacy."""

from __future__ import annotations

import pytest

from tests.e2e.harness import LIVE_ROOM, NANA, XIAO_LI, XIAO_WANG, XIAO_ZHANG, Session

pytestmark = pytest.mark.e2e


async def test_questions_without_a_product_are_about_the_product_on_stage(session: Session) -> None:
    confirm = await session.room(NANA, "/now BS-DRESS")
    assert "纯棉连衣裙" in confirm.text
    reply = await session.room(XIAO_WANG, "多少钱")
    assert "纯棉连衣裙" in reply.text and "120.00" in reply.text
    comment_id = session.emulator.chat_log.messages(LIVE_ROOM)[-2]["message_id"]
    assert session.replied_to(reply) is not None and session.replied_to(reply) >= comment_id - 1

    await session.room(NANA, "/now MX-LONGJING")
    reply = await session.room(XIAO_LI, "多少钱")
    assert "西湖龙井" in reply.text and "88.00" in reply.text and "98.00" in reply.text


async def test_stock_and_material_follow_the_stage(session: Session) -> None:
    await session.room(NANA, "/now BS-DRESS")
    reply = await session.room(XIAO_WANG, "有M码吗")
    assert "M码" in reply.text and "售罄" in reply.text and "L码有货" in reply.text
    reply = await session.room(XIAO_LI, "什么面料")
    assert "棉95%" in reply.text


@pytest.mark.parametrize("noise", ["666", "主播好美", "来了来了", "哈哈哈", "😍😍😍", "扣1", "已拍"])
async def test_noise_gets_no_reply(session: Session, noise: str) -> None:
    await session.room(NANA, "/now BS-DRESS")
    await session.expect_silence(LIVE_ROOM, XIAO_ZHANG, noise)


async def test_unsure_comments_stay_silent_in_the_room(session: Session) -> None:
    await session.room(NANA, "/now BS-DRESS")
    await session.expect_silence(LIVE_ROOM, XIAO_ZHANG, "能开发票吗")


async def test_order_questions_are_invited_to_private_chat_without_details(session: Session) -> None:
    reply = await session.room(XIAO_ZHANG, "我的订单1003到哪了")
    assert "私信" in reply.text
    assert "SF1402233445566" not in reply.text and "1003" not in reply.text
    assert "https://t.me/livedesk_bot?start=live" in session.html(reply)


async def test_now_from_a_buyer_is_ignored_in_the_room(session: Session) -> None:
    await session.room(NANA, "/now BS-DRESS")
    await session.expect_silence(LIVE_ROOM, XIAO_WANG, "/now XG-ORANGE")
    reply = await session.room(XIAO_LI, "多少钱")
    assert "纯棉连衣裙" in reply.text


async def test_now_with_an_unknown_sku_lists_the_products(session: Session) -> None:
    reply = await session.room(NANA, "/now NOPE")
    assert "NOPE" in reply.text and "BS-DRESS" in reply.text


async def test_traditional_and_english_comments(session: Session) -> None:
    await session.room(NANA, "/now BS-DRESS")
    reply = await session.room(XIAO_WANG, "這件連衣裙多少錢？")
    assert "120.00" in reply.text
    session.emulator.chats.set_language(XIAO_LI, "en")
    reply = await session.room(XIAO_LI, "how much is the scarf")
    assert "30.00" in reply.text and "The" in reply.text


async def test_a_malformed_update_is_logged_and_skipped(session: Session,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    session.emulator.updates.queue_update("message", {"message_id": "oops", "chat": {"id": "x"}})
    reply = await session.room(XIAO_WANG, "连衣裙多少钱")  # the comment behind it is answered
    assert "120.00" in reply.text
    assert any("malformed update" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("comment", "size"), [
    ("160 50kg什么码", "M码"), ("172cm 65kg什么码", "XL码"), ("身高172 体重65kg什么码", "XL码"),
])
async def test_body_measurements_and_a_sizing_word_get_the_size(session: Session, comment: str, size: str) -> None:
    await session.room(NANA, "/now BS-DRESS")
    reply = await session.room(XIAO_WANG, comment)
    assert size in reply.text and "纯棉连衣裙" in reply.text


async def test_a_cart_in_the_room_is_priced_with_its_total(session: Session) -> None:
    await session.room(NANA, "/now BS-SCARF")
    reply = await session.room(XIAO_LI, "裙子和开衫一起买多少")
    # 120 + 89 = 209: shop coupon 199-30 → 179, cross-shop every 150 off 20 → 159
    assert "纯棉连衣裙" in reply.text and "针织开衫" in reply.text and "¥159.00" in reply.text
    reply = await session.room(XIAO_WANG, "两盒龙井到手多少")
    # live price 88 × 2 = 176, every 150 off 20 → 156
    assert "西湖龙井" in reply.text and "×2" in reply.text and "¥156.00" in reply.text
