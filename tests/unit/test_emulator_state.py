"""The emulator's state without HTTP: updates, offsets, long polls, faults, topics."""

from __future__ import annotations

import asyncio

import pytest

from bot.sandbox.errors import BotApiError
from bot.sandbox.state import TelegramState
from bot.sandbox.world import DEMO_AGENTS_CHAT_ID, DEMO_LIVE_ROOM_ID

ROOM = DEMO_LIVE_ROOM_ID
AGENTS = DEMO_AGENTS_CHAT_ID
XIAOWANG, XIAOLI, NANA = 700001, 700002, 900001


def test_updates_get_increasing_ids_and_messages_per_chat_ids() -> None:
    state = TelegramState()
    first = state.user_sends(ROOM, XIAOWANG, "多少钱")
    second = state.user_sends(ROOM, XIAOLI, "有M码吗")
    private = state.user_sends(XIAOWANG, XIAOWANG, "/start")
    ids = [u["update_id"] for u in state.updates.pending_updates]
    assert ids == [1, 2, 3]
    assert (first["message_id"], second["message_id"]) == (1, 2)
    assert private["message_id"] == 1 and private["chat"]["type"] == "private"
    assert first["from"]["first_name"] == "小王" and first["from"]["language_code"] == "zh-hans"
    assert private["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_offset_confirms_earlier_updates() -> None:
    state = TelegramState()
    for text in ("a", "b", "c"):
        state.user_sends(ROOM, XIAOWANG, text)
    got = await state.updates.get_updates(offset=0, limit=2)
    assert [u["message"]["text"] for u in got] == ["a", "b"]
    got = await state.updates.get_updates(offset=got[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in got] == ["c"]
    assert await state.updates.get_updates(offset=got[-1]["update_id"] + 1) == []


async def test_updates_count_as_confirmed_only_once_a_later_poll_moves_the_offset_past_them() -> None:
    state = TelegramState()
    assert state.updates.updates_confirmed
    state.user_sends(ROOM, XIAOWANG, "a")
    assert not state.updates.updates_confirmed  # queued, not handed out
    got = await state.updates.get_updates(offset=0)
    assert not state.updates.updates_confirmed  # handed out; the bot may still be handling it
    waiting = asyncio.create_task(state.updates.wait_updates_confirmed(timeout=5))
    await asyncio.sleep(0)
    assert not waiting.done()
    poll = asyncio.create_task(state.updates.get_updates(offset=got[-1]["update_id"] + 1, timeout=5))
    await asyncio.wait_for(waiting, 1.0)  # woken by the confirming poll, not by a timeout
    assert state.updates.updates_confirmed and state.updates.confirmed_offset == got[-1]["update_id"] + 1
    poll.cancel()
    await asyncio.gather(poll, return_exceptions=True)
    with pytest.raises(TimeoutError, match="confirm updates"):
        state.user_sends(ROOM, XIAOWANG, "b")
        await state.updates.wait_updates_confirmed(timeout=0.05)


async def test_long_poll_wakes_on_new_update_not_on_timeout() -> None:
    state = TelegramState()
    poll = asyncio.create_task(state.updates.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    assert not poll.done()
    state.user_sends(ROOM, XIAOWANG, "在吗")
    got = await asyncio.wait_for(poll, 1.0)
    assert got[0]["message"]["text"] == "在吗"


async def test_long_poll_returns_empty_after_its_timeout() -> None:
    state = TelegramState()
    assert await asyncio.wait_for(state.updates.get_updates(timeout=0.1), 1.0) == []


async def test_newer_poll_ends_older_one_with_conflict() -> None:
    state = TelegramState()
    older = asyncio.create_task(state.updates.get_updates(timeout=30))
    await asyncio.sleep(0.01)
    newer = asyncio.create_task(state.updates.get_updates(timeout=30))
    with pytest.raises(BotApiError) as caught:
        await asyncio.wait_for(older, 1.0)
    assert caught.value.error_code == 409
    state.close()
    assert await asyncio.wait_for(newer, 1.0) == []


async def test_allowed_updates_drop_other_kinds() -> None:
    state = TelegramState()
    message = state.user_sends(XIAOWANG, XIAOWANG, "hi")
    state.edit_user_message(XIAOWANG, message["message_id"], "hello", user_id=XIAOWANG)
    got = await state.updates.get_updates(allowed_updates=["edited_message"])
    assert [list(u)[1] for u in got] == ["edited_message"]
    assert got[0]["edited_message"]["text"] == "hello" and "edit_date" in got[0]["edited_message"]


def test_fault_rule_hits_only_the_matching_chat_and_count() -> None:
    state = TelegramState()
    state.faults.fail_next("sendMessage", 429, retry_after=2, times=2, chat_id=ROOM)
    assert state.faults.take_fault("sendMessage", {"chat_id": XIAOWANG}) is None
    assert state.faults.take_fault("sendPhoto", {"chat_id": ROOM}) is None
    first = state.faults.take_fault("sendMessage", {"chat_id": str(ROOM)})
    assert first is not None and first.error_code == 429 and first.retry_after == 2
    assert first.description == "Too Many Requests: retry after 2"
    assert state.faults.take_fault("sendMessage", {"chat_id": ROOM}) is not None
    assert state.faults.take_fault("sendMessage", {"chat_id": ROOM}) is None


def test_deleted_topic_refuses_messages() -> None:
    state = TelegramState()
    state.user_sends(AGENTS, NANA, "大家好")
    from bot.sandbox.chat_log import StoredMessage, Topic
    root = state.chat_log.new_message(AGENTS, state.chats.bot_user)
    topic = Topic(chat_id=AGENTS, thread_id=root["message_id"], name="小王")
    state.chat_log.topics[(AGENTS, topic.thread_id)] = topic
    root.update({"message_thread_id": topic.thread_id, "forum_topic_created": {"name": "小王",
                                                                            "icon_color": 1}})
    state.chat_log.store(StoredMessage(message=root))
    inside = state.user_sends(AGENTS, NANA, "我来接", thread_id=topic.thread_id)
    assert inside["is_topic_message"] and inside["reply_to_message"]["message_id"] == topic.thread_id
    state.chat_log.delete_topic(AGENTS, topic.thread_id)
    with pytest.raises(LookupError, match="message thread not found"):
        state.user_sends(AGENTS, NANA, "还在吗", thread_id=topic.thread_id)
    with pytest.raises(BotApiError, match="message thread not found"):
        state.chat_log.new_message(AGENTS, state.chats.bot_user, thread_id=topic.thread_id)
    assert state.chat_log.messages(AGENTS, topic.thread_id) == []


def test_press_button_needs_a_button_the_bot_shows() -> None:
    state = TelegramState()
    from bot.sandbox.chat_log import StoredMessage
    message = state.chat_log.new_message(XIAOWANG, state.chats.bot_user)
    message.update({"text": "您想问哪一个？", "reply_markup": {"inline_keyboard": [
        [{"text": "价格", "callback_data": "topic:price"}]]}})
    state.chat_log.store(StoredMessage(message=message))
    query = state.press_button(XIAOWANG, XIAOWANG, message["message_id"], "topic:price")
    assert query["data"] == "topic:price" and query["from"]["id"] == XIAOWANG
    assert state.updates.pending_updates[-1]["callback_query"]["id"] == query["id"]
    with pytest.raises(LookupError, match="no button"):
        state.press_button(XIAOWANG, XIAOWANG, message["message_id"], "topic:size")
    state.callbacks.answer_callback(query["id"], "好的", False)
    with pytest.raises(BotApiError, match="query is too old"):
        state.callbacks.answer_callback(query["id"], None, False)


def test_new_buyer_gets_a_fresh_id_and_name() -> None:
    state = TelegramState()
    first = state.chats.new_buyer()
    second = state.chats.new_buyer(language_code="en")
    assert (first.id, second.id) == (710001, 710002)
    assert first.name != second.name and second.language_code == "en"
    message = state.user_sends(second.id, second.id, "hello")
    assert message["from"]["language_code"] == "en"


def test_unknown_chat_and_blocked_user() -> None:
    state = TelegramState()
    with pytest.raises(BotApiError, match="chat not found"):
        state.chats.resolve_chat(123456)
    state.chats.block_bot(XIAOLI)
    with pytest.raises(BotApiError) as caught:
        state.chats.resolve_chat(XIAOLI)
    assert caught.value.error_code == 403
    with pytest.raises(LookupError):
        state.user_sends(XIAOLI, XIAOWANG, "not my chat")


async def test_wait_sent_resolves_when_a_call_is_recorded() -> None:
    state = TelegramState()
    waiter = asyncio.create_task(state.record.wait_sent(1, chat_id=ROOM, timeout=2))
    await asyncio.sleep(0.01)
    other = state.record.start_call("sendMessage", {"chat_id": XIAOWANG, "text": "x"})
    state.record.record(other)
    await asyncio.sleep(0.01)
    assert not waiter.done()
    call = state.record.start_call("sendMessage", {"chat_id": ROOM, "text": "亲，120元"})
    state.record.record(call)
    assert await asyncio.wait_for(waiter, 1.0) == [call]
    failed = state.record.start_call("sendMessage", {"chat_id": ROOM, "text": "y"})
    failed.error = BotApiError(429, "Too Many Requests: retry after 1", retry_after=1)
    state.record.record(failed)
    assert state.record.sent(chat_id=ROOM) == [call]
    state.record.reset_record()
    assert state.record.sent() == []
    with pytest.raises(TimeoutError):
        await state.record.wait_sent(1, timeout=0.05)


def test_page_feed_cursor_and_reset() -> None:
    state = TelegramState(feed_limit=3)
    for text in ("1", "2", "3", "4", "5"):
        state.user_sends(ROOM, XIAOWANG, text)
    events, reset = state.feed.events_since(4)
    assert not reset and [e["message"]["text"] for e in events] == ["5"]
    assert state.feed.events_since(0) == ([], True)
    assert state.feed.events_since(5) == ([], False)


async def test_wait_sent_starts_over_after_reset_record() -> None:
    state = TelegramState()
    waiter = asyncio.create_task(state.record.wait_sent(2, chat_id=ROOM, timeout=2))
    state.record.record(state.record.start_call("sendMessage", {"chat_id": ROOM, "text": "before"}))
    await asyncio.sleep(0.01)
    state.record.reset_record()
    state.record.record(state.record.start_call("sendMessage", {"chat_id": ROOM, "text": "after 1"}))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    state.record.record(state.record.start_call("sendMessage", {"chat_id": ROOM, "text": "after 2"}))
    assert [c.text for c in await asyncio.wait_for(waiter, 1.0)] == ["after 1", "after 2"]
