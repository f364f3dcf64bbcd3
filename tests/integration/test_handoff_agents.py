"""Agents on the handoff store in the real Redis: take, transfer, release, presence,
round-robin auto-assignment with a cap, and the topic <-> conversation mapping."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.handoff import keys
from bot.handoff.model import (
    CloseKind,
    Presence,
    Priority,
    Status,
    TakeOutcome,
    TransferOutcome,
)
from bot.handoff.stores import HandoffStores, handoff_stores

pytestmark = pytest.mark.redis

SHOP, OTHER_SHOP = "beishang", "mingxiang"
NANA, AMING, LILI = 900001, 900002, 900003
STAFF = {NANA: ("beishang",), AMING: ("mingxiang", "xianguo"), LILI: ("beishang", "mingxiang")}


@pytest.fixture
def store(redis: Redis, key_prefix: str, clock: ManualClock) -> HandoffStores:
    return handoff_stores(redis, key_prefix, clock)


async def warm_pool(redis: Redis, n: int = 12) -> None:
    """Open n connections first, so gathered calls really overlap in Redis instead of the
    first one finishing while the others are still connecting."""
    await asyncio.gather(*(redis.ping() for _ in range(n)))


async def queued(store: HandoffStores, clock: ManualClock, n: int, shop: str = SHOP,
                 first_buyer: int = 7000) -> list[int]:
    ids = []
    for i in range(n):
        conv, _ = await store.conversations.open(first_buyer + i, f"buyer{i}", "zh-hans", shop, "转人工",
                                   Priority.normal)
        ids.append(conv.id)
        clock.advance(10)
    return ids


# --- take -------------------------------------------------------------------------------


async def test_take_holds_the_conversation_for_the_agent(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    result = await store.conversations.take(cid, NANA)
    assert result.outcome is TakeOutcome.taken and result.ok
    conv = result.conversation
    assert (conv.status, conv.agent_id, conv.taken_at) == (Status.held, NANA, clock.now())
    assert await store.queue.queue(SHOP) == []
    assert await store.agents.open_count(NANA) == 1
    assert await store.agents.held_by(NANA) == [cid]


async def test_two_agents_racing_for_one_conversation_exactly_one_wins(store, clock, redis) -> None:
    [cid] = await queued(store, clock, 1)
    await warm_pool(redis)
    results = await asyncio.gather(*(store.conversations.take(cid, agent) for agent in (NANA, AMING, LILI)))
    winners = [r for r in results if r.outcome is TakeOutcome.taken]
    assert len(winners) == 1
    winner = winners[0].conversation.agent_id
    losers = [r for r in results if r is not winners[0]]
    assert all(r.outcome is TakeOutcome.held_by_other and r.holder == winner for r in losers)
    counts = [await store.agents.open_count(a) for a in (NANA, AMING, LILI)]
    assert sorted(counts) == [0, 0, 1]


async def test_many_takes_of_many_conversations_never_double_assign(store, clock, redis) -> None:
    ids = await queued(store, clock, 10)
    await warm_pool(redis, 30)
    agents = (NANA, AMING, LILI)
    results = await asyncio.gather(*(store.conversations.take(c, a) for c in ids for a in agents))
    assert sum(r.outcome is TakeOutcome.taken for r in results) == 10
    assert sum([await store.agents.open_count(a) for a in agents]) == 10


async def test_taking_what_you_hold_is_a_harmless_repeat(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    first = await store.conversations.take(cid, NANA)
    clock.advance(60)
    again = await store.conversations.take(cid, NANA)
    assert again.outcome is TakeOutcome.already_yours and again.ok
    assert again.conversation.taken_at == first.conversation.taken_at
    assert await store.agents.open_count(NANA) == 1


async def test_take_of_closed_or_unknown_conversations(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    await store.conversations.release(cid, CloseKind.cancelled)
    assert (await store.conversations.take(cid, NANA)).outcome is TakeOutcome.closed
    assert (await store.conversations.take(424242, NANA)).outcome is TakeOutcome.not_found
    assert await store.agents.open_count(NANA) == 0


# --- transfer ---------------------------------------------------------------------------


async def test_transfer_to_an_agent_moves_the_open_counts(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    await store.conversations.take(cid, NANA)
    clock.advance(60)
    result = await store.conversations.transfer(cid, by_agent=NANA, to_agent=AMING)
    assert result.outcome is TransferOutcome.transferred and result.previous_agent == NANA
    assert result.conversation.agent_id == AMING
    assert result.conversation.taken_at == clock.now()
    assert (await store.agents.open_count(NANA), await store.agents.open_count(AMING)) == (0, 1)


async def test_transfer_to_a_shop_keeps_the_place_in_line(store, clock) -> None:
    [early] = await queued(store, clock, 1, shop=SHOP, first_buyer=7000)
    later = await queued(store, clock, 2, shop=OTHER_SHOP, first_buyer=8000)
    await store.conversations.take(early, NANA)
    clock.advance(600)
    result = await store.conversations.transfer(early, by_agent=NANA, to_shop=OTHER_SHOP)
    assert result.outcome is TransferOutcome.transferred
    conv = result.conversation
    assert (conv.status, conv.shop, conv.agent_id, conv.taken_at) == (
        Status.queued, OTHER_SHOP, None, None)
    assert [c.id for c in await store.queue.queue(OTHER_SHOP)] == [early, *later]
    assert await store.queue.position(early) == 1
    assert await store.agents.open_count(NANA) == 0


async def test_only_the_holder_can_transfer_a_held_conversation(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    await store.conversations.take(cid, NANA)
    result = await store.conversations.transfer(cid, by_agent=AMING, to_agent=AMING)
    assert result.outcome is TransferOutcome.held_by_other and not result.ok
    assert (await store.conversations.get(cid)).agent_id == NANA
    assert await store.agents.open_count(AMING) == 0


async def test_a_queued_conversation_can_be_transferred_to_an_agent(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    result = await store.conversations.transfer(cid, by_agent=NANA, to_agent=AMING)
    assert result.ok and result.conversation.agent_id == AMING
    assert await store.queue.queue(SHOP) == []
    assert await store.agents.open_count(AMING) == 1


async def test_transfer_to_the_current_holder_changes_nothing(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    await store.conversations.take(cid, NANA)
    result = await store.conversations.transfer(cid, by_agent=NANA, to_agent=NANA)
    assert result.outcome is TransferOutcome.unchanged and result.ok
    assert await store.agents.open_count(NANA) == 1


async def test_transfer_needs_exactly_one_target(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    with pytest.raises(ValueError):
        await store.conversations.transfer(cid, by_agent=NANA)
    with pytest.raises(ValueError):
        await store.conversations.transfer(cid, by_agent=NANA, to_agent=AMING, to_shop=OTHER_SHOP)


# --- release ----------------------------------------------------------------------------


async def test_release_clears_the_mappings_and_the_open_count(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    await store.conversations.take(cid, NANA)
    await store.conversations.set_topic(cid, 77)
    clock.advance(300)
    closed = await store.conversations.release(cid, CloseKind.closed, by=NANA)
    assert (closed.status, closed.close_kind, closed.closed_by, closed.closed_at) == (
        Status.closed, CloseKind.closed, NANA, clock.now())
    assert closed.agent_id == NANA  # who served it stays on record
    assert await store.agents.open_count(NANA) == 0
    assert await store.conversations.open_for_buyer(closed.buyer_id) is None
    assert (await store.conversations.for_topic(77)).status is Status.closed  # late topic messages find it


async def test_release_of_a_queued_conversation_removes_it_from_the_queue(store, clock) -> None:
    ids = await queued(store, clock, 2)
    closed = await store.conversations.release(ids[0], "back")
    assert closed.close_kind is CloseKind.back and closed.closed_by is None
    assert [c.id for c in await store.queue.queue(SHOP)] == [ids[1]]
    assert await store.queue.position(ids[1]) == 1


async def test_a_second_release_reports_nothing_to_close(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    assert await store.conversations.release(cid, "closed", by=NANA) is not None
    assert await store.conversations.release(cid, "closed", by=AMING) is None
    assert (await store.conversations.get(cid)).closed_by == NANA
    assert await store.conversations.release(31337, "closed") is None


async def test_closed_conversations_expire_but_open_ones_do_not(store, clock, redis, key_prefix) -> None:
    open_id, closed_id = await queued(store, clock, 2)
    await store.messages.log(closed_id, "buyer", 7001, "谢谢")
    await store.conversations.release(closed_id, "closed")
    assert await redis.ttl(keys.conversation(key_prefix, open_id)) == -1
    ttl = await redis.ttl(keys.conversation(key_prefix, closed_id))
    assert 0 < ttl <= store.settings.closed_ttl_s
    assert 0 < await redis.ttl(keys.conversation_log(key_prefix, closed_id)) <= store.settings.closed_ttl_s


# --- presence ---------------------------------------------------------------------------


async def test_presence_defaults_to_offline_and_round_trips(store) -> None:
    assert await store.agents.presence(NANA) is Presence.offline
    await store.agents.set_presence(NANA, Presence.on_break)
    assert await store.agents.presence(NANA) is Presence.on_break
    await store.agents.set_presence(NANA, "online")
    assert await store.agents.presence(NANA) is Presence.online


async def test_agents_online_are_the_shops_agents_who_are_online(store) -> None:
    await store.agents.set_presence(NANA, Presence.online)
    await store.agents.set_presence(AMING, Presence.online)
    await store.agents.set_presence(LILI, Presence.on_break)
    assert await store.agents.agents_online(SHOP, STAFF) == [NANA]
    assert await store.agents.agents_online(OTHER_SHOP, STAFF) == [AMING]
    await store.agents.set_presence(LILI, Presence.online)
    assert await store.agents.agents_online(SHOP, STAFF) == [NANA, LILI]
    assert await store.agents.agents_online("xianguo", STAFF) == [AMING]


# --- auto-assignment --------------------------------------------------------------------


async def online(store: HandoffStores, *agents: int) -> None:
    for agent in agents:
        await store.agents.set_presence(agent, Presence.online)


async def test_assign_next_goes_round_robin_in_queue_order(store, clock) -> None:
    ids = await queued(store, clock, 4)
    await online(store, NANA, LILI)
    got = [await store.agents.assign_next(SHOP, [NANA, LILI], cap=5) for _ in range(4)]
    assert [(c.id, agent) for c, agent in got] == [
        (ids[0], NANA), (ids[1], LILI), (ids[2], NANA), (ids[3], LILI)]
    assert all(c.status is Status.held and c.agent_id == agent for c, agent in got)
    assert await store.agents.assign_next(SHOP, [NANA, LILI], cap=5) is None  # queue empty


async def test_assign_next_respects_the_cap(store, clock) -> None:
    ids = await queued(store, clock, 4)
    await online(store, NANA, LILI)
    [held_by_nana] = await queued(store, clock, 1, first_buyer=9000)
    await store.conversations.take(held_by_nana, NANA)
    got = [await store.agents.assign_next(SHOP, [NANA, LILI], cap=2) for _ in range(4)]
    agents = [None if g is None else g[1] for g in got]
    # Nana starts with one, so she is full after her first; Lili gets the next two; then
    # everyone is at 2 and the fourth stays queued.
    assert agents == [NANA, LILI, LILI, None]
    assert (await store.agents.open_count(NANA), await store.agents.open_count(LILI)) == (2, 2)
    assert [c.id for c in await store.queue.queue(SHOP)] == [ids[3]]


async def test_assign_next_skips_agents_who_are_not_online(store, clock) -> None:
    await queued(store, clock, 2)
    await online(store, LILI)
    await store.agents.set_presence(NANA, Presence.on_break)
    got = [await store.agents.assign_next(SHOP, [NANA, LILI], cap=5) for _ in range(2)]
    assert [agent for _, agent in got] == [LILI, LILI]


async def test_the_round_robin_pointer_survives_a_restart(store, redis, key_prefix, clock) -> None:
    await queued(store, clock, 2)
    await online(store, NANA, LILI)
    assert (await store.agents.assign_next(SHOP, [NANA, LILI], cap=5))[1] == NANA
    restarted = handoff_stores(redis, key_prefix, clock)
    assert (await restarted.agents.assign_next(SHOP, [NANA, LILI], cap=5))[1] == LILI


async def test_concurrent_assignment_never_exceeds_the_cap(store, clock, redis) -> None:
    await queued(store, clock, 8)
    await online(store, NANA, LILI)
    await warm_pool(redis)
    got = await asyncio.gather(*(store.agents.assign_next(SHOP, [NANA, LILI], cap=3) for _ in range(8)))
    assigned = [g for g in got if g is not None]
    assert len(assigned) == 6
    assert len({c.id for c, _ in assigned}) == 6
    assert (await store.agents.open_count(NANA), await store.agents.open_count(LILI)) == (3, 3)
    assert len(await store.queue.queue(SHOP)) == 2


# --- topics -----------------------------------------------------------------------------


async def test_topic_mapping_both_ways(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    assert await store.conversations.for_topic(501) is None
    conv = await store.conversations.set_topic(cid, 501)
    assert conv.topic_id == 501
    assert (await store.conversations.for_topic(501)).id == cid
    assert (await store.conversations.get(cid)).topic_id == 501


async def test_a_new_topic_replaces_the_old_mapping(store, clock) -> None:
    [cid] = await queued(store, clock, 1)
    await store.conversations.set_topic(cid, 501)
    await store.conversations.set_topic(cid, 502)  # the first topic was deleted
    assert await store.conversations.for_topic(501) is None
    assert (await store.conversations.for_topic(502)).id == cid


async def test_set_topic_of_an_unknown_conversation(store) -> None:
    assert await store.conversations.set_topic(12345, 501) is None
    assert await store.conversations.for_topic(501) is None


async def test_an_agent_of_two_shops_is_not_filled_past_the_cap_from_both_at_once(
        store, clock, redis) -> None:
    await queued(store, clock, 3, shop=SHOP, first_buyer=7000)
    await queued(store, clock, 3, shop=OTHER_SHOP, first_buyer=8000)
    await online(store, LILI)  # Lili works for both shops
    await warm_pool(redis)
    got = await asyncio.gather(*(store.agents.assign_next(shop, [LILI], cap=1)
                                 for shop in (SHOP, OTHER_SHOP, SHOP, OTHER_SHOP)))
    assert len([g for g in got if g is not None]) == 1
    assert await store.agents.open_count(LILI) == 1
    assert len(await store.queue.queue(SHOP)) + len(await store.queue.queue(OTHER_SHOP)) == 5


async def test_release_as_held_refuses_when_someone_took_it_meanwhile(store, clock) -> None:
    [unheld] = await queued(store, clock, 1)
    assert await store.conversations.release(unheld, CloseKind.closed, by=NANA, holder=None) is not None  # as read
    [cid] = await queued(store, clock, 1, first_buyer=7100)
    await store.conversations.take(cid, AMING)  # taken after the caller read it unheld
    assert await store.conversations.release(cid, CloseKind.closed, by=NANA, holder=None) is None
    assert await store.conversations.release(cid, CloseKind.closed, by=NANA, holder=NANA) is None
    assert (await store.conversations.get(cid)).status is Status.held
    assert await store.conversations.release(cid, CloseKind.closed, by=NANA, holder=AMING) is not None
