"""Calendar arithmetic for assessment: window membership, day and ISO-week keys, schedules.

Pure functions over aware datetimes. The server clock is UTC; everything the platforms
assess is in the shop's time zone, so every instant is converted before asking "which
day" or "inside the window". A natural week runs Monday 00:00 to Sunday 24:00 (ISO week).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.sla.settings import Window

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def local(instant: datetime, zone: ZoneInfo) -> datetime:
    """The instant on the shop's wall clock; a naive datetime is refused (it hides bugs)."""
    if instant.tzinfo is None:
        raise ValueError("SLA instants must be timezone-aware")
    return instant.astimezone(zone)


def in_window(instant: datetime, zone: ZoneInfo, window: Window) -> bool:
    """Whether the instant falls inside the assessment hours of its own local day."""
    wall = local(instant, zone)
    seconds = wall.hour * 3600 + wall.minute * 60 + wall.second + wall.microsecond / 1e6
    return window.contains(seconds)


def day_key(day: date) -> str:
    return day.isoformat()


def week_key(day: date) -> str:
    """ISO week, e.g. 2026-W48; the ISO year differs from the calendar year around New Year."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    return local(instant, zone).date()


def parse_week(text: str) -> tuple[date, ...]:
    """The seven days (Monday first) of an ISO week written like 2026-W48."""
    match = _WEEK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W48")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"{text!r}: year {match[1]} has no week {match[2]}") from None
    return tuple(monday + timedelta(days=i) for i in range(7))


def parse_day(text: str, now: datetime, zone: ZoneInfo) -> date:
    """A date written 2026-11-23, or `today` / `yesterday` in the shop's time zone."""
    word = text.strip().lower()
    if word == "today":
        return local_day(now, zone)
    if word == "yesterday":
        return local_day(now, zone) - timedelta(days=1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2026-11-23 (or today)") from None


@dataclass(frozen=True)
class Period:
    """What a report covers: one day or one natural week, as its local dates."""

    kind: str  # "day" | "week"
    key: str  # "2026-11-23" | "2026-W48"
    days: tuple[date, ...]

    @classmethod
    def day(cls, day: date) -> Period:
        return cls("day", day_key(day), (day,))

    @classmethod
    def week(cls, text: str) -> Period:
        days = parse_week(text)
        return cls("week", week_key(days[0]), days)

    @classmethod
    def week_of(cls, day: date) -> Period:
        return cls.week(week_key(day))


def previous_week(now: datetime, zone: ZoneInfo) -> Period:
    """The last complete natural week: what the Tuesday post reports."""
    return Period.week_of(local_day(now, zone) - timedelta(days=7))


def next_weekly_report(now: datetime, zone: ZoneInfo, weekday: int, at: time) -> datetime:
    """The first instant strictly after `now` that is `weekday` (Monday 0) at `at`, shop time, in UTC.

    Strictly after, so a scheduler that posts and asks again gets next week, never a repeat.
    Built on the wall clock and converted, so a zone with DST still posts at 09:00 local.
    """
    wall = local(now, zone)
    ahead = (weekday - wall.weekday()) % 7
    candidate = datetime.combine(wall.date() + timedelta(days=ahead), at, tzinfo=zone)
    if candidate <= wall:
        candidate = datetime.combine(wall.date() + timedelta(days=ahead + 7), at, tzinfo=zone)
    return candidate.astimezone(UTC)


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds: integers keep Lua arithmetic exact (30 000 ms is not 29.999…)."""
    if instant.tzinfo is None:
        raise ValueError("SLA instants must be timezone-aware")
    return round(instant.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
