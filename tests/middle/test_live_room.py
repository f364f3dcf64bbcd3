"""The live room through the real Dispatcher: answers by reply, silence on noise, /now."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from redis.asyncio import Redis

from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.runtime.app import build_runtime
from tests.middle.recorded_session import BOT_TOKEN, Call, RecordedSession
from tests.middle.telegram import AGENTS, LIVE_ROOM, NANA, XIAO_LI, XIAO_WANG, XIAO_ZHANG, Telegram


async def put_on_stage(tg: Telegram, sku: str) -> None:
    command = await tg.room(NANA, f"/now {sku}")
    confirm = tg.api.only("sendMessage", LIVE_ROOM)
    assert sku in confirm.text
    assert confirm.params["reply_parameters"]["message_id"] == command.message_id


async def test_a_question_without_a_product_is_answered_about_the_product_on_stage(tg: Telegram) -> None:
    await put_on_stage(tg, "BS-DRESS")
    question = await tg.room(XIAO_WANG, "多少钱")
    tg.api.assert_nothing_more()  # gathered first: others may be asking the same
    await tg.gather_window()
    answer = tg.api.only("sendMessage", LIVE_ROOM)
    assert "纯棉连衣裙" in answer.text and "120.00" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == question.message_id


async def test_the_same_question_from_two_buyers_gets_one_answer_naming_both(tg: Telegram) -> None:
    await put_on_stage(tg, "MX-LONGJING")
    first = await tg.room(XIAO_WANG, "多少钱")
    await tg.room(XIAO_LI, "多少钱")
    await tg.gather_window()
    answer = tg.api.only("sendMessage", LIVE_ROOM)
    assert "88.00" in answer.text and "98.00" in answer.text
    assert f"tg://user?id={XIAO_WANG}" in answer.text and f"tg://user?id={XIAO_LI}" in answer.text
    assert answer.params["reply_parameters"]["message_id"] == first.message_id


async def test_noise_gets_no_reply_even_after_the_gathering_window(tg: Telegram) -> None:
    await put_on_stage(tg, "BS-DRESS")
    await tg.room(XIAO_ZHANG, "666")
    await tg.gather_window()
    tg.api.assert_nothing_more()


async def test_now_from_a_buyer_changes_nothing_and_says_nothing_in_the_room(tg: Telegram) -> None:
    await put_on_stage(tg, "BS-DRESS")
    await tg.room(XIAO_WANG, "/now XG-ORANGE")
    tg.api.assert_nothing_more()
    await tg.room(XIAO_LI, "多少钱")
    await tg.gather_window()
    assert "纯棉连衣裙" in tg.api.only("sendMessage", LIVE_ROOM).text


async def test_an_order_question_in_the_room_is_invited_to_private_chat_without_details(tg: Telegram) -> None:
    await tg.room(XIAO_ZHANG, "我的订单1003到哪了")
    await tg.gather_window()
    answer = tg.api.only("sendMessage", LIVE_ROOM)
    assert "私信" in answer.text and "https://t.me/livedesk_bot?start=live" in answer.text
    for secret in ("1003", "SF1402233445566", "顺丰"):
        assert secret not in answer.text


async def test_a_refund_question_in_the_room_reveals_no_amount_and_invites_a_stranger_by_link(tg: Telegram) -> None:
    await tg.room(XIAO_WANG, "订单1004退掉围巾能退多少")  # 小王 never wrote to the bot
    await tg.gather_window()
    answer = tg.api.only("sendMessage", LIVE_ROOM)
    assert "私信" in answer.text and "https://t.me/livedesk_bot?start=live" in answer.text
    assert "¥" not in answer.text and "26.00" not in answer.text and "1004" not in answer.text


async def test_a_private_question_from_a_buyer_who_started_the_bot_is_answered_in_private(tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "/start")
    tg.api.only("sendMessage", XIAO_WANG)
    await tg.room(XIAO_WANG, "订单1004退掉围巾能退多少")
    private = tg.api.only("sendMessage", XIAO_WANG)  # at once, not gathered
    assert "26.00" in private.text
    await tg.gather_window()
    public = tg.api.only("sendMessage", LIVE_ROOM)
    assert "私聊" in public.text and "t.me" not in public.text
    assert "¥" not in public.text and "26.00" not in public.text and "1004" not in public.text

    await tg.pass_time(tg.runtime.settings.burst_repeat_seconds)  # the same invitation is not repeated sooner
    await tg.room(XIAO_WANG, "我的订单1001到哪了")  # order status: the same, driven by the same flag
    assert "1001" in tg.api.only("sendMessage", XIAO_WANG).text
    await tg.gather_window()
    assert "1001" not in tg.api.only("sendMessage", LIVE_ROOM).text


async def test_a_complaint_in_the_room_from_a_buyer_who_started_the_bot_is_handed_off_privately(
        tg: Telegram) -> None:
    await tg.private(XIAO_LI, "/start")
    tg.api.only("sendMessage", XIAO_LI)
    comment = await tg.room(XIAO_LI, "你们卖假货，我要投诉")
    assert "人工客服" in tg.api.only("sendMessage", XIAO_LI).text  # the desk speaks in private
    await tg.gather_window()
    public = tg.api.only("sendMessage", LIVE_ROOM)
    assert "私聊" in public.text and "抱歉" in public.text and "t.me" not in public.text
    await tg.deliver_relays()  # the topic opens in the background, its card first
    topic = tg.api.take("createForumTopic", AGENTS)
    card = tg.api.take("sendMessage", AGENTS)
    assert card.thread_id == topic.result.message_thread_id and "投诉" in card.text
    copy = tg.api.only("copyMessage", AGENTS)  # the comment itself reaches the agents
    assert (copy.thread_id, copy.params["from_chat_id"], copy.params["message_id"]) == (
        topic.result.message_thread_id, LIVE_ROOM, comment.message_id)


@contextlib.asynccontextmanager
async def second_worker(tg: Telegram, settings: Settings, redis: Redis, knowledge: Knowledge
                        ) -> AsyncIterator[Telegram]:
    """Another worker process's runtime: the same Redis, clock and Telegram, its own memory."""
    api = RecordedSession(tg.chats, tg.clock.now)
    bot = Bot(BOT_TOKEN, session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    runtime = build_runtime(settings, bot=bot, redis=redis, clock=tg.clock,
                            holder=KnowledgeHolder(settings, tg.clock, knowledge))
    runtime.dp["private_link"] = "https://t.me/livedesk_bot?start=live"
    other = Telegram(runtime, api, tg.chats, tg.clock)
    try:
        yield other
    finally:
        await runtime.close()


def room_posts(*workers: Telegram) -> list[Call]:
    """The room's messages, whichever worker sent them (consumed)."""
    posts = []
    for worker in workers:
        while any(c.method == "sendMessage" and c.chat_id == LIVE_ROOM for c in worker.api.unconsumed):
            posts.append(worker.api.take("sendMessage", LIVE_ROOM))
    return posts


async def test_buyers_whose_comments_two_workers_handle_get_one_answer_naming_both(
        tg: Telegram, settings: Settings, redis: Redis, knowledge: Knowledge) -> None:
    await put_on_stage(tg, "BS-DRESS")
    async with second_worker(tg, settings, redis, knowledge) as other:
        first = await tg.room(XIAO_WANG, "多少钱")
        await other.room(XIAO_LI, "多少钱")
        await tg.room(XIAO_ZHANG, "多少钱")
        await tg.gather_window()
        await other.settle()
        (answer,) = room_posts(tg, other)
        assert "120.00" in answer.text
        for buyer in (XIAO_WANG, XIAO_LI, XIAO_ZHANG):
            assert f"tg://user?id={buyer}" in answer.text
        assert answer.params["reply_parameters"]["message_id"] == first.message_id

        late = await other.room(XIAO_LI, "多少钱")  # within the no-repeat window, on the other worker
        await tg.pass_time(settings.burst_repeat_seconds - 1)
        await other.settle()
        assert room_posts(tg, other) == []
        await tg.pass_time(1)
        await other.settle()
        (again,) = room_posts(tg, other)
        assert "120.00" in again.text and f"tg://user?id={XIAO_WANG}" not in again.text
        assert again.params["reply_parameters"]["message_id"] == late.message_id
        other.api.assert_nothing_more()
