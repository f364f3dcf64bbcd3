"""Steps of a handoff as the end-to-end tests drive it: ask for a person, find the buyer's
topic in the agents' group, read it, and speak in it as an agent."""

from __future__ import annotations

from bot.sandbox.call_record import BotCall
from tests.e2e.harness import AGENTS, Session


def current_topic(session: Session, buyer_name: str) -> int | None:
    topics = [t for t in session.emulator.chat_log.topics.values() if buyer_name in t.name and not t.deleted]
    return topics[-1].thread_id if topics else None


async def topic_of(session: Session, buyer_name: str) -> int:
    """The buyer's topic in the agents' group, once the bot has opened it."""
    thread: int = await session.emulator.record.wait_until(lambda: current_topic(session, buyer_name),
                                                    what=f"a topic for {buyer_name}")
    return thread


def topic_texts(session: Session, thread_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in session.emulator.chat_log.messages(AGENTS, thread_id)]


async def in_topic(session: Session, thread_id: int, fragment: str, timeout: float = 5.0) -> None:
    await session.emulator.record.wait_until(lambda: any(fragment in t for t in topic_texts(session, thread_id)),
                                      timeout=timeout, what=f"{fragment!r} in topic {thread_id}")


async def agent_says(session: Session, agent: int, thread_id: int, text: str) -> None:
    session.emulator.user_sends(AGENTS, agent, text, thread_id=thread_id)
    await session.idle()


async def hand_off(session: Session, buyer: int, text: str = "转人工") -> BotCall:
    reply = await session.private(buyer, text)
    assert "人工客服" in reply.text or "客服" in reply.text
    return reply
