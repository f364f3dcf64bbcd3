from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.web.console_harness import RunningConsole, copied_settings, running_console


@pytest.fixture
async def web(redis: Redis, key_prefix: str, tmp_path: Path) -> AsyncIterator[RunningConsole]:
    async with running_console(copied_settings(key_prefix, tmp_path), redis) as running:
        yield running
