"""Handing buyers to agents through the real Dispatcher: queue, topic, relays, take, close, rating.

Everything is driven by Telegram updates (a buyer's private message, an agent's message in
a topic, a button press); the relay worker runs one round when a test says so.
"""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, CopyMessage, EditMessageText

from bot.aftersales.cases import CaseDraft, CaseState, CaseStore
from bot.customers.store import CustomerStore
from tests.middle.handoff_steps import buttons_gone, hand_off, opened, take
from tests.middle.telegram import AGENTS, AMING, NANA, XIAO_LI, XIAO_WANG, XIAO_ZHANG, Telegram
from tests.middle.test_live_room import put_on_stage


async def test_asking_for_a_human_queues_the_buyer_and_opens_a_topic_with_a_card(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    assert "人工客服" in handoff.queued.text and "暂时都不在线" in handoff.queued.text  # no fake estimate
    assert "/cancel" in handoff.queued.text
    assert [label for label, _ in handoff.queued.buttons] == ["取消排队"]
    card = handoff.card.text
    assert "小王（700001）" in card and "买家要求人工" in card
    assert "1001" in card and "1004" in card and "1003" not in card  # his orders, nobody else's
    assert {label for label, _ in handoff.card.buttons} == {"接待", "交回机器人", "结束"}


async def test_the_topic_is_named_for_the_buyer(tg: Telegram) -> None:
    await tg.private(XIAO_ZHANG, "转人工")
    tg.api.only("sendMessage", XIAO_ZHANG)
    await tg.deliver_relays()
    topic, _, _ = opened(tg, XIAO_ZHANG)
    assert "小张" in topic.params["name"] and "VIP" in topic.params["name"]


async def test_while_queued_the_bot_relays_instead_of_answering(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_LI)
    question = await tg.private(XIAO_LI, "连衣裙多少钱")
    tg.api.assert_nothing_more()  # no FAQ answer while a human is coming
    await tg.deliver_relays()
    copy = tg.api.only("copyMessage", AGENTS)
    assert copy.thread_id == handoff.thread and copy.params["message_id"] == question.message_id


async def test_an_agent_takes_and_the_reply_reaches_the_buyer(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_LI)
    await tg.in_topic(NANA, handoff.thread, "/take")
    taken = tg.api.take("sendMessage", AGENTS)
    assert taken.thread_id == handoff.thread and "娜娜 已接待" in taken.text
    assert "客服娜娜已接入" in tg.api.take("sendMessage", XIAO_LI).text
    buttons_gone(tg, handoff.queued)

    reply = await tg.in_topic(NANA, handoff.thread, "您好亲，我来帮您看一下")
    tg.api.assert_nothing_more()  # relayed by the worker, not by the handler
    await tg.deliver_relays()
    copy = tg.api.only("copyMessage", XIAO_LI)
    assert (copy.params["from_chat_id"], copy.params["message_id"]) == (AGENTS, reply.message_id)


async def test_an_agents_first_reply_takes_the_conversation(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await tg.in_topic(NANA, handoff.thread, "亲，在的")
    assert "娜娜 已接待" in tg.api.take("sendMessage", AGENTS).text
    assert "已接入" in tg.api.take("sendMessage", XIAO_WANG).text
    buttons_gone(tg, handoff.queued)
    await tg.deliver_relays()
    assert tg.api.only("copyMessage", XIAO_WANG).params["from_chat_id"] == AGENTS


async def test_forbidden_words_from_an_agent_are_held_back_with_an_alternative(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff)
    await tg.in_topic(NANA, handoff.thread, "亲，这是全网最低价哦")
    held = tg.api.only("sendMessage", AGENTS)
    assert held.thread_id == handoff.thread and "没有发给买家" in held.text and "可以改为" in held.text
    await tg.deliver_relays()
    tg.api.assert_nothing_more()  # nothing reached the buyer


async def test_close_says_goodbye_asks_for_a_rating_and_gives_the_buyer_back_to_the_bot(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_LI)
    await take(tg, handoff)
    await tg.in_topic(NANA, handoff.thread, "/close")
    assert "已结束会话" in tg.api.take("sendMessage", AGENTS).text
    goodbye = tg.api.only("sendMessage", XIAO_LI)
    assert "评价" in goodbye.text
    assert [label for label, _ in goodbye.buttons] == ["满意", "一般", "不满意"]

    await tg.press(XIAO_LI, goodbye, "不满意")
    assert "买家评价：不满意" in tg.api.take("sendMessage", AGENTS).text
    assert "抱歉" in tg.api.take("sendMessage", XIAO_LI).text
    buttons_gone(tg, goodbye)

    await tg.private(XIAO_LI, "连衣裙多少钱")  # the bot answers again
    assert "120.00" in tg.api.only("sendMessage", XIAO_LI).text


async def test_a_good_rating_is_thanked(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff)
    await tg.in_topic(NANA, handoff.thread, "/close")
    tg.api.take("sendMessage", AGENTS)
    goodbye = tg.api.only("sendMessage", XIAO_WANG)
    await tg.press(XIAO_WANG, goodbye, "满意")
    assert "买家评价：满意" in tg.api.take("sendMessage", AGENTS).text
    thanks = tg.api.take("sendMessage", XIAO_WANG).text
    assert "谢谢" in thanks and "抱歉" not in thanks
    buttons_gone(tg, goodbye)


async def test_a_second_rating_press_changes_nothing(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff)
    await tg.in_topic(NANA, handoff.thread, "/close")
    tg.api.take("sendMessage", AGENTS)
    goodbye = tg.api.only("sendMessage", XIAO_WANG)
    await tg.press(XIAO_WANG, goodbye, "不满意")
    tg.api.take("sendMessage", AGENTS)
    tg.api.take("sendMessage", XIAO_WANG)
    buttons_gone(tg, goodbye)
    await tg.press(XIAO_WANG, goodbye, "满意")  # an old client still showing the buttons
    buttons_gone(tg, goodbye)  # no second thanks, no second notice to the agents
    await tg.send(AGENTS, NANA, "/sla")
    report = tg.api.only("sendMessage", AGENTS).text
    assert "不满意率100.0%" in report  # one rating, the first: a second would make it 50.0%


async def test_a_press_too_old_to_answer_still_does_what_it_asked(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    tg.api.respond("answerCallbackQuery", TelegramBadRequest(
        method=AnswerCallbackQuery(callback_query_id="old"),
        message="Bad Request: query is too old and response timeout expired or query ID is invalid"))
    await tg.press(XIAO_WANG, handoff.queued, "取消排队")
    assert "取消" in tg.api.take("sendMessage", XIAO_WANG).text
    assert tg.api.take("sendMessage", AGENTS).thread_id == handoff.thread
    buttons_gone(tg, handoff.queued)


async def test_a_non_agent_in_the_agents_group_is_ignored(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    for text in ("/take", "/close", "我来回复你", "/online"):
        await tg.in_topic(XIAO_LI, handoff.thread, text)
    await tg.send(AGENTS, XIAO_LI, "/online")  # outside any topic, too
    await tg.deliver_relays()
    tg.api.assert_nothing_more()
    await take(tg, handoff)  # the stranger took nothing: still free to take


async def test_the_cancel_button_returns_the_buyer_to_the_bot(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await tg.press(XIAO_WANG, handoff.queued, "取消排队")
    assert "取消" in tg.api.take("sendMessage", XIAO_WANG).text
    assert tg.api.take("sendMessage", AGENTS).thread_id == handoff.thread
    buttons_gone(tg, handoff.queued)
    await tg.press(XIAO_WANG, handoff.queued, "取消排队")  # twice: nothing more to cancel, nothing said
    buttons_gone(tg, handoff.queued)
    await tg.private(XIAO_WANG, "围巾多少钱")
    assert "30.00" in tg.api.only("sendMessage", XIAO_WANG).text


async def test_the_ask_back_human_button_hands_off_with_the_question_asked_before(tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "这个咋整")
    ask = tg.api.only("sendMessage", XIAO_WANG)
    await tg.press(XIAO_WANG, ask, "转人工客服")
    assert "人工客服" in tg.api.only("sendMessage", XIAO_WANG).text
    await tg.deliver_relays()
    thread = tg.api.take("createForumTopic", AGENTS).result.message_thread_id
    card = tg.api.take("sendMessage", AGENTS)
    assert card.thread_id == thread and "这个咋整" in card.text  # on the card's recent messages
    relayed = tg.api.only("sendMessage", AGENTS)  # there is no buyer message to copy: its text is sent
    assert relayed.thread_id == thread and relayed.text == "这个咋整"


async def test_an_online_agent_of_the_shop_gets_the_buyer_at_once(tg: Telegram) -> None:
    await tg.send(AGENTS, AMING, "/online")  # 阿明 serves mingxiang and xianguo
    assert "阿明" in tg.api.only("sendMessage", AGENTS).text
    await tg.private(XIAO_ZHANG, "礼盒的刻字能改吗，转人工")
    queued = tg.api.take("sendMessage", XIAO_ZHANG)
    assert "马上为您接入" in queued.text
    assert "客服阿明已接入" in tg.api.take("sendMessage", XIAO_ZHANG).text
    buttons_gone(tg, queued)  # assigned at once: the cancel button goes with it
    await tg.deliver_relays()  # the topic is opened in the background, the notice held for it
    topic, _, copy = opened(tg, XIAO_ZHANG)
    assigned = tg.api.only("sendMessage", AGENTS)
    assert assigned.thread_id == topic.result.message_thread_id and "自动分配给 阿明" in assigned.text
    assert tg.api.calls.index(copy) < tg.api.calls.index(assigned)


async def test_the_card_buttons_take_and_close(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await tg.press(NANA, handoff.card, "接待")
    assert "娜娜 已接待" in tg.api.take("sendMessage", AGENTS).text
    assert "客服娜娜已接入" in tg.api.take("sendMessage", XIAO_WANG).text
    buttons_gone(tg, handoff.queued)
    await tg.press(NANA, handoff.card, "结束")
    assert "已结束会话" in tg.api.take("sendMessage", AGENTS).text
    assert [label for label, _ in tg.api.only("sendMessage", XIAO_WANG).buttons] == ["满意", "一般", "不满意"]


async def test_a_card_button_pressed_by_a_non_agent_does_nothing(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await tg.press(XIAO_LI, handoff.card, "接待")  # answered (no spinner), nothing else
    tg.api.assert_nothing_more()
    await take(tg, handoff)


async def test_a_deleted_topic_is_opened_again_with_its_card_and_the_message_follows(tg: Telegram) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    still_there = await tg.private(XIAO_WANG, "还在吗")
    tg.api.respond("copyMessage", TelegramBadRequest(
        method=CopyMessage(chat_id=AGENTS, from_chat_id=XIAO_WANG, message_id=still_there.message_id),
        message="Bad Request: message thread not found"))  # an agent deleted the topic
    await tg.deliver_relays()
    refused = tg.api.take("copyMessage", AGENTS)
    assert refused.thread_id == handoff.thread
    reopened = tg.api.take("createForumTopic", AGENTS)
    thread = reopened.result.message_thread_id
    assert thread != handoff.thread and "小王" in reopened.params["name"]
    card = tg.api.only("sendMessage", AGENTS)
    assert card.thread_id == thread and "小王（700001）" in card.text and "还在吗" in card.text
    # The refused copy is released at once: the next round takes it to the new topic.
    await tg.deliver_relays()
    copy = tg.api.only("copyMessage", AGENTS)
    assert (copy.thread_id, copy.params["message_id"]) == (thread, still_there.message_id)


async def test_edits_go_through_the_paced_outbox(tg: Telegram, caplog: pytest.LogCaptureFixture) -> None:
    handoff = await hand_off(tg, XIAO_WANG)
    await take(tg, handoff)
    reply = await tg.in_topic(NANA, handoff.thread, "亲，明天发货")
    await tg.deliver_relays()
    copy = tg.api.only("copyMessage", XIAO_WANG)
    await tg.edit(reply, "亲，今天发货")
    edit = tg.api.only("editMessageText", XIAO_WANG)
    assert (edit.params["message_id"], edit.params["text"]) == (copy.result.message_id, "亲，今天发货")

    await tg.edit(handoff.asked, "转人工，急")  # the buyer's edit reaches the copy in the topic
    edit = tg.api.only("editMessageText", AGENTS)
    assert edit.params["text"] == "转人工，急"

    tg.api.respond("editMessageText", TelegramBadRequest(
        method=EditMessageText(chat_id=XIAO_WANG, message_id=1, text="x"),
        message="Bad Request: message can't be edited"))
    await tg.edit(reply, "亲，后天发货")
    tg.api.take("editMessageText", XIAO_WANG)
    assert "gave up sending edit by agent" in caplog.text  # reported by the outbox, like any message


async def test_the_card_names_the_product_on_stage_and_the_one_the_buyer_asked_about(tg: Telegram) -> None:
    await put_on_stage(tg, "BS-DRESS")
    await tg.private(XIAO_WANG, "围巾多少钱")
    tg.api.only("sendMessage", XIAO_WANG)
    card = (await hand_off(tg, XIAO_WANG)).card.text
    assert "讲解中的商品</b>：纯棉连衣裙（BS-DRESS）" in card
    assert "买家问过的商品</b>：" in card and "（BS-SCARF）" in card


async def test_a_buyer_with_a_disputed_case_gets_a_card_naming_the_case(tg: Telegram) -> None:
    cases = CaseStore(tg.runtime.redis, tg.runtime.settings.redis_prefix, tg.clock)
    disputed = await cases.register(CaseDraft(
        buyer=XIAO_LI, order="1005", shop="beishang", sku="BS-CARDIGAN", size="L", qty=1, kind="return",
        reason="changed_mind", outcome="decline", why="past_window", state=CaseState.disputed))
    await CustomerStore(tg.runtime.redis, tg.runtime.settings.redis_prefix, tg.clock).add_tag(XIAO_LI, "老客户")
    card = (await hand_off(tg, XIAO_LI)).card.text
    assert "售后单</b>" in card
    assert f"{disputed.id} 订单1005 针织开衫 L码×1 退货退款：人工客服处理中（超过无理由退换期限）" in card
    assert "#老客户" in card


async def test_a_buyer_without_open_cases_gets_a_card_without_them(tg: Telegram) -> None:
    cases = CaseStore(tg.runtime.redis, tg.runtime.settings.redis_prefix, tg.clock)
    await cases.register(CaseDraft(
        buyer=XIAO_LI, order="1005", shop="beishang", sku="BS-CARDIGAN", size="L", qty=1, kind="return",
        reason="changed_mind", outcome="decline", why="past_window", state=CaseState.declined))
    card = (await hand_off(tg, XIAO_LI)).card.text
    assert "售后单" not in card and "小李" in card


async def test_a_buyer_who_cancels_before_the_topic_opens_is_reported_in_the_topic_once_it_does(
        tg: Telegram) -> None:
    await tg.private(XIAO_WANG, "转人工")
    queued = tg.api.only("sendMessage", XIAO_WANG)
    await tg.press(XIAO_WANG, queued, "取消排队")
    assert "取消" in tg.api.take("sendMessage", XIAO_WANG).text
    buttons_gone(tg, queued)  # the only call left: nothing went to the agents' group (no General thread)
    await tg.deliver_relays()
    topic, _, copy = opened(tg, XIAO_WANG)
    cancelled = tg.api.only("sendMessage", AGENTS)
    assert cancelled.thread_id == topic.result.message_thread_id and "取消排队" in cancelled.text
    assert tg.api.calls.index(copy) < tg.api.calls.index(cancelled)


async def test_an_agent_taking_from_the_console_before_the_topic_opens_is_told_in_it_after_the_card(
        tg: Telegram) -> None:
    await tg.private(XIAO_LI, "转人工")
    queued = tg.api.only("sendMessage", XIAO_LI)
    conversation = await tg.runtime.handoff.conversations.open_for_buyer(XIAO_LI)
    assert conversation is not None and conversation.topic_id is None
    await tg.runtime.agent_desk.take(conversation, NANA)
    await tg.settle()
    assert "客服娜娜已接入" in tg.api.take("sendMessage", XIAO_LI).text
    buttons_gone(tg, queued)
    await tg.deliver_relays()
    topic, _, copy = opened(tg, XIAO_LI)
    taken = tg.api.only("sendMessage", AGENTS)
    assert taken.thread_id == topic.result.message_thread_id and "娜娜 已接待" in taken.text
    assert tg.api.calls.index(copy) < tg.api.calls.index(taken)
