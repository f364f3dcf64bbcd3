"""Report -> plain data for the /sla and weekly-post templates and for --json (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.sla.metrics import BotMetrics, BuyerCounts, Counters, compute
from bot.sla.periods import Period
from bot.sla.report import (
    Report,
    ScopeReport,
    next_weekly_post,
    report_to_json,
    template_data,
    today_and_week,
    weekly_post_period,
)
from bot.sla.settings import RateBasis, SlaSettings

DAY = date(2026, 11, 23)


def _report() -> Report:
    busy = compute({DAY: Counters(rounds=3, on30=2, on3m=3, dur_ms=300_000, f_rep=1)},
                   BuyerCounts(served=2), RateBasis.round, 90)
    idle = compute({}, BuyerCounts(), RateBasis.round, 90)
    return Report(Period.day(DAY), "Asia/Shanghai", "08:00-23:00", RateBasis.round,
                  agents=(ScopeReport("900001", ("beishang",), busy),),
                  shops=(ScopeReport("beishang", ("beishang",), busy, BotMetrics(1, 0, 1.0, 0.5)),
                         ScopeReport("xianguo", ("xianguo",), idle, BotMetrics(0, 0, None, None))))


def test_template_data_is_formatted_for_people() -> None:
    data = template_data(_report(), names={"900001": "娜娜", "beishang": "蓓尚服饰"})
    agent = data["agents"][0]
    assert (agent["name"], agent["shops"]) == ("娜娜", ["蓓尚服饰"])
    assert agent["reply_rate_30s"] == "66.7%"
    assert agent["avg_response"] == "100.0s"
    assert agent["flagged"] is True and data["agents"][0]["slow_days"] == ["2026-11-23"]
    idle = data["shops"][1]
    assert (idle["reply_rate_30s"], idle["avg_response"], idle["flagged"]) == ("—", "—", False)
    assert data["empty"] is False


def test_json_rates_are_fractions_or_null() -> None:
    data = report_to_json(_report())
    assert data["period"]["key"] == "2026-11-23"
    assert data["agents"][0]["reply_rate_30s"] == 0.6667
    assert data["shops"][1]["reply_rate_30s"] is None
    assert data["shops"][0]["bot"]["answer_share"] == 1.0


def test_sla_command_shows_today_and_this_week_in_shop_time() -> None:
    day, week = today_and_week(datetime(2026, 11, 29, 16, 30, tzinfo=UTC), SlaSettings())
    assert (day.key, week.key) == ("2026-11-30", "2026-W49")  # already Monday in Shanghai


def test_weekly_post_schedule_from_settings() -> None:
    monday = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai
    due = next_weekly_post(monday, SlaSettings())
    assert due == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 Shanghai
    assert weekly_post_period(due, SlaSettings()).key == "2026-W48"
    friday_six = SlaSettings.model_validate({"weekly_report_day": "friday", "weekly_report_time": "18:00"})
    assert next_weekly_post(monday, friday_six) == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
