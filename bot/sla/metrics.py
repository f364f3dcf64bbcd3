"""The metric arithmetic: rates and averages from aggregated counters (pure).

Counters are what the Lua scripts add up per shop / agent / day; a week is the sum of its
days except for distinct-buyer counts, which come from weekly sets. A rate or average
with nothing to divide is None (shown as null / —), never 0: "no rounds" is not "all late".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date

from bot.sla.settings import RateBasis


@dataclass(frozen=True)
class Counters:
    """Additive counters of one scope (shop or agent) over one or more days."""

    rounds: int = 0  # assessed rounds finished (answered or at the cap)
    on30: int = 0  # answered strictly within the fast threshold
    on3m: int = 0  # answered strictly within the slow threshold
    dur_ms: int = 0  # sum of capped round durations
    unans: int = 0  # rounds counted unanswered at the cap
    fr_n: int = 0  # first responses (handoff to first agent reply)
    fr_ms: int = 0
    convs: int = 0  # human conversations closed
    nonserv: int = 0  # ... of which the buyer got no agent reply
    rat_n: int = 0  # ratings
    rat_dis: int = 0
    rat_neu: int = 0
    rat_sat: int = 0
    f_hold: int = 0  # 稍等 without a follow-up in time
    f_rep: int = 0  # the same reply sent repeat_reply_times in one conversation
    bot_ans: int = 0
    bot_lat_ms: int = 0
    bot_unans: int = 0

    @classmethod
    def from_hash(cls, raw: Mapping[bytes | str, bytes | str]) -> Counters:
        """From an HGETALL answer; unknown fields are ignored so old data stays readable."""
        names = {f.name for f in fields(cls)}
        values: dict[str, int] = {}
        for key, value in raw.items():
            name = key.decode() if isinstance(key, bytes) else key
            if name in names:
                values[name] = int(value)
        return cls(**values)

    @classmethod
    def from_fields(cls, values: Mapping[str, int]) -> Counters:
        """From one scope's fields (see keys.split_scopes); unknown fields are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def __add__(self, other: Counters) -> Counters:
        return Counters(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @staticmethod
    def total(items: Iterable[Counters]) -> Counters:
        result = Counters()
        for item in items:
            result = result + item
        return result


@dataclass(frozen=True)
class BuyerCounts:
    """Distinct buyers of a scope and period (from sets, since distinct counts do not add up)."""

    with_rounds: int = 0
    late_fast: int = 0  # buyers with at least one round not answered within 30 s
    late_slow: int = 0
    served: int = 0  # buyers an agent replied to (接待人数)


@dataclass(frozen=True)
class Flags:
    """Negative-service flags: counts, and the days whose average response was too slow."""

    hold_without_followup: int
    repeated_reply: int
    slow_days: tuple[str, ...]


@dataclass(frozen=True)
class BotMetrics:
    answered: int
    unanswered: int
    answer_share: float | None
    latency_avg_s: float | None


@dataclass(frozen=True)
class Metrics:
    """Every reported metric of one scope over one period."""

    rounds: int
    reply_rate_30s: float | None
    reply_rate_3m: float | None
    first_response_avg_s: float | None
    avg_response_s: float | None
    non_service_rate: float | None
    dissatisfaction_rate: float | None
    served: int
    unanswered_rounds: int
    conversations: int
    ratings: int
    flags: Flags


def ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def average_s(total_ms: int, count: int) -> float | None:
    return None if count == 0 else total_ms / count / 1000


def reply_rates(counters: Counters, buyers: BuyerCounts, basis: RateBasis) -> tuple[float | None, float | None]:
    """(30 s rate, 3 min rate). Per buyer, one late round makes the whole buyer missed."""
    if basis is RateBasis.buyer:
        n = buyers.with_rounds
        return ratio(n - buyers.late_fast, n), ratio(n - buyers.late_slow, n)
    return ratio(counters.on30, counters.rounds), ratio(counters.on3m, counters.rounds)


def slow_days(daily: Mapping[date, Counters], limit_s: float) -> tuple[str, ...]:
    """Days whose average response time is over the limit (strictly), in date order."""
    out = []
    for day in sorted(daily):
        avg = average_s(daily[day].dur_ms, daily[day].rounds)
        if avg is not None and avg > limit_s:
            out.append(day.isoformat())
    return tuple(out)


def compute(daily: Mapping[date, Counters], buyers: BuyerCounts, basis: RateBasis,
            slow_day_avg_s: float) -> Metrics:
    """All metrics of one scope from its per-day counters and its distinct-buyer counts."""
    c = Counters.total(daily.values())
    fast, slow = reply_rates(c, buyers, basis)
    return Metrics(
        rounds=c.rounds,
        reply_rate_30s=fast,
        reply_rate_3m=slow,
        first_response_avg_s=average_s(c.fr_ms, c.fr_n),
        avg_response_s=average_s(c.dur_ms, c.rounds),
        non_service_rate=ratio(c.nonserv, c.convs),
        dissatisfaction_rate=ratio(c.rat_dis, c.rat_n),
        served=buyers.served,
        unanswered_rounds=c.unans,
        conversations=c.convs,
        ratings=c.rat_n,
        flags=Flags(c.f_hold, c.f_rep, slow_days(daily, slow_day_avg_s)),
    )


def bot_metrics(daily: Iterable[Counters]) -> BotMetrics:
    """Bot-only service: share of questions the bot answered itself, and its mean latency."""
    c = Counters.total(daily)
    return BotMetrics(
        answered=c.bot_ans,
        unanswered=c.bot_unans,
        answer_share=ratio(c.bot_ans, c.bot_ans + c.bot_unans),
        latency_avg_s=average_s(c.bot_lat_ms, c.bot_ans),
    )


def still_unserved(states: Iterable[Mapping[str, str]], days: Mapping[str, date]) -> dict[date, int]:
    """Human conversations still open that no agent has replied to, by the day of their
    handoff (`hd`, one of `days`' keys). They count as not served in a report even though
    they have not closed: a buyer queued all day and never served is the clearest case of
    non-service, and waiting for the close would leave the rate at 0 while it lasts."""
    out: dict[date, int] = {}
    for state in states:
        day = days.get(state.get("hd", ""))
        if day is not None and state.get("h") == "1" and state.get("fr") != "1":
            out[day] = out.get(day, 0) + 1
    return out
