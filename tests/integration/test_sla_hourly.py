"""Figures by shop-local hour (the dashboard's charts) from a day scripted on a ManualClock."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis
from sla_helpers import AGENT, SHOP, Desk, sh, shop_metrics, utc_clock

from bot.sla import keys
from bot.sla.alerts import SlaAlerts
from bot.sla.hourly import HourCounters
from bot.sla.report import hours_to_json, report_to_json

DAY = date(2026, 11, 23)


@pytest.fixture
def desk(redis: Redis, key_prefix: str) -> Desk:
    return Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 7, 50)))


async def script_the_day(desk: Desk) -> None:
    """07:50 a handoff before the window (counted by hour, no assessed round), answered 08:20;
    10:00 one answered in 5 s and one in 45 s; 10:59:30 one answered at 11:01:00 (90 s, its
    round belongs to 10:00); 14:00 one nobody answers, closed at 14:12 (unanswered at the cap)."""
    await desk.rec.handoff(SHOP, "early", "701")
    desk.at(sh(2026, 11, 23, 8, 20))
    await desk.rec.agent_reply(SHOP, "early", AGENT, "701", "您好亲")
    desk.at(sh(2026, 11, 23, 10))
    await desk.rec.handoff(SHOP, "fast", "702")
    await desk.rec.handoff(SHOP, "slow", "703")
    desk.later(5)
    await desk.rec.agent_reply(SHOP, "fast", AGENT, "702", "您好亲，马上看")
    desk.later(40)
    await desk.rec.agent_reply(SHOP, "slow", AGENT, "703", "您好亲，久等了")
    desk.at(sh(2026, 11, 23, 10, 59, 30))
    await desk.rec.handoff(SHOP, "late", "704")
    desk.at(sh(2026, 11, 23, 11, 1))
    await desk.rec.agent_reply(SHOP, "late", AGENT, "704", "您好亲，在的")
    desk.at(sh(2026, 11, 23, 14))
    await desk.rec.handoff(SHOP, "nobody", "705")
    desk.at(sh(2026, 11, 23, 14, 12))
    await desk.rec.close(SHOP, "nobody")


async def test_rounds_30s_answers_handoffs_and_waiting_land_in_their_shop_local_hours(desk: Desk) -> None:
    await script_the_day(desk)
    raw = await desk.redis.hgetall(keys.hour_counters(desk.prefix, SHOP, DAY))
    hours = HourCounters.from_hash(raw)
    assert hours.handoffs[7] == 1 and hours.handoffs[10] == 3 and hours.handoffs[14] == 1
    assert sum(hours.handoffs) == 5
    # The 07:50 handoff was outside the 08:00-23:00 window: no assessed round anywhere before 10.
    assert hours.rounds[:10] == [0] * 10
    assert hours.rounds[10] == 3 and hours.on30[10] == 1  # 5 s yes; 45 s and 90 s no
    assert hours.rounds[14] == 1 and hours.on30[14] == 0  # unanswered
    assert hours.reply_times == {"lt10": 1, "10_30": 0, "30_60": 1, "1_3m": 1, "gt3m": 1}
    # Waiting: 07:50-08:20 split 10 + 20 min; 5 s + 45 s + 30 s at 10:xx, 60 s at 11:xx; 12 min at 14:xx.
    assert hours.wait_ms[7] == 600_000 and hours.wait_ms[8] == 1_200_000
    assert hours.wait_ms[10] == 80_000 and hours.wait_ms[11] == 60_000
    assert hours.wait_ms[14] == 720_000


async def test_the_report_json_has_the_hourly_figures_and_they_add_up_to_the_day(desk: Desk) -> None:
    await script_the_day(desk)
    report = await desk.day(DAY)
    data = report_to_json(report)["hours"]
    assert data["days"] == 1 and [s["id"] for s in data["shops"]] == [SHOP]
    figures = data["all"]
    assert figures["reply_rate_30s"][10] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["reply_rate_30s"][14] == 0.0 and figures["reply_rate_30s"][9] is None
    assert figures["queue_avg"][14] == pytest.approx(0.2)  # 12 of 60 minutes, one buyer
    assert figures["queue_avg"][8] == pytest.approx(1 / 3, abs=1e-3)
    # The hours are the day's figures spread out: same rounds and the same 30 s answers.
    day = shop_metrics(report)
    assert sum(figures["rounds"]) == day.rounds == 4
    assert sum(figures["reply_times"].values()) == day.rounds
    assert hours_to_json(report, shops=["another"])["all"]["rounds"] == [0] * 24


async def test_a_round_the_sweep_ends_at_the_cap_counts_in_the_hour_it_started(desk: Desk) -> None:
    desk.at(sh(2026, 11, 23, 16, 55))
    await desk.rec.handoff(SHOP, "c1", "701")
    desk.at(sh(2026, 11, 23, 17, 6))  # past the 10-minute cap, no reply
    alerts = SlaAlerts(desk.redis, desk.settings, desk.clock, desk.prefix)
    await alerts.due_alerts()
    hours = HourCounters.from_hash(await desk.redis.hgetall(keys.hour_counters(desk.prefix, SHOP, DAY)))
    assert hours.rounds[16] == 1 and hours.rounds[17] == 0 and hours.reply_times["gt3m"] == 1


async def test_hourly_counters_expire_like_the_day_counters(desk: Desk) -> None:
    await script_the_day(desk)
    day_ttl = await desk.redis.ttl(keys.day_counters(desk.prefix, SHOP, DAY))
    hour_ttl = await desk.redis.ttl(keys.hour_counters(desk.prefix, SHOP, DAY))
    assert day_ttl > 0 and abs(hour_ttl - day_ttl) <= 2
    assert hour_ttl > desk.settings.counter_ttl_days * 86_400 - 10
