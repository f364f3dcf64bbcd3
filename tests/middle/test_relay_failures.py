"""Relays that fail (issue 11, item 8): kept aside and reported, never dropped silently,
the conversation's later messages still go out in order; a redelivered update is never
relayed twice."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.methods import CopyMessage
from aiogram.types import CallbackQuery, Update

from bot.config import Settings
from bot.handoff.settings import HandoffSettings
from tests.middle.handoff_steps import hand_off, take
from tests.middle.telegram import AGENTS, NANA, XIAO_LI, XIAO_WANG, Telegram


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The outbox gives up a failed send at once (its own retries are tested on the Outbox),
    and a relay is set aside after three rounds."""
    return settings.model_copy(update={"send_max_attempts": 1,
                                       "handoff": HandoffSettings(relay_max_attempts=3)})


def refused(chat_id: int, text: str) -> TelegramBadRequest:
    return TelegramBadRequest(method=CopyMessage(chat_id=chat_id, from_chat_id=0, message_id=0), message=text)


async def test_a_copy_the_agents_group_refuses_is_set_aside_ops_are_told_and_the_next_goes_out(
        tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    first = await tg.private(XIAO_WANG, "在吗")
    second = await tg.private(XIAO_WANG, "急")
    tg.api.respond("copyMessage", refused(AGENTS, "Bad Request: not enough rights to send messages"))
    await tg.deliver_relays()
    assert tg.api.take("copyMessage", AGENTS).params["message_id"] == first.message_id  # refused
    later = tg.api.take("copyMessage", AGENTS)
    assert (later.thread_id, later.params["message_id"]) == (handoff.thread, second.message_id)
    told = tg.api.only("sendMessage", NANA)  # 娜娜 is ops: the group itself refused, so ops hear it
    assert "没能送达" in told.text and "小王" in told.text and "not enough rights" in told.text
    await tg.deliver_relays()
    tg.api.assert_nothing_more()  # set aside: not tried again and again


async def test_a_copy_the_buyer_cannot_get_is_reported_in_the_topic(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_LI)
    await take(tg, handoff)
    await tg.in_topic(NANA, handoff.thread, "亲，看下这个")
    tg.api.respond("copyMessage", refused(XIAO_LI, "Bad Request: message to copy not found"))
    await tg.deliver_relays()
    tg.api.take("copyMessage", XIAO_LI)
    notice = tg.api.only("sendMessage", AGENTS)
    assert notice.thread_id == handoff.thread and "发给买家" in notice.text and "没能送达" in notice.text


async def test_a_relay_that_keeps_failing_is_set_aside_after_its_attempts(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await tg.private(XIAO_WANG, "还在吗")
    attempts = tg.runtime.settings.handoff.relay_max_attempts
    for _ in range(attempts):
        tg.api.respond("copyMessage", TelegramNetworkError(method=CopyMessage(
            chat_id=AGENTS, from_chat_id=0, message_id=0), message="connection reset"))
    for attempt in range(attempts):
        await tg.deliver_relays()
        tg.api.take("copyMessage", AGENTS)
        if attempt < attempts - 1:
            tg.api.assert_nothing_more()
            await tg.pass_time(tg.runtime.settings.handoff.relay_lease_s)
    told = tg.api.only("sendMessage", NANA)
    assert "没能送达" in told.text and f"after {attempts} attempts" in told.text
    assert handoff.thread


async def test_a_redelivered_quick_reply_reaches_the_buyer_once(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff)
    command = await tg.in_topic(NANA, handoff.thread, "/q wait")
    assert tg.api.take("sendMessage", AGENTS).text.startswith("↪️")
    await tg.feed(Update(update_id=9999, message=command))  # Telegram sends the update again
    tg.api.assert_nothing_more()
    await tg.deliver_relays()
    tg.api.only("sendMessage", XIAO_WANG)  # one copy of the quick reply


async def test_a_redelivered_human_button_press_relays_the_question_once(tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "这个咋整")
    ask = tg.api.only("sendMessage", XIAO_WANG)
    data = next(d for label, d in ask.buttons if label == "转人工客服")
    query = CallbackQuery(id="q-once", from_user=tg.user(XIAO_WANG), chat_instance="middle",
                          message=ask.result, data=data)
    for update_id in (9001, 9001):
        await tg.feed(Update(update_id=update_id, callback_query=query))
    assert not [c for c in tg.api.unconsumed if c.chat_id == AGENTS]  # the topic opens in the background
    for call in tg.api.unconsumed:
        call.consumed = True  # the queue notices and callback answers: shown in test_handoff
    await tg.deliver_relays()
    tg.api.take("createForumTopic", AGENTS)
    assert "这个咋整" in tg.api.take("sendMessage", AGENTS).text  # the card, with the buyer's history
    relayed = [c for c in tg.api.unconsumed if c.method == "sendMessage" and c.chat_id == AGENTS]
    assert [c.text for c in relayed] == ["这个咋整"]
    for call in relayed:
        call.consumed = True
