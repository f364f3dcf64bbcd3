"""Staff open the web console from the bot: /console in private chat gives a 控制台 button."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.knowledge.snapshot import Knowledge
from tests.e2e.harness import AMING, NANA, XIAO_WANG, Session, demo_settings, running_bot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def with_console(key_prefix: str, redis: Redis, knowledge: Knowledge) -> AsyncIterator[Session]:
    settings = demo_settings(key_prefix, web_public_url="https://desk.example.com")
    async with running_bot(settings, redis, knowledge) as running:
        yield running


def keyboard(reply: object) -> list[dict[str, object]]:
    message = getattr(reply, "message", None) or {}
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b for row in rows for b in row]


async def test_staff_get_a_mini_app_button_to_the_console(with_console: Session) -> None:
    reply = await with_console.private(NANA, "/console")
    assert "促销规则" in reply.text  # 娜娜 is ops: the editors are mentioned
    [button] = keyboard(reply)
    assert button["text"] == "打开控制台"
    assert button["web_app"] == {"url": "https://desk.example.com/login"}
    reply = await with_console.private(AMING, "/console")
    assert "促销规则" not in reply.text and keyboard(reply)


async def test_a_buyer_asking_for_the_console_gets_nothing(with_console: Session) -> None:
    await with_console.expect_silence(XIAO_WANG, XIAO_WANG, "/console")


async def test_without_an_address_staff_are_told_it_is_not_configured(session: Session) -> None:
    reply = await session.private(AMING, "/console")
    assert "WEB_PUBLIC_URL" in reply.text and not keyboard(reply)
