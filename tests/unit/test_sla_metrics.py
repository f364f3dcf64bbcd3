"""Metric arithmetic from counters: rates, averages, null when there is nothing to divide."""

from __future__ import annotations

from datetime import date

import pytest

from bot.sla.metrics import (
    BuyerCounts,
    Counters,
    bot_metrics,
    compute,
    ratio,
    reply_rates,
    slow_days,
)
from bot.sla.settings import RateBasis

D1, D2 = date(2026, 11, 23), date(2026, 11, 24)


def test_nothing_to_divide_is_null_not_zero() -> None:
    m = compute({}, BuyerCounts(), RateBasis.round, 90)
    assert (m.rounds, m.reply_rate_30s, m.reply_rate_3m, m.avg_response_s, m.first_response_avg_s,
            m.non_service_rate, m.dissatisfaction_rate) == (0, None, None, None, None, None, None)
    assert ratio(0, 0) is None
    assert ratio(0, 5) == 0.0


def test_week_sums_its_days() -> None:
    daily = {
        D1: Counters(rounds=4, on30=3, on3m=4, dur_ms=100_000, fr_n=2, fr_ms=30_000, convs=2, nonserv=1,
                     rat_n=2, rat_dis=1),
        D2: Counters(rounds=6, on30=3, on3m=5, dur_ms=800_000, fr_n=1, fr_ms=15_000, convs=2,
                     rat_n=2, rat_neu=1, rat_sat=1),
    }
    m = compute(daily, BuyerCounts(served=5), RateBasis.round, 90)
    assert m.rounds == 10
    assert m.reply_rate_30s == 0.6
    assert m.reply_rate_3m == 0.9
    assert m.avg_response_s == 90.0
    assert m.first_response_avg_s == 15.0
    assert m.non_service_rate == 0.25
    assert m.dissatisfaction_rate == 0.25
    assert m.served == 5
    assert m.flags.slow_days == ("2026-11-24",)  # 800 s / 6 rounds is over 90 s; day 1 is 25 s


def test_per_buyer_rates_count_a_buyer_with_any_late_round_as_missed() -> None:
    counters = Counters(rounds=3, on30=2, on3m=3)
    buyers = BuyerCounts(with_rounds=2, late_fast=1, late_slow=0)
    assert reply_rates(counters, buyers, RateBasis.round) == (pytest.approx(2 / 3), 1.0)
    assert reply_rates(counters, buyers, RateBasis.buyer) == (0.5, 1.0)


def test_slow_day_threshold_is_strict() -> None:
    assert slow_days({D1: Counters(rounds=2, dur_ms=180_000)}, 90) == ()
    assert slow_days({D1: Counters(rounds=2, dur_ms=180_002)}, 90) == ("2026-11-23",)
    assert slow_days({D1: Counters()}, 90) == ()


def test_counters_from_a_redis_hash_ignore_unknown_fields() -> None:
    c = Counters.from_hash({b"rounds": b"3", b"on30": b"2", b"future_field": b"9"})
    assert (c.rounds, c.on30, c.on3m) == (3, 2, 0)


def test_bot_metrics() -> None:
    b = bot_metrics([Counters(bot_ans=3, bot_lat_ms=1500, bot_unans=1)])
    assert (b.answered, b.unanswered, b.answer_share, b.latency_avg_s) == (3, 1, 0.75, 0.5)
    assert bot_metrics([]).answer_share is None
