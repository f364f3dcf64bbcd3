"""Telegram's limits, seen from the room and the agents' group: bounded mentions, 429 on topics."""

from __future__ import annotations

import re

import pytest
from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.knowledge.snapshot import Knowledge
from tests.e2e.handoff_steps import hand_off, in_topic, topic_of
from tests.e2e.harness import (
    LIVE_ROOM,
    NANA,
    XIAO_WANG,
    Session,
    demo_settings,
    eventually,
    running_bot,
)

pytestmark = pytest.mark.e2e


async def test_a_gathered_answer_names_a_bounded_number_of_askers_and_counts_the_rest(
        redis: Redis, key_prefix: str, knowledge: Knowledge, clock: ManualClock) -> None:
    settings = demo_settings(key_prefix, burst_gather_seconds=5.0, burst_repeat_seconds=30.0,
                             burst_max_mentions=5)
    async with running_bot(settings, redis, knowledge, clock) as session:
        await session.room(NANA, "/now BS-DRESS")
        emulator = session.emulator
        askers = [emulator.chats.new_buyer().id for _ in range(12)]
        for user_id in askers:
            emulator.user_sends(LIVE_ROOM, user_id, "多少钱")
        await session.idle()  # all twelve questions handled and gathered
        clock.advance(5.0)
        await eventually(lambda: any("120.00" in (c.text or "") for c in emulator.record.sent("sendMessage", LIVE_ROOM)))
        (answer,) = [c for c in emulator.record.sent("sendMessage", LIVE_ROOM) if "120.00" in (c.text or "")]
        named = [int(uid) for uid in re.findall(r"tg://user\?id=(\d+)", session.html(answer))]
        assert named == askers[:5]  # the first five, in the order they asked
        assert "等12位买家" in answer.text
        assert answer.message["reply_to_message"]["from"]["id"] == askers[0]


async def test_a_429_on_creating_a_topic_is_waited_out(session: Session) -> None:
    session.emulator.faults.fail_next("createForumTopic", 429, retry_after=1)
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    await in_topic(session, thread, "买家：小王（700001）")  # the context card, in the new topic
    refused = [c for c in session.emulator.record.calls if c.method == "createForumTopic" and not c.ok]
    assert len(refused) == 1 and refused[0].error.error_code == 429
