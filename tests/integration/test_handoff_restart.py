"""A restarted bot (new handoff stores on a new connection to the same Redis) finds the
queue, the claims, the topic mappings and the undelivered relays exactly as they were;
and every key the store writes is under the prefix and hash-tagged for Redis Cluster."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from bot.clock import ManualClock
from bot.handoff import keys
from bot.handoff.model import Direction, Presence, Priority, Role, Status
from bot.handoff.stores import HandoffStores, handoff_stores
from tests.conftest import test_redis_client

pytestmark = pytest.mark.redis

SHOP, OTHER_SHOP = "beishang", "mingxiang"
NANA, LILI = 900001, 900003


@pytest.fixture
async def second_connection() -> AsyncIterator[Redis]:
    """What a restarted process has: its own connection to the same server."""
    client = test_redis_client(decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


async def scene(store: HandoffStores, clock: ManualClock) -> dict[str, int]:
    """Three buyers waiting, one held in a topic, messages and relays in flight."""
    normal, _ = await store.conversations.open(5001, "Alice", "zh-hans", SHOP, "转人工", Priority.normal)
    clock.advance(10)
    vip, _ = await store.conversations.open(5002, "Bob", "zh-hans", SHOP, "vip", Priority.vip)
    clock.advance(10)
    held, _ = await store.conversations.open(5003, "Carol", "zh-hans", SHOP, "投诉", Priority.complaint)
    clock.advance(10)
    other, _ = await store.conversations.open(5004, "Dave", "en", OTHER_SHOP, "转人工", Priority.normal)
    await store.conversations.take(held.id, NANA)
    await store.conversations.set_topic(held.id, 501)
    await store.conversations.set_topic(vip.id, 502)
    await store.agents.set_presence(NANA, Presence.online)
    _, delivered = await store.messages.log_and_relay(held.id, Role.buyer, 5003, "质量太差",
                                             Direction.to_agents, {"thread": 501},
                                             telegram_message_id=31)
    _, in_flight = await store.messages.log_and_relay(held.id, Role.agent, NANA, "您好，我看下",
                                             Direction.to_buyer, {"chat": 5003})
    _, not_claimed = await store.messages.log_and_relay(vip.id, Role.buyer, 5002, "在吗",
                                               Direction.to_agents, {"thread": 502})
    claimed = await store.relays.pending_relays(2)
    assert [r.id for r in claimed] == [delivered, in_flight]
    assert await store.relays.mark_delivered(delivered, 8001)
    # ... and here the process is killed: `in_flight` was claimed, maybe sent, never marked.
    return {"normal": normal.id, "vip": vip.id, "held": held.id, "other": other.id,
            "delivered": delivered, "in_flight": in_flight, "not_claimed": not_claimed}


async def test_a_restart_keeps_queue_claims_and_topics(redis, key_prefix, clock, second_connection) -> None:
    ids = await scene(handoff_stores(redis, key_prefix, clock), clock)
    after = handoff_stores(second_connection, key_prefix, clock)
    assert [c.id for c in await after.queue.queue(SHOP)] == [ids["vip"], ids["normal"]]
    assert [c.id for c in await after.queue.queue(OTHER_SHOP)] == [ids["other"]]
    assert await after.queue.position(ids["normal"]) == 2
    held = await after.conversations.get(ids["held"])
    assert (held.status, held.agent_id, held.topic_id) == (Status.held, NANA, 501)
    assert await after.agents.open_count(NANA) == 1
    assert (await after.conversations.for_topic(501)).id == ids["held"]
    assert (await after.conversations.for_topic(502)).id == ids["vip"]
    assert (await after.conversations.open_for_buyer(5003)).id == ids["held"]
    assert await after.agents.presence(NANA) is Presence.online
    assert [m.text for m in await after.messages.last_messages(ids["held"])] == ["质量太差", "您好，我看下"]
    assert (await after.conversations.take(ids["held"], LILI)).holder == NANA  # the claim still holds
    assert await after.messages.message_for_telegram(ids["held"], Role.buyer, 31) is not None


async def test_a_crashed_workers_relays_come_back_once_and_only_until_delivered(
        redis, key_prefix, clock, second_connection) -> None:
    ids = await scene(handoff_stores(redis, key_prefix, clock), clock)
    after = handoff_stores(second_connection, key_prefix, clock)
    assert await after.relays.release_claims() == 1  # start-up of the only relay worker
    pending = await after.relays.pending_relays(10)
    assert [r.id for r in pending] == [ids["in_flight"], ids["not_claimed"]]
    assert pending[0].payload == {"chat": 5003} and pending[0].attempts == 2
    # the new worker sends them; one of them had been sent already before the crash
    assert await after.relays.mark_delivered(ids["in_flight"], 8002)
    assert await after.relays.mark_delivered(ids["not_claimed"], 8003)
    clock.advance(3600)
    third = handoff_stores(redis, key_prefix, clock)  # another restart
    await third.relays.release_claims()
    assert await third.relays.pending_relays(10) == []
    assert await third.relays.delivered_copy(ids["held"], (await third.relays.relay(ids["delivered"])).message_id) == 8001


async def test_without_release_a_dead_claim_returns_after_its_lease(
        redis, key_prefix, clock, second_connection) -> None:
    ids = await scene(handoff_stores(redis, key_prefix, clock), clock)
    after = handoff_stores(second_connection, key_prefix, clock)
    assert [r.id for r in await after.relays.pending_relays(10)] == [ids["not_claimed"]]
    assert await after.relays.mark_delivered(ids["not_claimed"], 8003)
    clock.advance(after.settings.relay_lease_s - 1)
    assert await after.relays.pending_relays(10) == []  # the dead worker's lease still runs
    clock.advance(1)
    assert [r.id for r in await after.relays.pending_relays(10)] == [ids["in_flight"]]


async def test_every_key_is_prefixed_and_hash_tagged(redis, key_prefix, clock) -> None:
    store = handoff_stores(redis, key_prefix, clock)
    ids = await scene(store, clock)
    await store.messages.note_history(5001, Role.bot, "亲，这款159元")
    await store.agents.assign_next(SHOP, [NANA], cap=5)
    await store.conversations.release(ids["held"], "closed", by=NANA)
    found = sorted([k.decode() async for k in redis.scan_iter(match=f"{key_prefix}*", count=500)])
    assert found
    tagged = re.compile(rf"^{re.escape(key_prefix)}:\{{([^{{}}]+)\}}:")
    scripted_slot = key_slot(keys.seq(key_prefix).encode())
    for key in found:
        match = tagged.match(key)
        assert match, f"{key} is not <prefix>:{{tag}}:..."
        tag = match[1]
        if tag.startswith("hdb:"):  # buyer histories: no script
            continue
        assert tag == "hd", key
        assert key_slot(key.encode()) == scripted_slot, key
    expected = {
        keys.seq(key_prefix), keys.queue(key_prefix, SHOP), keys.queue(key_prefix, OTHER_SHOP),
        keys.queued_shops(key_prefix), keys.waiting(key_prefix), keys.presence(key_prefix),
        keys.held(key_prefix, NANA), keys.round_robin(key_prefix), keys.relays_due(key_prefix),
        keys.topic(key_prefix, 501), keys.topic(key_prefix, 502), keys.buyer(key_prefix, 5001),
        keys.conversation(key_prefix, ids["held"]), keys.conversation_log(key_prefix, ids["held"]),
        keys.relay_index(key_prefix, ids["held"]), keys.copies(key_prefix, ids["held"]),
        keys.telegram_index(key_prefix, ids["held"]),
        keys.relay(key_prefix, ids["delivered"]), keys.history(key_prefix, 5001),
    }
    assert expected <= set(found), sorted(expected - set(found))
