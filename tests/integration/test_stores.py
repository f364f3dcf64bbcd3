"""The stage per live room and the handoff requests, in the real Redis."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.handoff_requests import HandoffRequest, HandoffRequests
from bot.stage import StageStore

pytestmark = pytest.mark.redis

ROOM = -1001000000100
OTHER_ROOM = -1001000000200
AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


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


def request(n: int, **changes: object) -> HandoffRequest:
    fields: dict[str, object] = {"buyer_id": 700000 + n, "chat_id": 700000 + n, "reason": "requested",
                                 "text": f"转人工 {n}", "at": AT + timedelta(minutes=n)}
    fields.update(changes)
    return HandoffRequest(**fields)  # type: ignore[arg-type]


async def test_no_requests_yet(redis, key_prefix) -> None:
    assert await HandoffRequests(redis, key_prefix).recent() == []


async def test_requests_are_read_back_newest_first(redis, key_prefix) -> None:
    store = HandoffRequests(redis, key_prefix)
    written = [request(1), request(2, reason="complaint", text="太差了，我要投诉"),
               request(3, reason="personal", chat_id=ROOM)]
    ids = [await store.record(r) for r in written]
    assert len(set(ids)) == 3 and all(isinstance(i, str) and "-" in i for i in ids)
    assert await store.recent() == list(reversed(written))


async def test_recent_returns_at_most_count(redis, key_prefix) -> None:
    store = HandoffRequests(redis, key_prefix)
    for n in range(5):
        await store.record(request(n))
    recent = await store.recent(count=2)
    assert [r.buyer_id for r in recent] == [700004, 700003]


async def test_request_fields_survive_exactly(redis, key_prefix) -> None:
    store = HandoffRequests(redis, key_prefix)
    original = HandoffRequest(buyer_id=700003, chat_id=-1001000000100, reason="complaint",
                              text="收到的橙子坏了 😡 <b>快处理</b>", at=AT.replace(microsecond=123456))
    await store.record(original)
    (back,) = await store.recent()
    assert back == original
    assert back.at.tzinfo is not None


async def test_handoff_keys_are_prefixed_and_hash_tagged(redis, key_prefix) -> None:
    store = HandoffRequests(redis, key_prefix)
    await store.record(request(1))
    keys = await keys_under(redis, key_prefix)
    assert len(keys) == 1
    assert_prefixed_and_tagged(keys, key_prefix)


async def test_every_key_written_by_both_stores_is_prefixed_and_tagged(redis, key_prefix) -> None:
    await StageStore(redis, key_prefix).set(ROOM, "BS-DRESS")
    await HandoffRequests(redis, key_prefix).record(request(1))
    keys = await keys_under(redis, key_prefix)
    assert len(keys) == 2
    assert_prefixed_and_tagged(keys, key_prefix)
