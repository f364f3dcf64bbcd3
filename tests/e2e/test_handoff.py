"""Handing buyers to human agents, end to end: queue, topics, relays, commands, survey."""

from __future__ import annotations

import pytest

from bot.sandbox.call_record import BotCall
from tests.e2e.handoff_steps import (
    agent_says,
    current_topic,
    hand_off,
    in_topic,
    topic_of,
    topic_texts,
)
from tests.e2e.harness import (
    AGENTS,
    AMING,
    LAOZHOU,
    LIVE_ROOM,
    NANA,
    XIAO_LI,
    XIAO_WANG,
    XIAO_ZHANG,
    Session,
)

pytestmark = pytest.mark.e2e


@pytest.mark.both_stores
async def test_asking_for_a_human_opens_a_topic_with_a_context_card(session: Session) -> None:
    await session.room(NANA, "/now BS-DRESS")
    await session.private(XIAO_WANG, "连衣裙有M码吗")
    reply = await hand_off(session, XIAO_WANG)
    assert "/cancel" in reply.text and "暂时都不在线" in reply.text  # nobody online: no fake estimate
    thread = await topic_of(session, "小王")
    await in_topic(session, thread, "买家：小王（700001）")
    texts = "\n".join(topic_texts(session, thread))
    assert "转人工原因：买家要求人工" in texts and "1001" in texts and "1004" in texts  # orders on the card
    assert "连衣裙有M码吗" in texts and "纯棉连衣裙（BS-DRESS）" in texts  # history and the stage product
    await in_topic(session, thread, "转人工")  # the buyer's own message, relayed


@pytest.mark.both_stores
async def test_take_relay_both_ways_and_the_bot_stays_quiet(session: Session) -> None:
    await hand_off(session, XIAO_LI)
    thread = await topic_of(session, "小李")
    await agent_says(session, NANA, thread, "/take")
    await in_topic(session, thread, "娜娜 已接待")
    joined = await session.emulator.record.wait_for(lambda c: c.chat_id == XIAO_LI and "已接入" in (c.text or ""))
    assert "娜娜" in joined.text

    session.emulator.user_sends(AGENTS, NANA, "您好亲，我来帮您看一下", thread_id=thread)
    to_buyer = await session.emulator.record.wait_for(
        lambda c: c.chat_id == XIAO_LI and c.method == "copyMessage" and c.ok)
    assert to_buyer.text == "您好亲，我来帮您看一下"

    before = len(session.emulator.record.sent("sendMessage", XIAO_LI))
    session.emulator.user_sends(XIAO_LI, XIAO_LI, "连衣裙多少钱")
    await in_topic(session, thread, "连衣裙多少钱")
    await session.idle()
    assert len(session.emulator.record.sent("sendMessage", XIAO_LI)) == before  # no FAQ answer while held


async def test_a_photo_reaches_the_topic(session: Session) -> None:
    await hand_off(session, XIAO_ZHANG)
    thread = await topic_of(session, "小张")
    session.emulator.user_sends(XIAO_ZHANG, XIAO_ZHANG, "橙子烂了", photo=True)
    copy = await session.emulator.record.wait_for(
        lambda c: c.method == "copyMessage" and c.chat_id == AGENTS and c.ok and "photo" in (c.message or {}))
    assert copy.message["message_thread_id"] == thread and copy.message.get("caption") == "橙子烂了"


async def test_forbidden_words_from_an_agent_are_held_with_an_alternative(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, "亲，这是全网最低价哦")
    await in_topic(session, thread, "没有发给买家")
    await in_topic(session, thread, "可以改为")
    assert not [c for c in session.emulator.record.calls if c.method == "copyMessage" and c.chat_id == XIAO_WANG]


@pytest.mark.both_stores
async def test_close_says_goodbye_and_asks_for_a_rating(session: Session) -> None:
    await hand_off(session, XIAO_LI)
    thread = await topic_of(session, "小李")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, "亲，已经帮您处理好了")
    await agent_says(session, NANA, thread, "/close")
    goodbye = await session.emulator.record.wait_for(lambda c: c.chat_id == XIAO_LI and "评价" in (c.text or ""))
    assert session.buttons(goodbye) == [f"rate:{_conversation_id(goodbye)}:{r}"
                                        for r in ("satisfied", "neutral", "dissatisfied")]
    thanks = await session.press(goodbye, XIAO_LI, session.buttons(goodbye)[2])
    assert "抱歉" in thanks.text
    await in_topic(session, thread, "买家评价：不满意")
    reply = await session.private(XIAO_LI, "连衣裙多少钱")  # the bot is back
    assert "120.00" in reply.text


def _conversation_id(call: BotCall) -> str:
    rows = (call.message or {}).get("reply_markup", {}).get("inline_keyboard", [])
    return rows[0][0]["callback_data"].split(":")[1]


@pytest.mark.both_stores
async def test_back_hands_the_buyer_to_the_bot_without_a_survey(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, "/back")
    await in_topic(session, thread, "交回机器人")
    reply = await session.private(XIAO_WANG, "围巾多少钱")
    assert "30.00" in reply.text
    assert not [c for c in session.emulator.record.calls if c.chat_id == XIAO_WANG and "评价" in (c.text or "")]


async def test_cancel_returns_to_the_bot(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    reply = await session.private(XIAO_WANG, "/cancel")
    assert "取消" in reply.text
    reply = await session.private(XIAO_WANG, "围巾多少钱")
    assert "30.00" in reply.text


async def test_complaints_then_vips_then_the_rest(session: Session) -> None:
    await hand_off(session, XIAO_WANG)                         # normal, first in time
    await hand_off(session, XIAO_ZHANG)                        # VIP
    newcomer = session.emulator.chats.new_buyer().id
    await hand_off(session, newcomer, "你们就是骗子，我要投诉")    # complaint, last in time
    for name in ("小王", "小张"):
        await topic_of(session, name)
    session.emulator.user_sends(AGENTS, NANA, "/online")
    await session.idle()
    assigned = [c.text for c in session.emulator.record.sent("sendMessage", AGENTS) if "自动分配" in (c.text or "")]
    order = [c.params.get("message_thread_id") for c in session.emulator.record.sent("sendMessage", AGENTS)
             if "自动分配" in (c.text or "")]
    assert len(assigned) == 3
    newcomer_name = session.emulator.chats.person(newcomer).name
    assert order == [await topic_of(session, newcomer_name), await topic_of(session, "小张"),
                     await topic_of(session, "小王")]


async def test_queue_position_is_told(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    second = await hand_off(session, XIAO_LI)
    assert "前面还有1位" in second.text


async def test_with_an_agent_online_the_estimate_is_given(session: Session) -> None:
    session.emulator.user_sends(AGENTS, AMING, "/online")  # 阿明 serves mingxiang and xianguo
    await session.idle()
    reply = await hand_off(session, XIAO_ZHANG, "礼盒的刻字能改吗，转人工")
    assert "马上为您接入" in reply.text or "预计等待约" in reply.text


async def test_a_deleted_topic_is_recreated_with_its_card(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await in_topic(session, thread, "买家：小王")
    session.emulator.chat_log.delete_topic(AGENTS, thread)
    session.emulator.user_sends(XIAO_WANG, XIAO_WANG, "还在吗")
    await session.emulator.record.wait_until(lambda: current_topic(session, "小王") not in (None, thread),
                                      what="a new topic")
    new_thread = await topic_of(session, "小王")
    await in_topic(session, new_thread, "买家：小王")
    await in_topic(session, new_thread, "还在吗")


async def test_non_agents_cannot_use_agent_commands(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await in_topic(session, thread, "买家：小王")
    await in_topic(session, thread, "转人工")
    await session.idle()
    before = len(session.emulator.record.calls)
    for text in ("/take", "/close", "我来回复你", "/online"):
        session.emulator.user_sends(AGENTS, XIAO_LI, text, thread_id=thread)  # a buyer in the agents' group
    session.emulator.user_sends(XIAO_LI, XIAO_LI, "/take")  # agent commands from a buyer's private chat
    await session.idle()
    assert [c for c in session.emulator.record.calls[before:] if c.method != "getUpdates"] == []
    await agent_says(session, NANA, thread, "/take")  # still free to take: the stranger took nothing
    await in_topic(session, thread, "娜娜 已接待")


@pytest.mark.both_stores
async def test_transfer_to_another_agent(session: Session) -> None:
    await hand_off(session, XIAO_ZHANG)
    thread = await topic_of(session, "小张")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, f"/transfer {AMING}")
    await in_topic(session, thread, "阿明 不负责蓓尚服饰的会话")  # 阿明 does not serve this shop
    await agent_says(session, NANA, thread, f"/transfer {LAOZHOU}")
    await in_topic(session, thread, "转给 老周")
    await agent_says(session, NANA, thread, "亲，我再补充一句")
    await in_topic(session, thread, "已由 老周 接待")


async def test_quick_reply(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await agent_says(session, NANA, thread, "/q")
    await in_topic(session, thread, "/q greet")
    await agent_says(session, NANA, thread, "/q greet")
    greeting = await session.emulator.record.wait_for(lambda c: c.chat_id == XIAO_WANG and "我是客服娜娜" in (c.text or ""))
    assert greeting.ok


async def test_complaint_in_the_room_moves_to_private(session: Session) -> None:
    reply = await session.room(XIAO_WANG, "你们卖假货，我要投诉")
    assert "私信" in reply.text and "抱歉" in reply.text
    complaint = next(m for m in session.emulator.chat_log.messages(LIVE_ROOM) if m.get("text") == "你们卖假货，我要投诉")
    assert session.replied_to(reply) == complaint["message_id"]  # answered in the room, to that comment
    assert "https://t.me/livedesk_bot?start=live" in session.html(reply)  # with the way to private chat


async def test_transfer_to_a_shop_requeues_for_its_agents(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, "/transfer mingxiang")
    await in_topic(session, thread, "转给 茗香茶铺")
    session.emulator.user_sends(AGENTS, AMING, "/online")  # 阿明 serves mingxiang
    await in_topic(session, thread, "已自动分配给 阿明")
    await agent_says(session, NANA, thread, "/transfer nowhere")
    await in_topic(session, thread, "用法：/transfer")
