"""A wave of handoffs at Telegram's real pace does not hold up buyers' simple questions.

Forty buyers ask for a person at once while ten others ask when their dress ships. With
production pacing (20 messages a minute in the agents' group, one a second per private
chat, 30 a second overall) the forty topics, cards and relays take minutes to reach the
agents' group; the simple questions must not queue behind them. Times are the emulator's
records of the bot's calls, not sleeps.
"""

from __future__ import annotations

import logging
import statistics
import time

import pytest
from redis.asyncio import Redis

from bot.knowledge.snapshot import Knowledge
from bot.sandbox.state import BotCall
from tests.e2e.harness import AGENTS, Session, demo_settings, running_bot

pytestmark = pytest.mark.e2e

log = logging.getLogger(__name__)

QUESTION = "连衣裙什么时候发货"
WAVE = 40
SIMPLE = 10


async def ask_simple(session: Session, buyers: list[int]) -> list[float]:
    """Each buyer asks at once; seconds from asking to the bot's answer, per buyer."""
    asked = {}
    for buyer in buyers:
        asked[buyer] = time.perf_counter()  # the emulator's clock (BotCall.at)
        session.emulator.user_sends(buyer, buyer, QUESTION)
    answers: list[BotCall] = []
    for buyer in buyers:
        (answer,) = await session.emulator.wait_sent(1, buyer, method="sendMessage", timeout=60)
        assert "48小时内发货" in (answer.text or "")
        answers.append(answer)
    return [a.at - asked[a.chat_id] for a in answers]


async def test_simple_questions_are_answered_while_the_agents_group_works_through_a_wave(
        redis: Redis, key_prefix: str, knowledge: Knowledge) -> None:
    settings = demo_settings(key_prefix, private_messages_per_second=1.0, group_messages_per_minute=20,
                             send_rate_per_second=30.0)
    async with running_bot(settings, redis, knowledge) as session:
        emulator = session.emulator
        alone = await ask_simple(session, [emulator.new_buyer().id for _ in range(SIMPLE)])

        wave = [emulator.new_buyer().id for _ in range(WAVE)]
        for buyer in wave:
            emulator.user_sends(buyer, buyer, "转人工")
        during = await ask_simple(session, [emulator.new_buyer().id for _ in range(SIMPLE)])
        last_answer = max(c.at for c in emulator.calls if c.method == "sendMessage"
                          and (c.text or "").find("48小时内发货") >= 0)

        topics = [c for c in emulator.calls if c.method == "createForumTopic" and c.ok and c.at <= last_answer]
        to_agents = [c for c in emulator.calls if c.chat_id == AGENTS and c.ok and c.at <= last_answer]
        log.info("simple answers alone: median %.3fs, max %.3fs; during the wave: median %.3fs, max %.3fs; "
                 "by then %d of %d topics and %d messages in the agents' group",
                 statistics.median(alone), max(alone), statistics.median(during), max(during),
                 len(topics), WAVE, len(to_agents))
        # Every buyer of the wave was told they are queued (private chats, not the group's pace)...
        for buyer in wave:
            await emulator.wait_sent(1, buyer, method="sendMessage", timeout=60)
        # ...and the simple questions were all answered long before the group's backlog
        # (a topic, a card and a relay per handoff, 20 a minute) could have cleared.
        assert len(topics) < WAVE
        assert len(to_agents) < 3 * WAVE
