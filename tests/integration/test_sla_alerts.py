"""Alerts: a ping at 20 s once per round, missed at 30 s, nothing for rounds answered in time."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from sla_helpers import AGENT, BUYER, SHOP, Desk, sh, utc_clock

from bot.runtime.background import Periodic, every
from bot.sla.alerts import AlertKind, AlertSweep, SlaAlert, SlaAlerts
from bot.sla.settings import SlaSettings


@pytest.fixture
def desk(redis: Redis, key_prefix: str) -> Desk:
    return Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)))


@pytest.fixture
def alerts(desk: Desk) -> SlaAlerts:
    return SlaAlerts(desk.redis, desk.settings, desk.clock, desk.prefix)


async def test_ping_at_20_s_once_then_missed_at_30_s(desk: Desk, alerts: SlaAlerts) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(19.9)
    assert await alerts.due_alerts() == []
    desk.later(0.1)
    due = await alerts.due_alerts()
    assert [(a.kind, a.conversation_id, a.buyer_id, a.waited_s) for a in due] == [
        (AlertKind.ping, "c1", BUYER, 20.0)]
    desk.later(5)
    assert await alerts.due_alerts() == []  # once per round
    desk.later(5)
    assert [a.kind for a in await alerts.due_alerts()] == [AlertKind.missed]
    desk.later(5)
    assert await alerts.due_alerts() == []


async def test_each_round_gets_its_own_ping(desk: Desk, alerts: SlaAlerts) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(21)
    assert [a.kind for a in await alerts.due_alerts()] == [AlertKind.ping]
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    desk.later(60)
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    desk.later(20)
    due = await alerts.due_alerts()
    assert [(a.kind, a.agent_id) for a in due] == [(AlertKind.ping, AGENT)]


async def test_no_alert_for_a_round_answered_in_time(desk: Desk, alerts: SlaAlerts) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(12)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    desk.later(120)
    assert await alerts.due_alerts() == []


async def test_alert_threshold_is_configurable(redis: Redis, key_prefix: str) -> None:
    settings = SlaSettings(alert_after_s=10)
    desk = Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)), settings)
    alerts = SlaAlerts(redis, settings, desk.clock, key_prefix)
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(10)
    assert [a.kind for a in await alerts.due_alerts()] == [AlertKind.ping]


async def test_alert_loop_hands_each_alert_to_the_callback(desk: Desk, alerts: SlaAlerts) -> None:
    got: list[SlaAlert] = []

    async def post(alert: SlaAlert) -> None:
        got.append(alert)

    loop = Periodic("sla alerts", AlertSweep(alerts, desk.clock, post).tick, every(desk.clock, 1.0))
    task = asyncio.create_task(loop.run())
    try:
        await desk.rec.handoff(SHOP, "c1", BUYER)
        for _ in range(25):
            await asyncio.sleep(0.01)
            desk.later(1)
        for _ in range(50):
            if got:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert [(a.kind, a.conversation_id) for a in got] == [(AlertKind.ping, "c1")]
