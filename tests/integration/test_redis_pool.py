"""The bounded Redis pool: a burst bigger than the pool waits for a connection, it does not fail.

A sale-night burst queues hundreds of sends at once, each checking its pace in Redis;
with a plain bounded pool the calls past the bound would fail ("Too many connections")
and their updates be retried for nothing.
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from bot.runtime.redis_connection import connect
from bot.runtime.settings import RuntimeSettings
from tests.conftest import TEST_REDIS_URL

# Not marked `redis`: the cluster run (scripts/test) skips it, as the cluster client keeps a
# pool per node; this is the single server's pool.



async def test_two_hundred_calls_through_a_pool_of_four_all_succeed(redis: Redis, key_prefix: str) -> None:
    client = connect(TEST_REDIS_URL, RuntimeSettings(redis_max_connections=4))
    try:
        results = await asyncio.gather(*(client.set(f"{key_prefix}:n{i}", i, ex=60) for i in range(200)))
        assert results == [True] * 200
        assert await redis.get(f"{key_prefix}:n199") == b"199"
    finally:
        await client.aclose()
