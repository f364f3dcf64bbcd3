"""Rounds: what opens and ends them, the 10-minute cap, unanswered rounds, rate bases, restarts."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis
from sla_helpers import AGENT, AGENT2, BUYER, SHOP, Desk, agent_metrics, sh, shop_metrics, utc_clock

from bot.sla.periods import Period
from bot.sla.recorder import SlaRecorder
from bot.sla.report import SlaReporter
from bot.sla.settings import RateBasis, SlaSettings

DAY = date(2026, 11, 23)


@pytest.fixture
def desk(redis: Redis, key_prefix: str) -> Desk:
    return Desk(redis, key_prefix, utc_clock(sh(2026, 11, 23, 10)))


async def test_buyer_messages_before_the_reply_belong_to_one_round(desk: Desk) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(10)
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    desk.later(10)
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    desk.later(5)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好，我看看")
    desk.later(60)
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    desk.later(45)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "有的亲")

    m = shop_metrics(await desk.day(DAY))
    assert m.rounds == 2
    assert m.avg_response_s == 35.0  # (25 + 45) / 2
    assert m.reply_rate_30s == 0.5
    assert m.reply_rate_3m == 1.0
    assert m.first_response_avg_s == 25.0


async def test_buyer_messages_before_handoff_are_not_human_rounds(desk: Desk) -> None:
    recorded = await desk.rec.buyer_message(SHOP, "c1", BUYER)
    assert recorded.notes == ("not_human",)
    desk.later(50)
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(4)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    m = shop_metrics(await desk.day(DAY))
    assert (m.rounds, m.avg_response_s) == (1, 4.0)


async def test_a_round_is_capped_at_ten_minutes(desk: Desk) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(25 * 60)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "抱歉久等")
    await desk.rec.handoff(SHOP, "c2", "700002")
    desk.later(60)
    await desk.rec.agent_reply(SHOP, "c2", AGENT, "700002", "您好")

    m = agent_metrics(await desk.day(DAY))
    assert m.rounds == 2
    assert m.avg_response_s == 330.0  # (600 + 60) / 2, not (1500 + 60) / 2
    assert m.first_response_avg_s == 330.0  # first response capped the same way by default
    assert m.unanswered_rounds == 0


async def test_an_unanswered_round_counts_at_the_cap_when_the_conversation_closes(desk: Desk) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(20)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    desk.later(30)
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    desk.later(15)
    notes = await desk.rec.close(SHOP, "c1", AGENT)
    assert "unanswered_round" in notes.notes

    report = await desk.day(DAY)
    for m in (shop_metrics(report), agent_metrics(report)):
        assert m.rounds == 2
        assert m.unanswered_rounds == 1
        assert m.avg_response_s == 310.0  # (20 + 600) / 2
        assert m.reply_rate_30s == 0.5
        assert m.reply_rate_3m == 0.5


async def test_an_unanswered_round_reaching_the_cap_is_counted_by_the_sweep_once(desk: Desk) -> None:
    from bot.sla.alerts import AlertKind, SlaAlerts

    alerts = SlaAlerts(desk.redis, desk.settings, desk.clock, desk.prefix)
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(601)
    kinds = [a.kind for a in await alerts.due_alerts()]
    assert kinds == [AlertKind.ping, AlertKind.missed, AlertKind.unanswered]
    m = shop_metrics(await desk.day(DAY))
    assert (m.rounds, m.unanswered_rounds, m.avg_response_s) == (1, 1, 600.0)

    # The buyer writes again and the agent finally replies: still the same round, not counted twice.
    desk.later(60)
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "抱歉久等")
    await desk.rec.close(SHOP, "c1", AGENT)
    m = shop_metrics(await desk.day(DAY))
    assert (m.rounds, m.unanswered_rounds) == (1, 1)
    assert m.non_service_rate == 0.0  # the buyer did get a reply in the end


async def test_per_round_versus_per_buyer_rates(redis: Redis, key_prefix: str) -> None:
    # Buyer A: two rounds, one fast and one late. Buyer B: one fast round.
    # Per round: 2 of 3 rounds within 30 s. Per buyer: only B has no late round -> 1 of 2.
    clock = utc_clock(sh(2026, 11, 23, 10))
    per_round = Desk(redis, key_prefix, clock)
    await per_round.rec.handoff(SHOP, "a", "700001")
    clock.advance(5)
    await per_round.rec.agent_reply(SHOP, "a", AGENT, "700001", "您好")
    await per_round.rec.buyer_message(SHOP, "a", "700001")
    clock.advance(50)
    await per_round.rec.agent_reply(SHOP, "a", AGENT, "700001", "好的")
    await per_round.rec.handoff(SHOP, "b", "700002")
    clock.advance(5)
    await per_round.rec.agent_reply(SHOP, "b", AGENT, "700002", "您好")

    by_round = shop_metrics(await per_round.day(DAY))
    assert by_round.reply_rate_30s == pytest.approx(2 / 3)
    assert by_round.reply_rate_3m == 1.0

    per_buyer = SlaSettings(rate_basis=RateBasis.buyer)
    report = await SlaReporter(redis, per_buyer, key_prefix).build(Period.day(DAY), [SHOP])
    assert shop_metrics(report).reply_rate_30s == 0.5
    assert shop_metrics(report).reply_rate_3m == 1.0
    assert agent_metrics(report).reply_rate_30s == 0.5
    week = await SlaReporter(redis, per_buyer, key_prefix).build(Period.week("2026-W48"), [SHOP])
    assert shop_metrics(week).reply_rate_30s == 0.5


async def test_rounds_are_attributed_to_the_agent_who_replies(desk: Desk) -> None:
    await desk.rec.handoff(SHOP, "c1", BUYER)
    desk.later(10)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    await desk.rec.buyer_message(SHOP, "c1", BUYER)
    desk.later(100)
    await desk.rec.agent_reply(SHOP, "c1", AGENT2, BUYER, "您好，我是阿明")

    report = await desk.day(DAY)
    assert [r.id for r in report.agents] == [AGENT, AGENT2]
    assert (agent_metrics(report, AGENT).rounds, agent_metrics(report, AGENT).reply_rate_30s) == (1, 1.0)
    assert (agent_metrics(report, AGENT2).rounds, agent_metrics(report, AGENT2).reply_rate_30s) == (1, 0.0)
    assert shop_metrics(report).rounds == 2
    only = await desk.reporter.build(Period.day(DAY), [SHOP], agent=AGENT2)
    assert [r.id for r in only.agents] == [AGENT2]


async def test_a_restart_in_the_middle_of_a_round_keeps_its_state(redis: Redis, key_prefix: str) -> None:
    clock = utc_clock(sh(2026, 11, 23, 10))
    before = SlaRecorder(redis, SlaSettings(), clock, key_prefix)
    await before.handoff(SHOP, "c1", BUYER)
    clock.advance(8)
    await before.buyer_message(SHOP, "c1", BUYER)
    del before  # the process dies; its Python state is gone

    clock.advance(40)
    after = SlaRecorder(redis, SlaSettings(), clock, key_prefix)
    await after.agent_reply(SHOP, "c1", AGENT, BUYER, "您好，久等了")
    report = await SlaReporter(redis, SlaSettings(), key_prefix).build(Period.day(DAY), [SHOP])
    m = shop_metrics(report)
    assert (m.rounds, m.avg_response_s, m.reply_rate_30s, m.first_response_avg_s) == (1, 48.0, 0.0, 48.0)


async def test_open_conversation_state_expires(desk: Desk) -> None:
    from bot.sla import keys

    await desk.rec.handoff(SHOP, "c1", BUYER)
    ttl = await desk.redis.ttl(keys.conversation(desk.prefix, SHOP, "c1"))
    assert 0 < ttl <= desk.settings.state_ttl_s
    desk.later(5)
    await desk.rec.agent_reply(SHOP, "c1", AGENT, BUYER, "您好")
    await desk.rec.close(SHOP, "c1", AGENT)
    ttl = await desk.redis.ttl(keys.conversation(desk.prefix, SHOP, "c1"))
    assert 0 < ttl <= desk.settings.closed_state_ttl_s
    longest = desk.settings.counter_ttl_days * 86_400
    for key in (keys.day_counters(desk.prefix, SHOP, DAY), keys.week_counters(desk.prefix, SHOP, "2026-W48")):
        assert longest - 60 < await desk.redis.ttl(key) <= longest, key
    masks = desk.settings.buyer_mask_ttl_s
    for key in (keys.day_buyers(desk.prefix, SHOP, DAY), keys.week_buyers(desk.prefix, SHOP, "2026-W48")):
        assert masks - 60 < await desk.redis.ttl(key) <= masks, key


async def test_an_agent_serving_two_shops_gets_one_row_over_both(desk: Desk) -> None:
    await desk.rec.handoff("mingxiang", "m1", "700002")
    desk.later(10)
    await desk.rec.agent_reply("mingxiang", "m1", AGENT2, "700002", "您好")
    await desk.rec.handoff("xianguo", "x1", "700003")
    desk.later(50)
    await desk.rec.agent_reply("xianguo", "x1", AGENT2, "700003", "您好")

    report = await desk.reporter.build(Period.day(DAY))
    assert [r.id for r in report.shops] == ["mingxiang", "xianguo"]
    row = next(r for r in report.agents if r.id == AGENT2)
    assert row.shops == ("mingxiang", "xianguo")
    assert (row.metrics.rounds, row.metrics.avg_response_s, row.metrics.served) == (2, 30.0, 2)
