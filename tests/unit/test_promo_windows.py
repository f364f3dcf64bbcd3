"""Rule windows: inclusive at the precision ops wrote, in shop time unless an offset is given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.promotions.windows import Window, parse_instant, parse_moment

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("written", "start", "end"), [
    (date(2026, 11, 11), datetime(2026, 11, 11), datetime(2026, 11, 12)),
    ("2026-11-11", datetime(2026, 11, 11), datetime(2026, 11, 12)),
    ("2026-11-11 20:00", datetime(2026, 11, 11, 20), datetime(2026, 11, 11, 20, 1)),
    ("2026-11-11T20:00:05", datetime(2026, 11, 11, 20, 0, 5), datetime(2026, 11, 11, 20, 0, 6)),
    (datetime(2026, 11, 11, 23, 59, 59), datetime(2026, 11, 11, 23, 59, 59), datetime(2026, 11, 12)),
])
def test_moment_covers_what_was_written(written: object, start: datetime, end: datetime) -> None:
    moment = parse_moment(written)
    assert moment.start_in(SHANGHAI) == start.replace(tzinfo=SHANGHAI)
    assert moment.end_in(SHANGHAI) == end.replace(tzinfo=SHANGHAI)


def test_offset_is_honoured() -> None:
    moment = parse_moment("2026-11-11T12:00:00Z")
    assert moment.start_in(SHANGHAI) == datetime(2026, 11, 11, 12, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13-01", "11/11/2026", "tomorrow", "2026-02-30", 20261111])
def test_bad_moments_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_moment(bad)


def test_window_edges_and_overlap() -> None:
    day = Window.of(parse_moment("2026-11-11"), parse_moment("2026-11-11"), SHANGHAI)
    midnight = datetime(2026, 11, 11, tzinfo=SHANGHAI)
    assert day.contains(midnight) and not day.contains(midnight - timedelta(microseconds=1))
    assert day.contains(midnight + timedelta(days=1, microseconds=-1))
    assert not day.contains(midnight + timedelta(days=1))
    next_day = Window.of(parse_moment("2026-11-12"), None, SHANGHAI)
    assert not day.overlaps(next_day) and next_day.overlaps(Window(None, None))
    assert Window.of(parse_moment("2026-11-12"), parse_moment("2026-11-11"), SHANGHAI).is_empty()


def test_parse_instant_naive_is_shop_time() -> None:
    assert parse_instant("2026-01-01", SHANGHAI) == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert parse_instant("2026-01-01 08:30", SHANGHAI) == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
