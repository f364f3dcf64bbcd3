"""Assessment window, days and ISO weeks in the shop's time zone, the weekly-post schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.sla.periods import (
    Period,
    in_window,
    local_day,
    next_weekly_report,
    parse_day,
    parse_week,
    previous_week,
    to_ms,
    week_key,
)
from bot.sla.settings import Window

SH = ZoneInfo("Asia/Shanghai")
DEFAULT = Window.parse("08:00-23:00")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(UTC)


@pytest.mark.parametrize(("wall", "inside"), [
    ((2026, 11, 23, 7, 59, 59), False),
    ((2026, 11, 23, 8, 0, 0), True),
    ((2026, 11, 23, 22, 59, 59), True),
    ((2026, 11, 23, 23, 0, 0), False),
])
def test_window_is_half_open_in_shop_time(wall: tuple[int, ...], inside: bool) -> None:
    assert in_window(sh(*wall), SH, DEFAULT) is inside


def test_window_reads_the_shop_zone_not_the_server_zone() -> None:
    # 00:30 UTC is 08:30 Shanghai (inside); 15:30 UTC is 23:30 Shanghai (outside).
    assert in_window(datetime(2026, 11, 23, 0, 30, tzinfo=UTC), SH, DEFAULT)
    assert not in_window(datetime(2026, 11, 23, 15, 30, tzinfo=UTC), SH, DEFAULT)
    assert local_day(datetime(2026, 11, 23, 16, 30, tzinfo=UTC), SH) == date(2026, 11, 24)


def test_all_day_window() -> None:
    all_day = Window.parse("00:00-24:00")
    assert in_window(sh(2026, 11, 23, 0, 0, 0), SH, all_day)
    assert in_window(sh(2026, 11, 23, 23, 59, 59), SH, all_day)
    assert str(all_day) == "00:00-24:00"


@pytest.mark.parametrize("text", ["8-23", "23:00-08:00", "08:00-08:00", "08:60-23:00", "00:00-24:01", ""])
def test_bad_windows_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Window.parse(text)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        in_window(datetime(2026, 11, 23, 10), SH, DEFAULT)
    with pytest.raises(ValueError):
        to_ms(datetime(2026, 11, 23, 10))


def test_weekly_rollover_sunday_to_monday() -> None:
    assert week_key(local_day(sh(2026, 11, 29, 23, 59, 59), SH)) == "2026-W48"
    assert week_key(local_day(sh(2026, 11, 30, 0, 0, 0), SH)) == "2026-W49"


def test_iso_weeks_across_new_year() -> None:
    assert week_key(date(2026, 12, 31)) == "2026-W53"
    assert week_key(date(2027, 1, 3)) == "2026-W53"
    assert week_key(date(2027, 1, 4)) == "2027-W01"
    assert parse_week("2026-W53")[-1] == date(2027, 1, 3)


def test_parse_week_and_day() -> None:
    days = parse_week("2026-W48")
    assert (days[0], days[-1], len(days)) == (date(2026, 11, 23), date(2026, 11, 29), 7)
    with pytest.raises(ValueError):
        parse_week("2026-W54")
    with pytest.raises(ValueError):
        parse_week("2026-48")
    now = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # already the 24th in Shanghai
    assert parse_day("today", now, SH) == date(2026, 11, 24)
    assert parse_day("2026-11-01", now, SH) == date(2026, 11, 1)
    with pytest.raises(ValueError):
        parse_day("last week", now, SH)
    assert Period.week_of(date(2026, 11, 25)).key == "2026-W48"


def test_next_weekly_report_is_tuesday_09_00_shop_time_strictly_after_now() -> None:
    monday_noon = sh(2026, 11, 23, 12, 0, 0)
    assert next_weekly_report(monday_noon, SH, 1, time(9)) == sh(2026, 11, 24, 9, 0, 0)
    tuesday_nine = sh(2026, 11, 24, 9, 0, 0)
    assert next_weekly_report(tuesday_nine, SH, 1, time(9)) == sh(2026, 12, 1, 9, 0, 0)
    tuesday_eight = sh(2026, 11, 24, 8, 59, 59)
    assert next_weekly_report(tuesday_eight, SH, 1, time(9)) == sh(2026, 11, 24, 9, 0, 0)
    # Tuesday 09:00 Shanghai is Tuesday 01:00 UTC.
    assert next_weekly_report(monday_noon, SH, 1, time(9)) == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_previous_week_is_what_tuesday_reports() -> None:
    assert previous_week(sh(2026, 12, 1, 9, 0, 0), SH).key == "2026-W48"
