"""The middle layer: the real runtime (`build_runtime`) on a recorded Bot session.

Each test gets the Dispatcher, handlers, desk and outbox exactly as `livedesk run`
assembles them, on the real Redis (its own key prefix) and a `ManualClock`, with a
`RecordedSession` under the Bot. At teardown every call the bot made must have been
consumed by the test: a message nobody asserted on fails the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder, load_knowledge
from bot.runtime.app import build_runtime
from tests.conftest import DEMO_NOW
from tests.middle.recorded_session import BOT_TOKEN, Chats, RecordedSession
from tests.middle.telegram import AGENTS, Telegram


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test body failed, so teardown does not report the same story twice."""
    report = yield
    if report.when == "call":
        item.stash[BODY_FAILED] = report.failed
    return report


BODY_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The bundled demo shops and templates, loaded and linted once (snapshots are immutable)."""
    return load_knowledge(Settings(), DEMO_NOW)


@pytest.fixture
def settings(key_prefix: str) -> Settings:
    """Demo settings; pacing limits high enough that the outbox never waits between messages
    (pacing itself is tested on the Outbox)."""
    return Settings(redis_prefix=key_prefix, private_messages_per_second=1_000_000.0,
                    group_messages_per_minute=1_000_000, send_rate_per_second=1_000_000.0)


@pytest.fixture
async def tg(request: pytest.FixtureRequest, settings: Settings, redis: Redis, clock: ManualClock,
             knowledge: Knowledge) -> AsyncIterator[Telegram]:
    chats = Chats(forums=frozenset({AGENTS}))
    api = RecordedSession(chats, clock.now)
    # The same defaults as bot.runtime.app.make_bot, on the recorded session.
    bot = Bot(BOT_TOKEN, session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    runtime = build_runtime(settings, bot=bot, redis=redis, clock=clock,
                            holder=KnowledgeHolder(settings, clock, knowledge))
    me = await bot.me()
    # As Runtime.start_background sets it; the background loops themselves are not started:
    # tests run a relay round when they need one (Telegram.deliver_relays).
    runtime.dp["private_link"] = f"https://t.me/{me.username}?start=live"
    api.take("getMe")
    telegram = Telegram(runtime, api, chats, clock)
    try:
        yield telegram
        if request.node.stash.get(BODY_FAILED, False):
            return  # the failure already says what went wrong
        await telegram.settle()
        assert await runtime.burst.waiting() == 0, "room answers still gathered: the test never let the window end"
        api.assert_nothing_more()
    finally:
        await runtime.close()
