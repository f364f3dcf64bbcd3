"""What buyers and agents wrote, in the real Redis: the conversation log, the buyer's
history from before the handoff, relays delivered at least once and never shown twice,
and duplicate Telegram updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.handoff import keys
from bot.handoff.backend import ConversationNotFound
from bot.handoff.model import Direction, MessageKind, Priority, Role
from bot.handoff.settings import HandoffSettings
from bot.handoff.stores import HandoffStores, handoff_stores

pytestmark = pytest.mark.redis

SHOP = "beishang"
BUYER, AGENT = 5001, 900001
SMALL = HandoffSettings(log_cap=5, history_cap=4, relay_lease_s=30)


@pytest.fixture
def store(redis: Redis, key_prefix: str, clock: ManualClock) -> HandoffStores:
    return handoff_stores(redis, key_prefix, clock, SMALL)


async def open_one(store: HandoffStores) -> int:
    conv, _ = await store.conversations.open(BUYER, "小美", "zh-hans", SHOP, "转人工", Priority.normal)
    return conv.id


# --- conversation log -------------------------------------------------------------------


async def test_messages_are_logged_in_order_with_ids(store, clock) -> None:
    cid = await open_one(store)
    a = await store.messages.log(cid, Role.buyer, BUYER, "有M码吗", telegram_message_id=11)
    clock.advance(5)
    b = await store.messages.log(cid, "agent", AGENT, "有的亲", telegram_message_id=900)
    clock.advance(5)
    c = await store.messages.log(cid, Role.buyer, BUYER, "", kind=MessageKind.photo, file_id="AgADphoto")
    assert a.id < b.id < c.id
    got = await store.messages.last_messages(cid)
    assert got == [a, b, c]
    assert (got[2].kind, got[2].file_id, got[2].telegram_message_id) == (MessageKind.photo, "AgADphoto", None)
    assert got[1].at == clock.now() - timedelta(seconds=5)


async def test_last_messages_returns_the_newest_n(store) -> None:
    cid = await open_one(store)
    for i in range(4):
        await store.messages.log(cid, Role.buyer, BUYER, f"m{i}")
    assert [m.text for m in await store.messages.last_messages(cid, n=2)] == ["m2", "m3"]
    assert await store.messages.last_messages(cid, n=0) == []


async def test_the_log_is_capped(store) -> None:
    cid = await open_one(store)
    for i in range(8):
        await store.messages.log(cid, Role.buyer, BUYER, f"m{i}")
    assert [m.text for m in await store.messages.last_messages(cid, n=100)] == ["m3", "m4", "m5", "m6", "m7"]


async def test_logging_to_an_unknown_conversation_fails_loudly(store) -> None:
    with pytest.raises(ConversationNotFound):
        await store.messages.log(404, Role.buyer, BUYER, "hello")


async def test_a_telegram_message_finds_its_logged_message(store) -> None:
    cid = await open_one(store)
    buyer_msg = await store.messages.log(cid, Role.buyer, BUYER, "有M码吗", telegram_message_id=11)
    agent_msg = await store.messages.log(cid, Role.agent, AGENT, "有的", telegram_message_id=11)
    assert await store.messages.message_for_telegram(cid, Role.buyer, 11) == buyer_msg.id
    assert await store.messages.message_for_telegram(cid, "agent", 11) == agent_msg.id
    assert await store.messages.message_for_telegram(cid, Role.buyer, 12) is None


# --- buyer history ----------------------------------------------------------------------


async def test_history_exists_before_any_handoff_and_keeps_the_bots_answers(store, clock) -> None:
    await store.messages.note_history(BUYER, Role.buyer, "多少钱")
    clock.advance(1)
    await store.messages.note_history(BUYER, Role.bot, "亲，这款159元")
    got = await store.messages.history(BUYER)
    assert [(h.role, h.text) for h in got] == [(Role.buyer, "多少钱"), (Role.bot, "亲，这款159元")]
    assert got[1].at == clock.now()
    assert await store.conversations.open_for_buyer(BUYER) is None


async def test_history_is_capped_and_read_newest_n(store) -> None:
    for i in range(6):
        await store.messages.note_history(BUYER, Role.buyer, f"h{i}")
    assert [h.text for h in await store.messages.history(BUYER, n=10)] == ["h2", "h3", "h4", "h5"]
    assert [h.text for h in await store.messages.history(BUYER, n=2)] == ["h4", "h5"]


async def test_history_expires_when_idle(store, redis, key_prefix) -> None:
    await store.messages.note_history(BUYER, Role.buyer, "在吗")
    ttl = await redis.ttl(keys.history(key_prefix, BUYER))
    assert 0 < ttl <= SMALL.history_ttl_s


# --- relays -----------------------------------------------------------------------------


async def test_a_relay_is_pending_until_delivered_then_never_again(store, clock) -> None:
    cid = await open_one(store)
    msg = await store.messages.log(cid, Role.buyer, BUYER, "有M码吗", telegram_message_id=11)
    rid = await store.relays.enqueue_relay(cid, Direction.to_agents, msg.id, {"thread": 501, "text": "有M码吗"})
    [relay] = await store.relays.pending_relays(10)
    assert (relay.id, relay.conversation_id, relay.direction, relay.message_id, relay.payload,
            relay.attempts) == (rid, cid, Direction.to_agents, msg.id,
                                {"thread": 501, "text": "有M码吗"}, 1)
    assert await store.relays.mark_delivered(rid, 7001) is True
    assert await store.relays.delivered_copy(cid, msg.id) == 7001
    clock.advance(3600)
    assert await store.relays.release_claims() == 0
    assert await store.relays.pending_relays(10) == []


async def test_a_claimed_relay_is_not_handed_out_twice_within_the_lease(store, clock) -> None:
    cid = await open_one(store)
    msg = await store.messages.log(cid, Role.buyer, BUYER, "hi")
    await store.relays.enqueue_relay(cid, Direction.to_agents, msg.id, {})
    assert len(await store.relays.pending_relays(10)) == 1
    assert await store.relays.pending_relays(10) == []
    clock.advance(SMALL.relay_lease_s - 1)
    assert await store.relays.pending_relays(10) == []
    clock.advance(1)
    [again] = await store.relays.pending_relays(10)  # the worker never settled it
    assert again.attempts == 2


async def test_mark_delivered_is_idempotent(store) -> None:
    cid = await open_one(store)
    msg = await store.messages.log(cid, Role.agent, AGENT, "您好")
    rid = await store.relays.enqueue_relay(cid, Direction.to_buyer, msg.id, {"chat": BUYER})
    assert await store.relays.mark_delivered(rid, 555) is True
    assert await store.relays.mark_delivered(rid, 556) is False
    assert await store.relays.delivered_copy(cid, msg.id) == 555
    assert await store.relays.mark_delivered(987654, 1) is False


async def test_a_note_waits_in_order_behind_the_buyers_message_and_a_redelivered_one_is_held_once(store) -> None:
    cid = await open_one(store)
    msg = await store.messages.log(cid, Role.buyer, BUYER, "转人工", telegram_message_id=11)
    copy = await store.relays.enqueue_relay(cid, Direction.to_agents, msg.id, {"text": "转人工"})
    note = await store.relays.enqueue_note(cid, {"note": "自动分配给 娜娜"}, dedup="u7:note:1")
    assert await store.relays.enqueue_note(cid, {"note": "自动分配给 娜娜"}, dedup="u7:note:1") == note
    other = await store.relays.enqueue_note(cid, {"note": "买家已取消排队"})
    pending = await store.relays.pending_relays(10)
    assert [(r.id, r.direction, r.payload) for r in pending] == [
        (copy, Direction.to_agents, {"text": "转人工"}), (note, Direction.to_agents, {"note": "自动分配给 娜娜"}),
        (other, Direction.to_agents, {"note": "买家已取消排队"})]
    assert await store.relays.mark_delivered(note, 7002) is True
    assert await store.relays.mark_delivered(copy, 7001) is True
    assert await store.relays.delivered_copy(cid, msg.id) == 7001  # a note is no message's copy
    assert await store.relays.delivered_copy(cid, 0) is None
    with pytest.raises(ConversationNotFound):
        await store.relays.enqueue_note(404, {"note": "x"})


async def test_enqueueing_the_same_message_twice_gives_one_relay(store) -> None:
    cid = await open_one(store)
    msg = await store.messages.log(cid, Role.buyer, BUYER, "hi")
    first = await store.relays.enqueue_relay(cid, Direction.to_agents, msg.id, {"n": 1})
    second = await store.relays.enqueue_relay(cid, Direction.to_agents, msg.id, {"n": 2})
    assert first == second
    assert [r.payload for r in await store.relays.pending_relays(10)] == [{"n": 1}]
    await store.relays.mark_delivered(first, 1)
    assert await store.relays.enqueue_relay(cid, Direction.to_agents, msg.id, {"n": 3}) == first
    assert await store.relays.pending_relays(10) == []


async def test_log_and_relay_store_both_in_one_step(store) -> None:
    cid = await open_one(store)
    msg, rid = await store.messages.log_and_relay(cid, Role.buyer, BUYER, "图片", Direction.to_agents,
                                         {"thread": 501}, kind="photo", file_id="AgAD",
                                         telegram_message_id=12)
    assert (await store.messages.last_messages(cid)) == [msg]
    [relay] = await store.relays.pending_relays(10)
    assert (relay.id, relay.message_id, relay.payload) == (rid, msg.id, {"thread": 501})


async def test_pending_relays_come_oldest_first_and_respect_the_limit(store, clock) -> None:
    cid = await open_one(store)
    rids = []
    for i in range(5):
        _, rid = await store.messages.log_and_relay(cid, Role.buyer, BUYER, f"m{i}", Direction.to_agents, {"i": i})
        rids.append(rid)
        clock.advance(1)
    first = await store.relays.pending_relays(3)
    rest = await store.relays.pending_relays(3)
    assert [r.id for r in first] == rids[:3]
    assert [r.id for r in rest] == rids[3:]


async def test_releasing_claims_spares_later_claims_and_the_callers_own(store, clock) -> None:
    """A new holder of the relay work releases what was claimed before it took over, except
    what it is still delivering itself; what it claimed since stays claimed."""
    cid = await open_one(store)
    rids = []
    for text in ("一", "二", "三"):
        msg = await store.messages.log(cid, Role.buyer, BUYER, text)
        rids.append(await store.relays.enqueue_relay(cid, Direction.to_agents, msg.id, {}))
    await store.relays.pending_relays(2)  # the old holder claims 一 and 二
    clock.advance(5)
    took_over = clock.now()
    clock.advance(1)
    await store.relays.pending_relays(1)  # the new holder claims 三
    assert await store.relays.release_claims(claimed_before=took_over, keep={rids[1]}) == 1
    assert [r.id for r in await store.relays.pending_relays(10)] == [rids[0]]


async def test_a_dropped_relay_does_not_come_back(store, clock) -> None:
    cid = await open_one(store)
    _, rid = await store.messages.log_and_relay(cid, Role.agent, AGENT, "您好", Direction.to_buyer, {})
    await store.relays.pending_relays(10)
    assert await store.relays.drop_relay(rid, "bot was blocked by the user") is True
    clock.advance(3600)
    await store.relays.release_claims()
    assert await store.relays.pending_relays(10) == []
    assert await store.relays.delivered_copy(cid, (await store.relays.relay(rid)).message_id) is None


async def test_relays_of_a_closed_conversation_still_go_out(store) -> None:
    """The goodbye and the survey are sent after the conversation is closed."""
    cid = await open_one(store)
    await store.conversations.release(cid, "closed", by=AGENT)
    _, rid = await store.messages.log_and_relay(cid, Role.bot, 0, "感谢您的耐心", Direction.to_buyer, {})
    assert [r.id for r in await store.relays.pending_relays(10)] == [rid]


async def test_relay_to_an_unknown_conversation_fails_loudly(store) -> None:
    with pytest.raises(ConversationNotFound):
        await store.relays.enqueue_relay(404, Direction.to_agents, 1, {})


# --- relays set aside, retried at once, seen messages (issue 11, item 8) ------------------


async def test_a_message_seen_before_is_neither_logged_nor_relayed_again(store) -> None:
    cid = await open_one(store)
    first, rid = await store.messages.log_and_relay(cid, Role.buyer, BUYER, "在吗", Direction.to_agents, {},
                                           telegram_message_id=21)
    again, none = await store.messages.log_and_relay(cid, Role.buyer, BUYER, "在吗", Direction.to_agents, {},
                                            telegram_message_id=21)
    assert rid is not None and none is None and again.id == first.id
    q1, r1 = await store.messages.log_and_relay(cid, Role.agent, AGENT, "稍等", Direction.to_buyer, {}, dedup="q:5")
    q2, r2 = await store.messages.log_and_relay(cid, Role.agent, AGENT, "稍等", Direction.to_buyer, {}, dedup="q:5")
    assert r1 is not None and r2 is None and q2.id == q1.id
    assert [m.text for m in await store.messages.last_messages(cid)] == ["在吗", "稍等"]
    assert len(await store.relays.pending_relays()) == 2


async def test_a_relay_set_aside_is_kept_listed_and_never_handed_out_again(store, clock) -> None:
    cid = await open_one(store)
    _, rid = await store.messages.log_and_relay(cid, Role.buyer, BUYER, "在吗", Direction.to_agents, {})
    [claimed] = await store.relays.pending_relays()
    assert await store.relays.set_aside(claimed.id, "refused: not enough rights")
    assert not await store.relays.set_aside(claimed.id, "again")  # settled once
    clock.advance(SMALL.relay_lease_s)
    assert await store.relays.pending_relays() == []
    assert [r.id for r in await store.relays.set_aside_relays()] == [rid]


async def test_a_claimed_relay_retried_is_due_at_once(store) -> None:
    cid = await open_one(store)
    _, rid = await store.messages.log_and_relay(cid, Role.buyer, BUYER, "在吗", Direction.to_agents, {})
    assert [r.id for r in await store.relays.pending_relays()] == [rid]
    assert await store.relays.pending_relays() == []  # claimed: not handed out during its lease
    assert await store.relays.retry_relay(rid)
    assert [r.id for r in await store.relays.pending_relays()] == [rid]
