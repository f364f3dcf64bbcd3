"""A real aiogram Bot and Dispatcher against the emulator over HTTP, as the sandbox runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter, TelegramServerError
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from bot.sandbox import DEMO_AGENTS_CHAT_ID, DEMO_LIVE_ROOM_ID, Emulator

ROOM = DEMO_LIVE_ROOM_ID
AGENTS = DEMO_AGENTS_CHAT_ID
XIAOWANG, XIAOLI, NANA = 700001, 700002, 900001
TOKEN = "4242:emulator-test"


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    client = Bot(TOKEN, session=session)
    try:
        yield client
    finally:
        await client.session.close()


async def test_get_me_reports_the_bot_from_the_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 4242 and me.is_bot and me.username == "livedesk_bot"
    assert me.can_join_groups and me.can_read_all_group_messages


async def test_send_message_with_reply_and_keyboard_is_recorded(emulator: Emulator,
                                                               bot: Bot) -> None:
    asked = emulator.user_sends(ROOM, XIAOWANG, "多少钱")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="尺码", callback_data="topic:size"),
        InlineKeyboardButton(text="详情", url="https://example.com/dress"),
    ]])
    sent = await bot.send_message(
        ROOM, '<a href="tg://user?id=700001">小王</a> 亲，纯棉连衣裙 <b>120.00</b> 元',
        parse_mode="HTML", reply_parameters=ReplyParameters(message_id=asked["message_id"]),
        reply_markup=keyboard)

    assert sent.text == "小王 亲，纯棉连衣裙 120.00 元"
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "多少钱"
    assert sent.entities is not None and sent.entities[0].type == "text_mention"
    [call] = emulator.record.sent(chat_id=ROOM)
    assert call.method == "sendMessage"
    assert call.params["reply_parameters"] == {"message_id": asked["message_id"]}
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "topic:size"
    assert "<b>120.00</b>" in call.params["text"]
    assert call.text == "小王 亲，纯棉连衣裙 120.00 元"
    page_view = emulator.chat_log.messages(ROOM)[-1]
    assert page_view["reply_to"]["text"] == "多少钱" and page_view["buttons"][0][0]["text"] == "尺码"


async def test_long_poll_returns_a_message_injected_while_waiting(emulator: Emulator,
                                                                 bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await asyncio.sleep(0.1)
    assert not poll.done()
    emulator.user_sends(ROOM, XIAOLI, "有M码吗")
    updates = await asyncio.wait_for(poll, 2.0)
    assert [u.message.text for u in updates if u.message] == ["有M码吗"]
    assert updates[0].message is not None and updates[0].message.from_user is not None
    assert updates[0].message.from_user.first_name == "小李"


async def test_dispatcher_echo_answers_an_injected_message(emulator: Emulator, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.reply(f"echo: {message.text}")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer(f"got {query.data}")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False,
                                                   close_bot_session=False))
    try:
        asked = emulator.user_sends(XIAOWANG, XIAOWANG, "你好")
        [reply] = await emulator.record.wait_sent(1, chat_id=XIAOWANG, timeout=5)
        assert reply.text == "echo: 你好"
        assert reply.message is not None
        assert reply.message["reply_to_message"]["message_id"] == asked["message_id"]

        menu = await bot.send_message(XIAOWANG, "选一个", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="价格", callback_data="price")]]))
        emulator.press_button(XIAOWANG, XIAOWANG, menu.message_id, "price")
        answer = await emulator.record.wait_for(lambda c: c.method == "answerCallbackQuery", timeout=5)
        assert answer.ok and answer.params["text"] == "got price"
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)


async def test_injected_flood_control_surfaces_as_retry_after(emulator: Emulator,
                                                             bot: Bot) -> None:
    emulator.faults.fail_next("sendMessage", error_code=429, retry_after=2, chat_id=ROOM)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ROOM, "亲，在的")
    assert caught.value.retry_after == 2
    assert "retry after 2" in caught.value.message
    delivered = await bot.send_message(ROOM, "亲，在的")
    assert delivered.text == "亲，在的"
    assert [c.ok for c in emulator.record.calls if c.method == "sendMessage"] == [False, True]
    assert len(emulator.record.sent(chat_id=ROOM)) == 1


async def test_a_stall_aimed_at_one_process_leaves_the_other_alone_and_never_applies(
        emulator: Emulator, bot: Bot) -> None:
    """Two processes share the bot's token; `/c/<name>` in the API base tells them apart."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(f"{emulator.base_url}/c/w1"))
    dying = Bot(TOKEN, session=session)
    try:
        emulator.faults.stall_next("sendMessage", times=100, client="w1")
        hanging = asyncio.create_task(dying.send_message(ROOM, "从 w1 发出"))
        assert (await bot.send_message(ROOM, "从 w2 发出")).text == "从 w2 发出"
        emulator.faults.release_stalls()
        with pytest.raises(TelegramServerError):
            await hanging
        with pytest.raises(TelegramServerError):  # released: a later call fails at once, unapplied
            await dying.send_message(ROOM, "w1 的迟到请求")
    finally:
        await dying.session.close()
    assert [m.text for m in emulator.record.sent(chat_id=ROOM)] == ["从 w2 发出"]


async def test_forum_topic_messages_and_deleted_topic(emulator: Emulator, bot: Bot) -> None:
    topic = await bot.create_forum_topic(AGENTS, "小王 · 普通 · 转人工")
    in_topic = await bot.send_message(AGENTS, "上下文卡片", message_thread_id=topic.message_thread_id)
    assert in_topic.message_thread_id == topic.message_thread_id and in_topic.is_topic_message
    agent = emulator.user_sends(AGENTS, NANA, "您好，我是娜娜", thread_id=topic.message_thread_id)
    assert agent["message_thread_id"] == topic.message_thread_id
    assert [m["text"] for m in emulator.chat_log.messages(AGENTS, topic.message_thread_id)] == [
        "", "上下文卡片", "您好，我是娜娜"]

    emulator.chat_log.delete_topic(AGENTS, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(AGENTS, "还在吗", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(ROOM, "nope")


async def test_bad_requests_read_like_telegram(emulator: Emulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100999, "hi")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ROOM, "<b>亲", parse_mode="HTML")
    sent = await bot.send_message(ROOM, "亲")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="亲", chat_id=ROOM, message_id=sent.message_id)
    edited = await bot.edit_message_text(text="亲，在的", chat_id=ROOM, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.edit_date is not None
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.base_url}/bot{TOKEN}/sendTelepathy",
                             json={"chat_id": ROOM}) as response:
            body = await response.json()
    assert response.status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


async def test_uploaded_photo_keeps_a_file_id_and_copies(emulator: Emulator, bot: Bot) -> None:
    photo = await bot.send_photo(XIAOWANG, BufferedInputFile(b"\x89PNG fake", "dress.png"),
                                 caption="实拍图")
    assert photo.photo is not None and photo.caption == "实拍图"
    file_id = photo.photo[-1].file_id
    again = await bot.send_photo(XIAOLI, file_id)
    assert again.photo is not None and again.photo[-1].file_id == file_id
    buyer_photo = emulator.user_sends(XIAOWANG, XIAOWANG, "坏果", photo=True)
    copied = await bot.copy_message(AGENTS, XIAOWANG, buyer_photo["message_id"])
    [copy_call] = emulator.record.sent("copyMessage")
    assert copy_call.message is not None and copy_call.message["message_id"] == copied.message_id
    assert copy_call.message["caption"] == "坏果" and "photo" in copy_call.message
    info = await bot.get_file(buyer_photo["photo"][-1]["file_id"])
    assert info.file_path


async def test_page_is_served_and_its_api_sends_as_a_person(emulator: Emulator,
                                                           bot: Bot) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emulator.base_url}/") as response:
            page = await response.text()
        assert response.status == 200 and "直播间" in page
        async with http.get(f"{emulator.base_url}/sandbox/static/app.js") as response:
            assert response.status == 200 and "sandbox/api/events" in await response.text()
        async with http.post(f"{emulator.base_url}/sandbox/api/send", json={
                "chat_id": NANA, "user_id": NANA, "text": "/now BS-DRESS"}) as response:
            sent = await response.json()
        assert sent["ok"] and sent["message"]["text"] == "/now BS-DRESS"
        async with http.post(f"{emulator.base_url}/sandbox/api/send", json={
                "chat_id": XIAOLI, "user_id": XIAOWANG, "text": "hi"}) as response:
            refused = await response.json()
        assert response.status == 400 and not refused["ok"]
        async with http.get(f"{emulator.base_url}/sandbox/api/state") as response:
            state = await response.json()
        assert state["chats"]["agents"]["is_forum"] is True
        assert {p["name"] for p in state["people"]} >= {"小王", "小李", "小张", "娜娜", "阿明"}

        events = asyncio.create_task(http.get(
            f"{emulator.base_url}/sandbox/api/events",
            params={"since": str(state["seq"]), "timeout": "10"}))
        await asyncio.sleep(0.05)
        await bot.send_message(NANA, "已切换到 纯棉连衣裙")
        async with await asyncio.wait_for(events, 2.0) as response:
            feed = await response.json()
        assert any(e["type"] == "message" and e["message"]["text"] == "已切换到 纯棉连衣裙"
                   for e in feed["events"])

    updates = await bot.get_updates()
    [update] = updates
    assert update.message is not None and update.message.text == "/now BS-DRESS"
    assert update.message.from_user is not None and update.message.from_user.id == NANA
    assert update.message.entities is not None
    assert update.message.entities[0].type == "bot_command"


async def test_stop_releases_a_waiting_long_poll() -> None:
    emulator = Emulator()
    await emulator.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    other = Bot(TOKEN, session=session)
    try:
        poll = asyncio.create_task(other.get_updates(timeout=30))
        await asyncio.sleep(0.1)
        await asyncio.wait_for(emulator.stop(), 3.0)
        assert await asyncio.wait_for(poll, 3.0) == []
    finally:
        await other.session.close()
