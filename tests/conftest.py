"""Shared fixtures: the demo catalogue, a controllable clock, and a real Redis per test.

Redis tests talk to the real server named by LIVEDESK_TEST_REDIS_URL (default
redis://127.0.0.1:6379/15), or to a Redis Cluster when it is `redis+cluster://...`. Each test gets its own key prefix and every key under it is
deleted afterwards, so tests never see each other's data. `scripts/test` starts a
throwaway redis-server when none answers; if none is reachable the Redis tests fail
(they are never skipped).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis, RedisCluster

from bot.clock import ManualClock
from bot.shop.catalog import Catalog, load_catalog
from bot.understanding.intents import IntentMatcher
from bot.understanding.reading_rules import load_reading_rules
from bot.understanding.topics import load_topics

ROOT = Path(__file__).resolve().parent.parent
TEST_REDIS_URL = os.environ.get("LIVEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
"""`redis+cluster://host:port/0` runs the Redis tests against a Redis Cluster (scripts/test does,
after the single-server run, for the tests marked `redis`)."""
CLUSTER_SCHEME = "redis+cluster://"


def test_redis_client(url: str = TEST_REDIS_URL, **options: object) -> Redis:
    """A client for the test server: a RedisCluster client for a `redis+cluster://` URL."""
    if url.startswith(CLUSTER_SCHEME):
        return RedisCluster.from_url("redis://" + url.removeprefix(CLUSTER_SCHEME), **options)  # type: ignore[return-value]
    return Redis.from_url(url, **options)


test_redis_client.__test__ = False  # type: ignore[attr-defined]
DEMO_NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai, a Monday


@pytest.fixture
def demo_now() -> datetime:
    return DEMO_NOW


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog(ROOT / "shop", DEMO_NOW)


@pytest.fixture(scope="session")
def matcher() -> IntentMatcher:
    """The topic reader trained on the real topic files (once per run: training takes ~0.5 s)."""
    return IntentMatcher(load_reading_rules(ROOT / "templates" / "understanding.yaml"),
                         load_topics(ROOT / "templates" / "topics"), load_catalog(ROOT / "shop", DEMO_NOW))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DEMO_NOW)


@pytest.fixture
def key_prefix() -> str:
    """A prefix no other test uses; pass it to stores as their Redis key prefix."""
    return f"test:{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis(key_prefix: str) -> AsyncIterator[Redis]:
    """A real Redis connection; keys under `key_prefix` are removed after the test."""
    client = test_redis_client(decode_responses=False)
    await client.ping()
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}*", count=500):
            await client.delete(key)
        await client.aclose()

