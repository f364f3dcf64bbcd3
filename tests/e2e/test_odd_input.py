"""Odd input a buyer or agent may send: invisible characters, and media other than photos."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.handoff_steps import agent_says, hand_off, in_topic, topic_of, topic_texts
from tests.e2e.harness import AGENTS, NANA, XIAO_LI, XIAO_WANG, Session

pytestmark = pytest.mark.e2e


async def test_a_complaint_split_by_a_zero_width_space_is_a_complaint(session: Session) -> None:
    reply = await session.private(XIAO_WANG, "我要投\u200b诉你们")
    assert "抱歉" in reply.text and "人工客服" in reply.text
    thread = await topic_of(session, "小王")
    await in_topic(session, thread, "转人工原因：投诉")


async def test_an_agents_forbidden_word_split_by_an_invisible_character_is_held(session: Session) -> None:
    await hand_off(session, XIAO_LI)
    thread = await topic_of(session, "小李")
    await agent_says(session, NANA, thread, "/take")
    await agent_says(session, NANA, thread, "亲，这款是最\u200b好的")
    await in_topic(session, thread, "没有发给买家")
    assert not [c for c in session.emulator.record.calls if c.method == "copyMessage" and c.chat_id == XIAO_LI]


BUYER_MEDIA: list[tuple[str, dict[str, Any]]] = [
    ("voice", {"recording": "voice"}),
    ("video", {"recording": "video"}),
    ("video_note", {"recording": "video_note"}),
    ("location", {"location": (30.27, 120.15)}),
    ("contact", {"contact": ("13800000000", "小王")}),
    ("poll", {"poll": ("哪个颜色好看", ("白色", "蓝色"))}),
]


async def test_every_kind_of_message_a_buyer_sends_during_a_handoff_is_relayed(session: Session) -> None:
    await hand_off(session, XIAO_WANG)
    thread = await topic_of(session, "小王")
    for kind, content in BUYER_MEDIA:
        session.emulator.user_sends(XIAO_WANG, XIAO_WANG, **content)
        copy = await session.emulator.record.wait_for(
            lambda c, kind=kind: c.method == "copyMessage" and c.chat_id == AGENTS and c.ok
            and kind in (c.message or {}))
        assert copy.message["message_thread_id"] == thread


async def test_an_agents_voice_message_reaches_the_buyer(session: Session) -> None:
    await hand_off(session, XIAO_LI)
    thread = await topic_of(session, "小李")
    await agent_says(session, NANA, thread, "/take")
    session.emulator.user_sends(AGENTS, NANA, "亲，您听一下", recording="voice", thread_id=thread)
    copy = await session.emulator.record.wait_for(
        lambda c: c.method == "copyMessage" and c.chat_id == XIAO_LI and c.ok and "voice" in (c.message or {}))
    assert copy.message.get("caption") == "亲，您听一下"
    assert "转人工" in "\n".join(topic_texts(session, thread))
