from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, load_knowledge
from tests.e2e.harness import Session, demo_settings, running_bot


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The demo shops' data and templates, loaded and linted once (snapshots are immutable)."""
    return load_knowledge(Settings(), datetime.now(UTC))


@pytest.fixture
def settings(key_prefix: str) -> Settings:
    return demo_settings(key_prefix)


@pytest.fixture
async def session(settings: Settings, redis: Redis, knowledge: Knowledge) -> AsyncIterator[Session]:
    async with running_bot(settings, redis, knowledge) as running:
        yield running
