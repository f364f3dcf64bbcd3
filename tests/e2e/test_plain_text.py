"""Texts Telegram shows as typed (quick replies, topic names) carry `&`, `<`, `>`, not entities."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.knowledge.snapshot import load_knowledge
from tests.e2e.handoff_steps import agent_says, in_topic
from tests.e2e.harness import NANA, Session, demo_settings, running_bot

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BUYER_NAME = "A&B <小美>"
QUICK = "亲{{ buyer.name }}，买2件&以上打9折 <限时> 哦"


@pytest.fixture
async def odd_session(tmp_path: Path, redis: Redis, key_prefix: str) -> AsyncIterator[Session]:
    """The demo bot with one more quick reply, written by ops with & and < > in it."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "zh-CN" / "quick" / "deal.j2").write_text(QUICK + "\n", encoding="utf-8")
    settings = demo_settings(key_prefix, templates_dir=templates)
    async with running_bot(settings, redis, load_knowledge(settings, datetime.now(UTC))) as session:
        yield session


async def test_topic_name_and_quick_reply_show_the_characters_as_typed(odd_session: Session) -> None:
    session = odd_session
    buyer = session.emulator.chats.new_buyer(name=BUYER_NAME)
    reply = await session.private(buyer.id, "转人工")
    assert "人工客服" in reply.text
    topic = await session.emulator.record.wait_until(
        lambda: next((t for t in session.emulator.chat_log.topics.values() if "小美" in t.name), None))
    assert topic.name.startswith(BUYER_NAME) and "&amp;" not in topic.name and "&lt;" not in topic.name

    await agent_says(session, NANA, topic.thread_id, "/take")
    await agent_says(session, NANA, topic.thread_id, "/q deal")
    quick = await session.emulator.record.wait_for(lambda c: c.chat_id == buyer.id and "9折" in (c.text or ""))
    assert quick.text == f"亲{BUYER_NAME}，买2件&以上打9折 <限时> 哦"
    await in_topic(session, topic.thread_id, f"↪️ 亲{BUYER_NAME}，买2件&以上打9折 <限时> 哦")
