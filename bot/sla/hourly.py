"""Figures by shop-local hour of the day, for the dashboard's charts (pure).

The recorder keeps, per shop and day, a small hash of hourly counters (bot.sla.keys
`hour_counters`): assessed rounds and those answered within 30 s by the hour they started,
conversations handed off by hour, the ms buyers spent waiting for a first agent reply inside
each hour, and the day's reply-time histogram. Here they are summed over shops and days and
turned into rates and mean queue lengths.

Queue length is derived, not sampled: the time buyers wait between the handoff and the first
agent reply, summed inside an hour and divided by the hour's length, is the mean number of
buyers waiting during that hour (Little's law). It is recorded in the same Lua call as the
reply, so it costs no extra round trip and no sampler has to be running (a sampler would miss
hours the watcher was down and only see the instants it looked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

HOURS = 24
HOUR_MS = 3_600_000
BUCKETS = ("lt10", "10_30", "30_60", "1_3m", "gt3m")
"""Reply-time buckets: under 10 s, 10–30 s, 30–60 s, 1–3 min, over 3 min (or unanswered)."""
FIELDS = ("rounds", "on30", "handoffs", "wait_ms")


def _zeros() -> list[int]:
    return [0] * HOURS


@dataclass(frozen=True)
class HourCounters:
    """Hourly counters summed over some shops and days."""

    rounds: list[int] = field(default_factory=_zeros)
    on30: list[int] = field(default_factory=_zeros)
    handoffs: list[int] = field(default_factory=_zeros)
    wait_ms: list[int] = field(default_factory=_zeros)
    reply_times: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))

    @classmethod
    def from_hash(cls, raw: Mapping[bytes | str, bytes | str]) -> HourCounters:
        """From an HGETALL of one day's hourly hash; unknown fields are ignored."""
        out = cls()
        for key, value in raw.items():
            name = key.decode("utf-8") if isinstance(key, bytes) else key
            hour, _, what = name.partition(":")
            if hour == "rt":
                if what in out.reply_times:
                    out.reply_times[what] += int(value)
            elif hour.isdigit() and int(hour) < HOURS and what in FIELDS:
                getattr(out, what)[int(hour)] += int(value)
        return out

    @classmethod
    def total(cls, items: Iterable[HourCounters]) -> HourCounters:
        out = cls()
        for item in items:
            for name in FIELDS:
                mine = getattr(out, name)
                for hour, value in enumerate(getattr(item, name)):
                    mine[hour] += value
            for bucket, value in item.reply_times.items():
                out.reply_times[bucket] += value
        return out


@dataclass(frozen=True)
class HourFigures:
    """What the charts draw: per hour (index 0 = 00:00–01:00 shop time) and the histogram."""

    rounds: list[int]
    reply_rate_30s: list[float | None]
    """Share of the hour's assessed rounds answered within 30 s; None: no rounds that hour."""
    handoffs: list[int]
    queue_avg: list[float]
    """Mean number of buyers waiting for a first reply during the hour, per day of the period."""
    reply_times: dict[str, int]


def figures(counters: HourCounters, days: int) -> HourFigures:
    """`days`: how many days the counters cover (a week so far: the days up to today), so the
    mean queue length is per day."""
    per = max(1, days) * HOUR_MS
    return HourFigures(
        rounds=list(counters.rounds),
        reply_rate_30s=[None if r == 0 else o / r for r, o in zip(counters.rounds, counters.on30)],
        handoffs=list(counters.handoffs),
        queue_avg=[w / per for w in counters.wait_ms],
        reply_times=dict(counters.reply_times),
    )


def figures_to_json(f: HourFigures) -> dict[str, object]:
    return {
        "rounds": f.rounds,
        "reply_rate_30s": [None if r is None else round(r, 4) for r in f.reply_rate_30s],
        "handoffs": f.handoffs,
        "queue_avg": [round(q, 3) for q in f.queue_avg],
        "reply_times": f.reply_times,
    }
