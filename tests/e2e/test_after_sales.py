"""The returns/exchange form in private chat, end to end with the demo orders."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from bot.aftersales.cases import CaseState, CaseStore
from bot.clock import SystemClock
from bot.config import Settings
from bot.customers.archive import Author, ChatArchive
from bot.customers.store import CustomerStore
from bot.knowledge.snapshot import Knowledge
from bot.sandbox.call_record import BotCall
from bot.telegram.callbacks import (
    AsCancel,
    AsDispute,
    AsKind,
    AsOffer,
    AsOrder,
    AsReason,
    AsSize,
    AsSubmit,
    ReviewRating,
)
from tests.e2e.handoff_steps import agent_says, in_topic, topic_of
from tests.e2e.harness import AGENTS, NANA, XIAO_LI, XIAO_WANG, XIAO_ZHANG, Session, running_bot

pytestmark = pytest.mark.e2e


async def pick(session: Session, reply: BotCall, user: int, data: str) -> BotCall:
    assert data in session.buttons(reply), f"{data} not among {session.buttons(reply)}"
    return await session.press(reply, user, data)


async def start(session: Session, user: int, order: str) -> BotCall:
    listing = await session.private(user, "/return")
    return await pick(session, listing, user, AsOrder(order_id=order).pack())


async def test_1004_scarf_return_is_accepted_with_26_back_and_shown_in_my_aftersales(session: Session) -> None:
    listing = await session.private(XIAO_WANG, "/return")
    assert "1004" in listing.text and "1001" not in listing.text  # unpaid orders cannot be returned
    items = await pick(session, listing, XIAO_WANG, AsOrder(order_id="1004").pack())
    assert "哪件商品" in items.text
    kind = await pick(session, items, XIAO_WANG, "as_i:BS-SCARF")  # one size: no exchange question
    assert "原因" in kind.text
    decided = await pick(session, kind, XIAO_WANG, AsReason(reason="changed_mind").pack())
    assert "退货申请已通过" in decided.text and "¥26.00" in decided.text
    assert "中通快递会上门取件" in decided.text and "运费险" in decided.text and "3个工作日" in decided.text
    case_id = decided.text.split("售后单号 ")[1][:8]
    mine = await session.private(XIAO_WANG, "我的售后")
    assert case_id in mine.text and "已同意" in mine.text and "¥26.00" in mine.text
    archive = ChatArchive(session.redis, session.settings.redis_prefix, SystemClock(), timedelta(days=1),
                          ZoneInfo("Asia/Shanghai"))
    chat = [(m.author, m.text) for m in await archive.of_buyer(XIAO_WANG)]
    assert (Author.buyer, "/return") in chat and (Author.buyer, "我的售后") in chat
    assert any(author == Author.bot and "¥26.00" in text and "<" not in text for author, text in chat)


async def test_retention_offer_both_ways_for_the_1004_dress(session: Session) -> None:
    for keep in (True, False):
        items = await start(session, XIAO_WANG, "1004")
        kind = await pick(session, items, XIAO_WANG, "as_i:BS-DRESS")
        reason = await pick(session, kind, XIAO_WANG, AsKind(kind="return").pack())
        offer = await pick(session, reason, XIAO_WANG, AsReason(reason="changed_mind").pack())
        assert "同款真丝发圈" in offer.text and "¥104.00" in offer.text
        answer = await pick(session, offer, XIAO_WANG, AsOffer(keep=keep).pack())
        if keep:
            assert "留下了" in answer.text and "AS" in answer.text
        else:
            assert "退货申请已通过" in answer.text and "¥104.00" in answer.text
    mine = await session.private(XIAO_WANG, "/aftersales")
    assert "已保留商品" in mine.text and "已同意" in mine.text


async def test_1005_past_window_declined_with_coupon_and_dispute_goes_to_a_person(session: Session) -> None:
    items = await start(session, XIAO_LI, "1005")
    reason = await pick(session, items, XIAO_LI, AsKind(kind="return").pack())
    declined = await pick(session, reason, XIAO_LI, AsReason(reason="changed_mind").pack())
    assert "已签收10天" in declined.text and "超过了7天" in declined.text and "蓓尚店铺券" in declined.text
    case_id = declined.text.split("售后单号 ")[1][:8]
    before = len(session.emulator.record.sent("sendMessage", AGENTS))
    promise = await pick(session, declined, XIAO_LI, AsDispute(case_id=case_id).pack())
    assert case_id in promise.text and "人工客服" in promise.text
    await session.emulator.record.wait_sent(before + 2, AGENTS, method="sendMessage")
    topic_texts = " ".join(c.text for c in session.emulator.record.sent("sendMessage", AGENTS))
    assert f"售后单 {case_id}" in topic_texts and "超过无理由退换期限" in topic_texts
    store = CaseStore(session.redis, session.settings.redis_prefix, SystemClock())
    case = await store.get(case_id)
    assert case is not None and case.state == CaseState.disputed
    # The agent records what they learn on the buyer's customer record, from the topic.
    thread = await topic_of(session, "小李")
    await in_topic(session, thread, f"售后单 {case_id}")
    buyer_saw = len(session.emulator.record.sent("sendMessage", XIAO_LI))
    await agent_says(session, NANA, thread, "/tag 售后争议")
    await agent_says(session, NANA, thread, "/note 已核实签收时间")
    await in_topic(session, thread, "已记下备注：已核实签收时间")
    customers = CustomerStore(session.redis, session.settings.redis_prefix, SystemClock())
    assert await customers.tags(XIAO_LI) == ["售后争议"]
    assert [n.text for n in await customers.notes(XIAO_LI)] == ["已核实签收时间"]
    assert len(session.emulator.record.sent("sendMessage", XIAO_LI)) == buyer_saw  # nothing went to the buyer


async def test_1006_custom_made_declined_politely_with_a_coupon(session: Session) -> None:
    reason = await start(session, XIAO_LI, "1006")
    declined = await pick(session, reason, XIAO_LI, AsReason(reason="changed_mind").pack())
    assert declined.text.startswith("亲，非常抱歉") and "定制" in declined.text and "茗香回购券" in declined.text


async def test_1007_bad_fruit_needs_photos_then_is_accepted(session: Session) -> None:
    reason = await start(session, XIAO_ZHANG, "1007")
    no_reason = await pick(session, reason, XIAO_ZHANG, AsReason(reason="changed_mind").pack())
    assert "生鲜" in no_reason.text and "鲜果坊无门槛券" in no_reason.text
    reason = await start(session, XIAO_ZHANG, "1007")
    photos = await pick(session, reason, XIAO_ZHANG, AsReason(reason="quality").pack())
    assert "照片" in photos.text
    again = await session.private(XIAO_ZHANG, "橙子都烂了")
    assert "照片" in again.text
    got = await session.private(XIAO_ZHANG, "", photo=True)
    assert "已收到1张照片" in got.text
    accepted = await pick(session, got, XIAO_ZHANG, AsSubmit().pack())
    assert "¥39.90" in accepted.text and "不用寄回" in accepted.text


async def test_exchange_to_sold_out_size_refused_then_in_stock_size_accepted(session: Session) -> None:
    items = await start(session, XIAO_WANG, "1004")
    kind = await pick(session, items, XIAO_WANG, "as_i:BS-DRESS")
    sizes = await pick(session, kind, XIAO_WANG, AsKind(kind="exchange").pack())
    assert "S码有货" in sizes.text and "L码有货" in sizes.text
    assert AsSize(size="M").pack() not in session.buttons(sizes)  # the size bought is not offered
    reason = await pick(session, sizes, XIAO_WANG, AsSize(size="L").pack())
    accepted = await pick(session, reason, XIAO_WANG, AsReason(reason="size").pack())
    assert "换货申请已通过" in accepted.text and "换成L码" in accepted.text and "运费险" in accepted.text


async def test_another_buyers_order_is_refused_without_revealing_it(session: Session) -> None:
    await session.private(XIAO_WANG, "/return")
    other = await session.private(XIAO_WANG, "1007")
    missing = await session.private(XIAO_WANG, "9999")
    assert "没有查到您名下的订单1007" in other.text
    assert other.text == missing.text.replace("9999", "1007")
    for secret in ("脐橙", "鲜果坊", "700003"):
        assert secret not in other.text
    listing = await session.private(XIAO_WANG, "/return")
    assert AsOrder(order_id="1007").pack() not in session.buttons(listing)


async def test_cancel_leaves_the_form(session: Session) -> None:
    items = await start(session, XIAO_WANG, "1004")
    cancelled = await pick(session, items, XIAO_WANG, AsCancel().pack())
    assert "已取消" in cancelled.text
    answer = await session.private(XIAO_WANG, "连衣裙多少钱")
    assert "120.00" in answer.text


async def test_the_form_resumes_after_a_restart(settings: Settings, redis: Redis, knowledge: Knowledge) -> None:
    async with running_bot(settings, redis, knowledge) as first:
        reason = await start(first, XIAO_ZHANG, "1007")
        photos = await pick(first, reason, XIAO_ZHANG, AsReason(reason="quality").pack())
        assert "照片" in photos.text
    async with running_bot(settings, redis, knowledge) as second:
        got = await second.private(XIAO_ZHANG, "", photo=True)
        assert "已收到1张照片" in got.text
        accepted = await pick(second, got, XIAO_ZHANG, AsSubmit().pack())
        assert "¥39.90" in accepted.text


async def test_exchange_to_a_size_sold_out_since_is_refused_and_another_asked(settings: Settings, redis: Redis,
                                                                             knowledge: Knowledge) -> None:
    catalog = knowledge.catalog
    dress = catalog.products["BS-DRESS"]
    sold_out_xl = dress.model_copy(update={"stock": {**dress.stock, "XL": 0}})
    changed = dataclasses.replace(knowledge, catalog=dataclasses.replace(
        catalog, products={**catalog.products, "BS-DRESS": sold_out_xl}))
    async with running_bot(settings, redis, changed) as session:
        items = await start(session, XIAO_WANG, "1004")
        kind = await pick(session, items, XIAO_WANG, "as_i:BS-DRESS")
        sizes = await pick(session, kind, XIAO_WANG, AsKind(kind="exchange").pack())
        assert "XL码售罄" in sizes.text
        refused = await pick(session, sizes, XIAO_WANG, AsSize(size="XL").pack())
        assert "XL码已经售罄" in refused.text and "S码、L码" in refused.text
        reason = await pick(session, refused, XIAO_WANG, AsSize(size="S").pack())
        accepted = await pick(session, reason, XIAO_WANG, AsReason(reason="size").pack())
        assert "换成S码" in accepted.text


async def test_a_received_order_offers_the_form_and_my_aftersales(session: Session) -> None:
    status = await session.private(XIAO_WANG, "我的订单1004怎么样了")
    assert "签收" in status.text
    items = await pick(session, status, XIAO_WANG, "as_go:1004")
    assert "哪件商品" in items.text
    mine = await pick(session, status, XIAO_WANG, "as_mine")
    assert "还没有售后申请" in mine.text
    unpaid = await session.private(XIAO_WANG, "我的订单1001怎么样了")
    assert session.buttons(unpaid) == []


async def test_an_unhappy_answer_to_a_review_invitation_goes_to_a_person_with_an_apology(session: Session) -> None:
    from bot.aftersales.reviews import ReviewInvitations, complaint_check
    from bot.followups.once import OnceStore
    from bot.shop.orders import DemoOrders

    knowledge = session.runtime.holder.current
    assert knowledge.aftersales is not None
    prefix, clock = session.settings.redis_prefix, SystemClock()

    async def no_conversation(buyer_id: int) -> str | None:
        return None

    invitations = ReviewInvitations(DemoOrders.of(knowledge.catalog.orders), OnceStore(session.redis, prefix),
                                    session.runtime.holder, session.runtime.outbox,
                                    complaint_check(CaseStore(session.redis, prefix, clock), no_conversation))
    received = knowledge.catalog.orders["1004"].received_at
    assert received is not None
    at = received + timedelta(days=knowledge.aftersales.review_days("beishang"))
    local = at.astimezone(knowledge.catalog.timezone)
    if knowledge.aftersales.quiet_hours.contains(local.time()):  # move to the next morning, 10:00
        morning = local.replace(hour=10, minute=0, second=0, microsecond=0)
        at = morning if morning > local else morning + timedelta(days=1)
    before = len(session.emulator.record.sent("sendMessage", XIAO_WANG))
    assert await invitations.run_once(at) == 1
    invitation = (await session.emulator.record.wait_sent(before + 1, XIAO_WANG, method="sendMessage"))[before]
    assert "订单1004" in invitation.text and "真实评价" in invitation.text and "返现" not in invitation.text
    assert await invitations.run_once(at + timedelta(minutes=5)) == 0  # once
    apology = await pick(session, invitation, XIAO_WANG, ReviewRating(order_id="1004", rating="bad").pack())
    assert "非常抱歉" in apology.text and "优先转接人工客服" in apology.text
    thread = await topic_of(session, "小王")
    await in_topic(session, thread, "评价邀请：买家不满意")
