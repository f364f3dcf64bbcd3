"""E2E fixtures: the demo knowledge, and the bot running on a Redis store.

Every e2e test runs on the real Redis (`LIVEDESK_TEST_REDIS_URL`). Tests marked
`both_stores` run a second time on the store `livedesk sandbox` embeds when no
`REDIS_URL` is set (`bot.runtime.redis_connection.embedded`, fakeredis with Lua): the
sandbox is the project's main demo, and its store must run the same Lua scripts
(handoff, close, rating, SLA) as production, or the demo breaks unseen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, load_knowledge
from bot.runtime.redis_connection import embedded
from tests.e2e.harness import Session, demo_settings, running_bot

REAL, EMBEDDED = "real-redis", "sandbox-embedded"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run `both_stores` tests on both stores; every other test on the real Redis only."""
    if "bot_redis" in metafunc.fixturenames:
        stores = [REAL, EMBEDDED] if metafunc.definition.get_closest_marker("both_stores") else [REAL]
        metafunc.parametrize("bot_redis", stores, indirect=True)


@pytest.fixture
async def bot_redis(request: pytest.FixtureRequest, redis: Redis,
                    caplog: pytest.LogCaptureFixture) -> AsyncIterator[Redis]:
    """The store the bot runs on: the real server (keys cleaned up by the `redis` fixture)
    or a fresh embedded one built exactly as the sandbox builds it.

    In a `both_stores` test no update may fail: a script the store cannot run (the
    embedded Lua once lacked `bit`) only shows in the log while the chat looks normal."""
    if request.param == REAL:
        yield redis
    else:
        store = embedded()
        try:
            yield store
        finally:
            await store.aclose()
    if request.node.get_closest_marker("both_stores"):
        failed = [r.getMessage() for r in caplog.get_records("call") if r.name == "handlers.errors"]
        assert not failed, f"updates failed on the {request.param} store: {failed}"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The demo shops' data and templates, loaded and linted once (snapshots are immutable)."""
    return load_knowledge(Settings(), datetime.now(UTC))


@pytest.fixture
def settings(key_prefix: str) -> Settings:
    return demo_settings(key_prefix)


@pytest.fixture
async def session(settings: Settings, bot_redis: Redis, knowledge: Knowledge) -> AsyncIterator[Session]:
    async with running_bot(settings, bot_redis, knowledge) as running:
        yield running
