"""Who may act on a conversation (issue 11, item 2).

Only its holder (or a supervisor) may /close, /back or /transfer it, by command or card
button; /take and transfers respect the shops an agent serves. Anyone else is refused
politely in the topic and the conversation stays as it was.
"""

from __future__ import annotations

from tests.middle.handoff_steps import hand_off, take
from tests.middle.telegram import AGENTS, AMING, LAOZHOU, NANA, XIAO_WANG, Telegram


def refusal(tg: Telegram, thread: int) -> str:
    said = tg.api.take("sendMessage", AGENTS)
    assert said.thread_id == thread and "抱歉" in said.text and "保持不变" in said.text, said.text
    return said.text


async def test_an_agent_of_another_shop_cannot_take_the_conversation(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)  # a beishang buyer; 阿明 serves mingxiang and xianguo
    await tg.in_topic(AMING, handoff.thread, "/take")
    assert "阿明 不负责蓓尚" in refusal(tg, handoff.thread)
    await tg.press(AMING, handoff.card, "接待")
    refusal(tg, handoff.thread)
    await tg.in_topic(AMING, handoff.thread, "亲，我来帮您")  # a reply would take it: refused too
    refusal(tg, handoff.thread)
    await tg.deliver_relays()
    tg.api.assert_nothing_more()  # nothing reached the buyer
    await take(tg, handoff)  # still free for an agent of the shop


async def test_only_the_holder_may_close_hand_back_or_transfer(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff, NANA)
    for command in ("/close", "/back", "/transfer mingxiang"):
        await tg.in_topic(AMING, handoff.thread, command)
        assert "由 娜娜 接待" in refusal(tg, handoff.thread)
    for label in ("结束", "交回机器人"):
        await tg.press(AMING, handoff.card, label)
        refusal(tg, handoff.thread)
    tg.api.assert_nothing_more()  # no goodbye, no survey: the buyer is still with 娜娜
    reply = await tg.in_topic(NANA, handoff.thread, "亲，还在处理")
    await tg.deliver_relays()
    assert tg.api.only("copyMessage", XIAO_WANG).params["message_id"] == reply.message_id
    await tg.in_topic(NANA, handoff.thread, "/close")
    assert "已结束会话" in tg.api.take("sendMessage", AGENTS).text
    assert "评价" in tg.api.only("sendMessage", XIAO_WANG).text


async def test_a_supervisor_may_close_a_colleagues_conversation_charged_to_the_holder(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff, NANA)
    await tg.in_topic(NANA, handoff.thread, "亲，稍等")
    await tg.deliver_relays()
    tg.api.take("copyMessage", XIAO_WANG)
    await tg.in_topic(LAOZHOU, handoff.thread, "/close")
    assert "老周 已结束会话" in tg.api.take("sendMessage", AGENTS).text
    assert "评价" in tg.api.only("sendMessage", XIAO_WANG).text
    await tg.send(AGENTS, NANA, "/sla")
    report = tg.api.only("sendMessage", AGENTS).text
    assert "娜娜" in report and "老周" not in report  # the figures are the holder's


async def test_a_supervisor_may_transfer_a_colleagues_conversation(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff, NANA)
    await tg.in_topic(LAOZHOU, handoff.thread, "/transfer mingxiang")
    assert "老周 已将会话转给" in tg.api.take("sendMessage", AGENTS).text
    await tg.in_topic(AMING, handoff.thread, "/take")  # now a mingxiang conversation
    assert "阿明 已接待" in tg.api.take("sendMessage", AGENTS).text
    assert "阿明" in tg.api.only("sendMessage", XIAO_WANG).text  # (the cancel button went at 娜娜's take)


async def test_a_transfer_to_an_agent_who_does_not_serve_the_shop_is_refused(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff, NANA)
    await tg.in_topic(NANA, handoff.thread, f"/transfer {AMING}")
    text = refusal(tg, handoff.thread)
    assert "阿明 不负责蓓尚" in text and "不能转给" in text
    tg.api.assert_nothing_more()
    await tg.in_topic(NANA, handoff.thread, f"/transfer {LAOZHOU}")  # 老周 serves beishang
    assert "转给 老周" in tg.api.take("sendMessage", AGENTS).text
    await tg.in_topic(NANA, handoff.thread, "/close")  # no longer hers
    assert "由 老周 接待" in refusal(tg, handoff.thread)
