"""The handoff queue in the real Redis: priority order, positions, one conversation per
buyer, routing between shops, the "no agent yet" and position announcements."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.handoff import keys
from bot.handoff.model import Priority, Status
from bot.handoff.policy import queue_score
from bot.handoff.stores import HandoffStores, handoff_stores

pytestmark = pytest.mark.redis

SHOP, OTHER_SHOP = "beishang", "mingxiang"
ALICE, BOB, CAROL, DAVE = 5001, 5002, 5003, 5004
AGENT = 900001


@pytest.fixture
def store(redis: Redis, key_prefix: str, clock: ManualClock) -> HandoffStores:
    return handoff_stores(redis, key_prefix, clock)


async def three_buyers(store: HandoffStores, clock: ManualClock) -> tuple[int, int, int]:
    """A normal request, then a VIP one, then a complaint, a minute apart."""
    normal, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    clock.advance(60)
    vip, _ = await store.conversations.open(BOB, "Bob", "zh-hans", SHOP, "vip", Priority.vip)
    clock.advance(60)
    complaint, _ = await store.conversations.open(CAROL, "Carol", "zh-hans", SHOP, "投诉", Priority.complaint)
    return normal.id, vip.id, complaint.id


async def test_three_buyers_are_served_complaint_then_vip_then_normal(store, clock) -> None:
    normal, vip, complaint = await three_buyers(store, clock)
    assert [c.id for c in await store.queue.queue(SHOP)] == [complaint, vip, normal]
    served = []
    for _ in range(3):
        head = (await store.queue.queue(SHOP))[0]
        result = await store.conversations.take(head.id, AGENT)
        assert result.ok
        served.append(head.id)
    assert served == [complaint, vip, normal]
    assert await store.queue.queue(SHOP) == []


async def test_positions_are_one_based_within_the_shop(store, clock) -> None:
    normal, vip, complaint = await three_buyers(store, clock)
    other, _ = await store.conversations.open(DAVE, "Dave", "en", OTHER_SHOP, "转人工", Priority.normal)
    assert [await store.queue.position(c) for c in (complaint, vip, normal)] == [1, 2, 3]
    assert await store.queue.position(other.id) == 1
    await store.conversations.take(complaint, AGENT)
    assert await store.queue.position(complaint) is None  # held, not waiting any more
    assert [await store.queue.position(c) for c in (vip, normal)] == [1, 2]


async def test_same_priority_is_first_come_first_served(store, clock) -> None:
    first, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    clock.advance(1)
    second, _ = await store.conversations.open(BOB, "Bob", "zh-hans", SHOP, "转人工", Priority.normal)
    assert [c.id for c in await store.queue.queue(SHOP)] == [first.id, second.id]


async def test_a_new_conversation_carries_what_the_buyer_asked(store, clock, demo_now) -> None:
    conv, created = await store.conversations.open(ALICE, "小美", "zh-hans", SHOP, "质量太差", Priority.complaint,
                                     stage_sku="BS-DRESS")
    assert created
    assert (conv.buyer_id, conv.buyer_name, conv.language_code, conv.shop, conv.reason,
            conv.priority, conv.status, conv.stage_sku) == (
        ALICE, "小美", "zh-hans", SHOP, "质量太差", Priority.complaint, Status.queued, "BS-DRESS")
    assert conv.created_at == conv.queued_at == demo_now
    assert conv.agent_id is None and conv.taken_at is None and conv.topic_id is None
    assert await store.conversations.get(conv.id) == conv


async def test_one_open_conversation_per_buyer(store) -> None:
    first, created = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    again, created_again = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    assert created and not created_again
    assert again.id == first.id
    assert again.reason == "转人工"  # the same reason is not repeated
    assert len(await store.queue.queue(SHOP)) == 1
    assert (await store.conversations.open_for_buyer(ALICE)).id == first.id


async def test_a_complaint_raises_the_priority_of_the_open_request(store, clock, redis, key_prefix) -> None:
    vip, _ = await store.conversations.open(BOB, "Bob", "zh-hans", SHOP, "vip", Priority.vip)
    clock.advance(30)
    plain, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    clock.advance(30)
    upgraded, created = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "投诉", Priority.complaint)
    assert not created
    assert upgraded.id == plain.id
    assert upgraded.priority is Priority.complaint
    assert upgraded.reason == "转人工; 投诉"
    assert upgraded.queued_at == plain.queued_at  # still counted from the first request
    assert [c.id for c in await store.queue.queue(SHOP)] == [plain.id, vip.id]
    score = await redis.zscore(keys.queue(key_prefix, SHOP), str(plain.id))
    assert score == queue_score(Priority.complaint, plain.queued_at)


async def test_a_lower_priority_request_never_downgrades(store) -> None:
    await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "投诉", Priority.complaint)
    again, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    assert again.priority is Priority.complaint
    assert again.reason == "投诉; 转人工"


async def test_a_held_conversation_is_returned_not_requeued(store) -> None:
    conv, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    await store.conversations.take(conv.id, AGENT)
    again, created = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "投诉", Priority.complaint)
    assert not created
    assert again.status is Status.held and again.agent_id == AGENT
    assert again.priority is Priority.complaint
    assert await store.queue.queue(SHOP) == []


async def test_after_release_the_buyer_can_open_a_new_conversation(store) -> None:
    conv, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    await store.conversations.release(conv.id, "cancelled", by=ALICE)
    assert await store.conversations.open_for_buyer(ALICE) is None
    fresh, created = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    assert created and fresh.id != conv.id


async def test_queued_shops_lists_only_shops_with_someone_waiting(store) -> None:
    assert await store.queue.queued_shops() == []
    a, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    await store.conversations.open(BOB, "Bob", "zh-hans", OTHER_SHOP, "转人工", Priority.normal)
    assert await store.queue.queued_shops() == [SHOP, OTHER_SHOP]  # sorted
    await store.conversations.take(a.id, AGENT)
    assert await store.queue.queued_shops() == [OTHER_SHOP]


async def test_waiting_longer_than_finds_only_untaken_long_waits(store, clock) -> None:
    old, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    taken, _ = await store.conversations.open(BOB, "Bob", "zh-hans", SHOP, "转人工", Priority.normal)
    await store.conversations.take(taken.id, AGENT)
    clock.advance(150)
    recent, _ = await store.conversations.open(CAROL, "Carol", "zh-hans", OTHER_SHOP, "转人工", Priority.normal)
    clock.advance(30)
    assert [c.id for c in await store.queue.waiting_longer_than(180)] == [old.id]
    assert [c.id for c in await store.queue.waiting_longer_than(20)] == [old.id, recent.id]
    assert await store.queue.waiting_longer_than(181) == []


async def test_the_buyer_is_told_no_agent_only_once(store) -> None:
    conv, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    assert not (await store.conversations.get(conv.id)).told_no_agent
    assert await store.queue.mark_told_no_agent(conv.id) is True
    assert await store.queue.mark_told_no_agent(conv.id) is False
    assert (await store.conversations.get(conv.id)).told_no_agent
    assert await store.queue.mark_told_no_agent(999_999) is False
    assert await store.conversations.get(999_999) is None  # no stub created for an unknown id


async def test_the_last_position_told_is_remembered(store) -> None:
    conv, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    assert (conv.told_position, conv.told_eta_minutes) == (None, None)
    await store.queue.set_told_position(conv.id, 3, 15)
    got = await store.conversations.get(conv.id)
    assert (got.told_position, got.told_eta_minutes) == (3, 15)
    await store.queue.set_told_position(conv.id, 2, None)
    got = await store.conversations.get(conv.id)
    assert (got.told_position, got.told_eta_minutes) == (2, None)


async def test_times_are_stored_as_epoch_milliseconds(store, clock, redis, key_prefix) -> None:
    clock.advance(0.25)
    conv, _ = await store.conversations.open(ALICE, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    raw = await redis.hget(keys.conversation(key_prefix, conv.id), "queued_at")
    assert int(raw) == round(clock.now().timestamp() * 1000)
    assert conv.queued_at == clock.now()


async def test_bad_shop_ids_never_reach_a_key(store) -> None:
    with pytest.raises(ValueError):
        await store.conversations.open(ALICE, "Alice", "zh-hans", "bad:{shop}", "转人工", Priority.normal)
    assert await store.conversations.open_for_buyer(ALICE) is None
