"""A wave of handoffs at Telegram's real pace does not hold up buyers' simple questions (issue 9).

Forty buyers ask for a person while ten others ask how to return something or which
courier ships: the all-in-one process (`livedesk run`: ingest and a worker through the
Redis streams) with production pacing (the default limits: 30 messages a second, 20 a
minute in the agents' group, one a second per private chat). The forty topics, cards and
copies take minutes to reach the agents' group at 20 a minute; the simple questions must
not queue behind them, so the test stops as soon as they are answered and checks, on the
emulator's record, how far the group's work had got by then. No wall-clock thresholds.
"""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.knowledge.snapshot import Knowledge
from bot.runtime.process import Roles
from bot.sandbox.call_record import BotCall
from bot.sandbox.emulator import Emulator
from bot.telegram.pacing import Limits
from tests.e2e.worker_processes import serving

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

QUESTIONS = ("怎么退货", "发什么快递")
WAVE = 40
SIMPLE = 10
EVERY = WAVE // SIMPLE
SAFETY_TIMEOUT = 60.0
"""Only a safety net: the waits end when the emulator records the bot's answer."""


async def answer_to(emulator: Emulator, buyer: int) -> BotCall:
    """The bot's first message in the buyer's private chat."""
    calls = await emulator.record.wait_sent(1, buyer, method="sendMessage", timeout=SAFETY_TIMEOUT)
    return calls[0]


async def test_simple_questions_are_answered_before_a_wave_of_handoffs_has_half_its_topics(
        redis: Redis, key_prefix: str, knowledge: Knowledge) -> None:
    settings = Settings(redis_prefix=key_prefix)
    assert (settings.send_rate_per_second, settings.group_messages_per_minute,
            settings.private_messages_per_second) == (Limits().per_second, Limits().group_per_minute,
                                                      Limits().private_per_second)  # production pacing
    async with serving(settings, redis, knowledge, Roles(ingest=True, work=True)) as (emulator, _):
        expected = {}
        for question in QUESTIONS:  # what the bot answers with nobody else around
            buyer = emulator.chats.new_buyer().id
            emulator.user_sends(buyer, buyer, question)
            expected[question] = (await answer_to(emulator, buyer)).text

        wave = [emulator.chats.new_buyer().id for _ in range(WAVE)]
        simple = [(emulator.chats.new_buyer().id, QUESTIONS[n % len(QUESTIONS)]) for n in range(SIMPLE)]
        for n, buyer in enumerate(wave):
            emulator.user_sends(buyer, buyer, "转人工")
            if n % EVERY == EVERY - 1:  # one simple question after every four handoffs
                asker, question = simple[n // EVERY]
                emulator.user_sends(asker, asker, question)

        answers = [await answer_to(emulator, asker) for asker, _ in simple]
        assert [a.text for a in answers] == [expected[q] for _, q in simple]  # answered as without the wave
        calls = emulator.record.calls
        last_answer = max(calls.index(a) for a in answers)
        topics = [c for c in calls[:last_answer] if c.method == "createForumTopic" and c.ok]
        assert len(topics) < WAVE // 2, (
            f"{len(topics)} of the wave's {WAVE} topics were created before the last simple answer: "
            "the simple questions waited for the agents' group")

        for buyer in wave:  # their own private chats: not the group's pace
            assert "人工客服" in ((await answer_to(emulator, buyer)).text or "")
