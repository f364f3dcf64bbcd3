"""A comment storm: bursts gathered into few messages, Telegram's 429 waited out."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.knowledge.snapshot import Knowledge
from tests.e2e.harness import LIVE_ROOM, NANA, XIAO_WANG, demo_settings, running_bot

pytestmark = pytest.mark.e2e


async def test_twenty_identical_questions_in_ten_seconds_give_at_most_three_room_messages(
        redis: Redis, key_prefix: str, knowledge: Knowledge, clock: ManualClock) -> None:
    settings = demo_settings(key_prefix, burst_gather_seconds=1.5, burst_repeat_seconds=30.0)
    async with running_bot(settings, redis, knowledge, clock) as session:
        await session.room(NANA, "/now BS-DRESS")
        emulator = session.emulator
        askers = [emulator.chats.new_buyer().id for _ in range(20)]
        for i, user_id in enumerate(askers):
            emulator.user_sends(LIVE_ROOM, user_id, "多少钱" if i % 2 else "多少钱？")
            await session.idle()  # the bot has read this comment
            clock.advance(0.5)                # 20 comments over 10 seconds
        clock.advance(30.0)                   # past the repeat window: the rest is posted
        await session.idle()
        clock.advance(1.0)
        await session.idle()
        assert await session.runtime.burst.waiting() == 0
        answers = [c for c in emulator.record.sent("sendMessage", LIVE_ROOM) if "120.00" in (c.text or "")]
        assert 1 <= len(answers) <= 3
        mentioned = [int(uid) for c in answers for uid in re.findall(r"tg://user\?id=(\d+)", session.html(c))]
        assert sorted(mentioned) == sorted(askers)  # everyone, each exactly once


async def test_same_answer_is_not_repeated_within_the_window(
        redis: Redis, key_prefix: str, knowledge: Knowledge, clock: ManualClock) -> None:
    settings = demo_settings(key_prefix, burst_gather_seconds=1.0, burst_repeat_seconds=30.0)
    async with running_bot(settings, redis, knowledge, clock) as session:
        await session.room(NANA, "/now BS-DRESS")
        first = session.emulator.user_sends(LIVE_ROOM, XIAO_WANG, "多少钱")
        await session.idle()
        clock.advance(1.0)
        await session.emulator.record.wait_sent(2, LIVE_ROOM)
        late = session.emulator.chats.new_buyer().id
        session.emulator.user_sends(LIVE_ROOM, late, "多少钱")
        await session.idle()
        clock.advance(10.0)
        await session.idle()
        assert len(session.emulator.record.sent("sendMessage", LIVE_ROOM)) == 2  # /now reply + first answer
        assert await session.runtime.burst.waiting() == 1  # the late asker waits for the window to end
        clock.advance(timedelta(seconds=25).total_seconds())
        calls = await session.emulator.record.wait_sent(3, LIVE_ROOM)
        assert f"tg://user?id={late}" in session.html(calls[2]) or calls[2].message["reply_to_message"]
        assert first["message_id"] != calls[2].message["reply_to_message"]["message_id"]


async def test_a_429_is_waited_out_and_the_answer_still_arrives(
        redis: Redis, key_prefix: str, knowledge: Knowledge) -> None:
    settings = demo_settings(key_prefix)
    async with running_bot(settings, redis, knowledge) as session:
        await session.room(NANA, "/now BS-DRESS")
        session.emulator.faults.fail_next("sendMessage", 429, retry_after=1, chat_id=LIVE_ROOM)
        started = asyncio.get_running_loop().time()
        reply = await session.room(XIAO_WANG, "多少钱")
        waited = asyncio.get_running_loop().time() - started
        assert "120.00" in reply.text
        refused = [c for c in session.emulator.record.calls if c.method == "sendMessage" and not c.ok]
        assert len(refused) == 1 and refused[0].error.error_code == 429
        assert waited >= 1.0  # it respected retry_after instead of hammering
