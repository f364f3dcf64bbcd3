"""When a rule is live: `valid_from` / `valid_to` written by ops in the shop's time zone.

Ops write windows the way the live host announces them ("2026-01-01 到 2099-12-31",
"双11 当天 20:00 开始"), so both ends are inclusive at the precision written: a date covers
its whole day, "2026-11-11 20:00" its whole minute, "20:00:00" its whole second. A rule
with `valid_to: 2099-12-31` is therefore still live at 23:59:59.999999 that day and gone at
2100-01-01 00:00:00. Internally a window is the half-open interval [starts_at, ends_before)
in aware datetimes, so comparisons are exact and independent of the precision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any

from pydantic import BeforeValidator

_TEXT = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)

_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_SECOND = timedelta(seconds=1)
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Moment:
    """A point written by ops and how much time it covers (a day, a minute, a second...).

    `value` is naive when ops wrote no offset: it means shop time, resolved by `start_in` /
    `end_in` once the catalogue's time zone is known.
    """

    value: datetime
    covers: timedelta

    def start_in(self, zone: tzinfo) -> datetime:
        return self.value if self.value.tzinfo else self.value.replace(tzinfo=zone)

    def end_in(self, zone: tzinfo) -> datetime:
        """The first instant no longer covered: valid_to is inclusive."""
        return self.start_in(zone) + self.covers

    def __str__(self) -> str:
        if self.covers == _DAY:
            return self.value.date().isoformat()
        if self.covers == _MINUTE:
            return self.value.isoformat(sep=" ", timespec="minutes")
        return self.value.isoformat(sep=" ")


def parse_moment(value: Any) -> Moment:
    """Read a date or date-time as YAML hands it over (date, datetime or text)."""
    if isinstance(value, Moment):
        return value
    if isinstance(value, datetime):
        covers = _MICRO if value.microsecond else _SECOND
        return Moment(value, covers)
    if isinstance(value, date):
        return Moment(datetime.combine(value, time()), _DAY)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date like 2026-01-01 or a time like 2026-11-11 20:00")
    match = _TEXT.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a date like 2026-01-01 or a time like 2026-11-11 20:00")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        if hour is None:
            if offset:
                raise ValueError(f"{value!r}: a date alone cannot carry a UTC offset")
            return Moment(datetime(int(year), int(month), int(day)), _DAY)
        stamp = datetime(int(year), int(month), int(day), int(hour), int(minute),
                         int(second or 0), int((fraction or "0").ljust(6, "0")))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date or time ({exc})") from None
    if offset:
        stamp = datetime.fromisoformat(stamp.isoformat() + ("+00:00" if offset == "Z" else offset))
    covers = _MICRO if fraction else _SECOND if second is not None else _MINUTE
    return Moment(stamp, covers)


MomentField = Annotated[Moment, BeforeValidator(parse_moment)]
"""A pydantic field holding a date or date-time as written in a rule file."""


@dataclass(frozen=True)
class Window:
    """The half-open interval [starts_at, ends_before) in which a rule is live; None = open."""

    starts_at: datetime | None
    ends_before: datetime | None

    @classmethod
    def of(cls, valid_from: Moment | None, valid_to: Moment | None, zone: tzinfo) -> Window:
        return cls(
            None if valid_from is None else valid_from.start_in(zone),
            None if valid_to is None else valid_to.end_in(zone),
        )

    def contains(self, at: datetime) -> bool:
        if self.starts_at is not None and at < self.starts_at:
            return False
        return self.ends_before is None or at < self.ends_before

    def is_empty(self) -> bool:
        return (self.starts_at is not None and self.ends_before is not None
                and self.ends_before <= self.starts_at)

    def overlaps(self, other: Window) -> bool:
        starts = [t for t in (self.starts_at, other.starts_at) if t is not None]
        ends = [t for t in (self.ends_before, other.ends_before) if t is not None]
        return not starts or not ends or max(starts) < min(ends)


def parse_instant(text: str, zone: tzinfo) -> datetime:
    """An instant typed by a person (CLI --at): ISO date or date-time, naive = shop time.

    A bare date means the start of that day.
    """
    moment = parse_moment(text.strip())
    return moment.start_in(zone)
