"""kill -9 in the middle of a conversation loses nothing and shows nothing twice.

The bot runs as a real subprocess (`python -m bot run`) against the emulator and the real
Redis. The emulator holds the bot's next relay to the agents' group in flight (received,
never applied, as when a process dies mid-request) while the buyer keeps writing and the
agent answers; the test then kills the bot with SIGKILL, starts it again, and checks that
queue, claim and topic survived and that every message reached the other side exactly once.

What no test can make exactly-once is a relay Telegram applied whose acknowledgement the
bot never recorded (killed in the millisecond between the two): it is sent again after a
restart. That window is stated in the README; everything else is covered here.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.handoff.model import Status
from bot.handoff.stores import handoff_stores
from bot.sandbox.emulator import Emulator
from tests.e2e.harness import AGENTS, NANA, XIAO_WANG, eventually
from tests.e2e.worker_processes import Process

pytestmark = pytest.mark.e2e


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


async def _polled(emulator: Emulator, since: int) -> None:
    await eventually(lambda: emulator.stats.polls > since, timeout=30, what="the bot process to poll")


def _topic_texts(emulator: Emulator, thread: int) -> list[str]:
    return [m.get("text") or "" for m in emulator.chat_log.messages(AGENTS, thread)]


def _buyer_texts(emulator: Emulator) -> list[str]:
    return [m.get("text") or "" for m in emulator.chat_log.messages(XIAO_WANG)]


async def test_sigkill_mid_conversation_loses_and_duplicates_nothing(
        emulator: Emulator, redis: object, key_prefix: str, tmp_path: Path) -> None:
    store = handoff_stores(redis, key_prefix, SystemClock())  # type: ignore[arg-type]
    bot = Process("run", emulator, key_prefix, tmp_path / "bot.log", fast=False)
    try:
        await _polled(emulator, 0)
        emulator.user_sends(XIAO_WANG, XIAO_WANG, "转人工")
        await emulator.record.wait_until(lambda: any("小王" in t.name for t in emulator.chat_log.topics.values()),
                                  timeout=15, what="the topic")
        thread = next(t.thread_id for t in emulator.chat_log.topics.values() if "小王" in t.name)
        emulator.user_sends(AGENTS, NANA, "/take", thread_id=thread)
        await emulator.record.wait_until(lambda: any("已接待" in t for t in _topic_texts(emulator, thread)),
                                  timeout=15, what="the take")

        stalled = emulator.faults.stall_next("copyMessage", chat_id=AGENTS)
        buyer_lines = [f"第{i}条：我的快递还没到" for i in range(1, 9)]
        for line in buyer_lines:
            emulator.user_sends(XIAO_WANG, XIAO_WANG, line)
        emulator.user_sends(AGENTS, NANA, "亲，我这就帮您查一下物流", thread_id=thread)
        # Kill once the first relay is in flight and every update has been fetched.
        await eventually(lambda: stalled.hits and not emulator.updates.pending_updates, timeout=15,
                         what="a relay in flight")
        await asyncio.sleep(0.3)
        bot.kill()
        emulator.faults.release_stalls()  # the dead process's request ends without effect
        assert buyer_lines[0] not in _topic_texts(emulator, thread)
        polls = emulator.stats.polls

        # While it is down, the conversation is intact in Redis.
        conversation = await store.conversations.open_for_buyer(XIAO_WANG)
        assert conversation is not None and conversation.status is Status.held
        assert conversation.agent_id == NANA and conversation.topic_id == thread

        bot.start()
        await _polled(emulator, polls)
        await emulator.record.wait_until(
            lambda: all(line in _topic_texts(emulator, thread) for line in buyer_lines)
            and "亲，我这就帮您查一下物流" in _buyer_texts(emulator),
            timeout=30, what="every relay after the restart")
        await asyncio.sleep(1.5)  # time for any duplicate to show up

        in_topic = Counter(_topic_texts(emulator, thread))
        assert all(in_topic[line] == 1 for line in buyer_lines), in_topic
        assert Counter(_buyer_texts(emulator))["亲，我这就帮您查一下物流"] == 1
        assert [t.thread_id for t in emulator.chat_log.topics.values() if "小王" in t.name] == [thread]
        conversation = await store.conversations.open_for_buyer(XIAO_WANG)
        assert conversation is not None and conversation.agent_id == NANA and conversation.topic_id == thread
    finally:
        bot.stop()
    assert b"Traceback" not in bot.log_path.read_bytes(), bot.log_path.read_text(errors="replace")
