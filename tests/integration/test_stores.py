"""The stage per live room and the handoff requests, in the real Redis."""

from __future__ import annotations

import re

import pytest

from bot.live_room.stage import StageStore

pytestmark = pytest.mark.redis

ROOM = -1001000000100
OTHER_ROOM = -1001000000200


async def keys_under(redis, prefix: str) -> list[str]:
    return sorted([k.decode() async for k in redis.scan_iter(match=f"{prefix}*", count=500)])


def assert_prefixed_and_tagged(keys: list[str], prefix: str) -> None:
    assert keys
    for key in keys:
        assert key.startswith(f"{prefix}:"), key
        assert re.search(r"\{[^{}]+\}", key), f"{key} has no hash tag"


# --- stage -------------------------------------------------------------------------------


async def test_stage_is_empty_until_set(redis, key_prefix) -> None:
    assert await StageStore(redis, key_prefix).get(ROOM) is None


async def test_stage_round_trips(redis, key_prefix) -> None:
    store = StageStore(redis, key_prefix)
    await store.set(ROOM, "BS-DRESS")
    assert await store.get(ROOM) == "BS-DRESS"
    await store.set(ROOM, "MX-GIFTBOX")
    assert await store.get(ROOM) == "MX-GIFTBOX"


async def test_stage_survives_a_new_store_object(redis, key_prefix) -> None:
    await StageStore(redis, key_prefix).set(ROOM, "XG-ORANGE")
    assert await StageStore(redis, key_prefix).get(ROOM) == "XG-ORANGE"  # e.g. after a restart


async def test_rooms_are_independent(redis, key_prefix) -> None:
    store = StageStore(redis, key_prefix)
    await store.set(ROOM, "BS-DRESS")
    await store.set(OTHER_ROOM, "MX-LONGJING")
    assert await store.get(ROOM) == "BS-DRESS"
    assert await store.get(OTHER_ROOM) == "MX-LONGJING"
    await store.set(ROOM, "BS-SCARF")
    assert await store.get(OTHER_ROOM) == "MX-LONGJING"


async def test_prefixes_are_independent(redis, key_prefix) -> None:
    await StageStore(redis, key_prefix).set(ROOM, "BS-DRESS")
    assert await StageStore(redis, f"{key_prefix}-other").get(ROOM) is None


async def test_stage_keys_are_prefixed_and_hash_tagged_by_room(redis, key_prefix) -> None:
    store = StageStore(redis, key_prefix)
    await store.set(ROOM, "BS-DRESS")
    await store.set(OTHER_ROOM, "BS-DRESS")
    keys = await keys_under(redis, key_prefix)
    assert len(keys) == 2
    assert_prefixed_and_tagged(keys, key_prefix)
    tags = {re.search(r"\{([^{}]+)\}", k)[1] for k in keys}  # type: ignore[index]
    assert tags == {f"room:{ROOM}", f"room:{OTHER_ROOM}"}


# --- handoff requests --------------------------------------------------------------------
