"""Natural weeks (Monday 00:00 to Sunday 24:00) and their distinct-buyer counts."""

from __future__ import annotations

from redis.asyncio import Redis
from sla_helpers import AGENT, BUYER, SHOP, Desk, agent_metrics, sh, shop_metrics, utc_clock

from bot.sla.settings import SlaSettings, window_from_env


async def test_weekly_rollover_sunday_23_59_59_to_monday_00_00_00(redis: Redis, key_prefix: str) -> None:
    all_day = window_from_env(SlaSettings(), {"SLA_WINDOW": "00:00-24:00"})
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 29, 23, 59, 0)), all_day)
    desk.at(sh(2026, 11, 29, 23, 59, 59))  # Sunday of 2026-W48
    await desk.rec.handoff(SHOP, "sun", BUYER)
    desk.at(sh(2026, 11, 30, 0, 0, 0))  # Monday of 2026-W49
    await desk.rec.handoff(SHOP, "mon", "700002")
    desk.later(2)
    await desk.rec.agent_reply(SHOP, "sun", AGENT, BUYER, "您好")
    desk.later(38)
    await desk.rec.agent_reply(SHOP, "mon", AGENT, "700002", "您好")

    w48 = await desk.week("2026-W48")
    w49 = await desk.week("2026-W49")
    assert (shop_metrics(w48).rounds, shop_metrics(w48).reply_rate_30s) == (1, 1.0)
    assert (shop_metrics(w49).rounds, shop_metrics(w49).reply_rate_30s) == (1, 0.0)
    # The Sunday round was answered on Monday but belongs to the week it started in.
    assert shop_metrics(w48).avg_response_s == 3.0
    assert w48.period.days[0].isoformat() == "2026-11-23"
    assert w48.period.days[-1].isoformat() == "2026-11-29"


async def test_week_counts_a_buyer_served_on_two_days_once(redis: Redis, key_prefix: str) -> None:
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)))
    for day in (23, 25):
        desk.at(sh(2026, 11, day, 10))
        await desk.rec.handoff(SHOP, f"c{day}", BUYER)
        desk.later(10)
        await desk.rec.agent_reply(SHOP, f"c{day}", AGENT, BUYER, "您好")
        await desk.rec.close(SHOP, f"c{day}", AGENT)

    week = await desk.week("2026-W48")
    assert shop_metrics(week).served == 1
    assert agent_metrics(week).served == 1
    assert shop_metrics(week).rounds == 2
    assert shop_metrics(week).conversations == 2
