"""SLA edge cases (issue 11, item 6): a buyer never served counts as not served even if the
conversation never closed; a conversation moved to another shop takes its open round along."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis
from sla_helpers import AGENT, BUYER, SHOP, Desk, agent_metrics, sh, shop_metrics, utc_clock

from bot.sla.alerts import SlaAlerts
from bot.sla.periods import Period

DAY = date(2026, 11, 23)
OTHER = "mingxiang"


@pytest.fixture
def desk(redis: Redis, key_prefix: str) -> Desk:
    return Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)))


async def test_a_buyer_queued_all_day_and_never_served_counts_as_not_served(desk: Desk) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    await desk.rec.handoff(SHOP, "c2", "700002")
    desk.later(10)
    await desk.rec.agent_reply(SHOP, "c2", AGENT, "700002", "您好")
    await desk.rec.close(SHOP, "c2", AGENT)
    # c1 waits all day; nobody replies and it never closes.
    during = shop_metrics(await desk.reporter.build(desk_day(), [SHOP], as_of=DAY))
    assert during.non_service_rate == 0.0  # the day is not over: c1 may still be served
    after = await desk.reporter.build(desk_day(), [SHOP], as_of=date(2026, 11, 24))
    assert shop_metrics(after).non_service_rate == pytest.approx(1 / 2)
    assert shop_metrics(after).conversations == 2
    assert agent_metrics(after, AGENT).non_service_rate == 0.0  # nobody held c1: not charged to 娜娜

    await desk.rec.close(SHOP, "c1")  # closed the next morning, still unserved: counted once
    again = await desk.reporter.build(desk_day(), [SHOP], as_of=date(2026, 11, 24))
    assert shop_metrics(again).non_service_rate == pytest.approx(1 / 2)
    assert shop_metrics(again).conversations == 2


async def test_a_reply_takes_the_conversation_off_the_not_served_list(desk: Desk) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(60)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    report = await desk.reporter.build(desk_day(), [SHOP], as_of=date(2026, 11, 24))
    assert shop_metrics(report).non_service_rate is None  # nothing closed, nothing unserved


async def test_a_conversation_moved_to_another_shop_takes_its_open_round_along(desk: Desk, redis: Redis,
                                                                               key_prefix: str) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    assert await desk.rec.move(SHOP, OTHER, "c1")
    desk.later(3600)  # long past every alert and the cap
    alerts = SlaAlerts(redis, desk.settings, desk.clock, key_prefix)
    due = await alerts.due_alerts()
    assert due and all(a.shop == OTHER for a in due), due  # no stale ping for the old shop's topic
    desk.later(10)
    await desk.rec.agent_reply(OTHER, "c1", AGENT, BUYER, "您好")
    await desk.rec.close(OTHER, "c1", AGENT)
    old = shop_metrics(await desk.reporter.build(desk_day(), [SHOP], as_of=date(2026, 11, 24)), SHOP)
    assert old.conversations == 0 and old.non_service_rate is None  # no phantom round there
    new = shop_metrics(await desk.reporter.build(desk_day(), [OTHER], as_of=date(2026, 11, 24)), OTHER)
    assert new.conversations == 1 and new.non_service_rate == 0.0


def desk_day() -> Period:
    return Period.day(DAY)
