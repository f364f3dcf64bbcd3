"""Assessment window and time zones, recorded in a real Redis with a controlled clock."""

from __future__ import annotations

from datetime import date

from redis.asyncio import Redis
from sla_helpers import AGENT, BUYER, SHOP, Desk, agent_metrics, sh, shop_metrics, utc_clock


async def test_round_at_22_59_59_counts_and_at_23_00_00_does_not(redis: Redis, key_prefix: str) -> None:
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 22, 59, 0)))
    desk.at(sh(2026, 11, 23, 22, 59, 59))
    await desk.rec.handoff(SHOP, "c1", BUYER)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好", at=sh(2026, 11, 23, 23, 0, 4))
    desk.at(sh(2026, 11, 23, 23, 0, 0))
    await desk.rec.handoff(SHOP, "c2", "700002")
    desk.later(5)
    await desk.rec.agent_reply(SHOP, "c2", AGENT, "700002", "您好")

    m = shop_metrics(await desk.day(date(2026, 11, 23)))
    assert m.rounds == 1
    assert m.reply_rate_30s == 1.0
    assert m.avg_response_s == 5.0  # the round ended after 23:00 but started inside
    assert m.served == 2  # served counts every buyer replied to, assessed or not


async def test_round_starting_22_59_50_answered_23_00_20_counts_and_is_late(redis: Redis, key_prefix: str) -> None:
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 22, 59, 50)))
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.at(sh(2026, 11, 23, 23, 0, 20))
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好，在的")

    report = await desk.day(date(2026, 11, 23))
    for m in (shop_metrics(report), agent_metrics(report)):
        assert m.rounds == 1
        assert m.reply_rate_30s == 0.0  # exactly 30 s is not within 30 s
        assert m.reply_rate_3m == 1.0
        assert m.avg_response_s == 30.0


async def test_buyer_message_after_23_00_in_an_answered_conversation_opens_no_assessed_round(
        redis: Redis, key_prefix: str) -> None:
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 22, 50)))
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(10)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    desk.at(sh(2026, 11, 23, 23, 5))
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    desk.later(400)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "亲，久等了")

    m = shop_metrics(await desk.day(date(2026, 11, 23)))
    assert m.rounds == 1
    assert m.avg_response_s == 10.0


async def test_server_clock_in_utc_shop_in_shanghai(redis: Redis, key_prefix: str) -> None:
    # 00:30 UTC is 08:30 in Shanghai: inside the window, on the Shanghai date.
    from datetime import UTC, datetime

    clock = utc_clock(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))
    desk = Desk(redis, key_prefix, clock)
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(12)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    # 16:30 UTC on the 23rd is 00:30 on the 24th in Shanghai: outside the window, next day.
    clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=UTC))
    await desk.rec.handoff(SHOP, "c2", "700002")
    desk.later(12)
    await desk.rec.agent_reply(SHOP, "c2", AGENT, "700002", "您好")

    day23 = shop_metrics(await desk.day(date(2026, 11, 23)))
    day24 = shop_metrics(await desk.day(date(2026, 11, 24)))
    assert (day23.rounds, day23.served, day23.avg_response_s) == (1, 1, 12.0)
    assert (day24.rounds, day24.served, day24.avg_response_s) == (0, 1, None)
