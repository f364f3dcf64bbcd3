"""Reports for a day or a natural week, per agent and per shop, from counters only.

A report never reads messages: it reads one counters hash per shop and day (agents' counters
are fields of the same hash) plus, for a week, one hash of distinct-buyer counts per shop —
one pipelined round trip (two without --shop) whatever the number of events.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from redis.asyncio import Redis

from bot.sla import keys
from bot.sla.hourly import HourCounters, figures, figures_to_json
from bot.sla.metrics import (
    BotMetrics,
    BuyerCounts,
    Counters,
    Metrics,
    bot_metrics,
    compute,
    still_unserved,
)
from bot.sla.periods import Period, day_key, local_day, next_weekly_report, previous_week
from bot.sla.recorder import shops_from
from bot.sla.settings import RateBasis, SlaSettings

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ScopeReport:
    """One row: a shop (with its bot metrics) or an agent (with the shops it worked in)."""

    id: str
    shops: tuple[str, ...]
    metrics: Metrics
    bot: BotMetrics | None = None


@dataclass(frozen=True)
class Report:
    period: Period
    timezone: str
    window: str
    rate_basis: RateBasis
    agents: tuple[ScopeReport, ...]
    shops: tuple[ScopeReport, ...]
    hours: tuple[tuple[str, HourCounters], ...] = ()
    """Each shop's hourly counters summed over the period's days (bot.sla.hourly)."""
    hour_days: int = 1
    """The days the hourly counters cover: the period's, up to `as_of` when given."""


def _sum_buyers(items: Sequence[BuyerCounts]) -> BuyerCounts:
    """Distinct buyers of one agent across shops: each shop's buyers are its own relationship."""
    return BuyerCounts(*(sum(getattr(b, f) for b in items)
                         for f in ("with_rounds", "late_fast", "late_slow", "served")))


class SlaReporter:
    """Builds reports; reads only (never writes), so it is safe from the CLI against production."""

    def __init__(self, redis: Redis, settings: SlaSettings, prefix: str) -> None:
        self._redis = redis
        self._settings = settings
        self._prefix = prefix

    async def known_shops(self) -> list[str]:
        return shops_from(await self._redis.smembers(keys.shops_registry(self._prefix)))

    async def build(self, period: Period, shops: Sequence[str] | None = None,
                    agent: str | None = None, as_of: date | None = None) -> Report:
        """The report of `period` for `shops` (all recorded shops when None), optionally one agent.

        `as_of` (the local date now): a conversation of a day before it that is still open
        and was never replied to counts as not served, its day having ended without service.
        Without it only closed conversations count (as recorded at their close)."""
        shop_ids = sorted(shops) if shops is not None else await self.known_shops()
        p = self._prefix
        pipe = self._redis.pipeline(transaction=False)
        for shop in shop_ids:
            for day in period.days:
                pipe.hgetall(keys.day_counters(p, shop, day))
            if period.kind == "week":
                pipe.hgetall(keys.week_counters(p, shop, period.key))
            for day in period.days:
                pipe.hgetall(keys.hour_counters(p, shop, day))
        answers = iter(await pipe.execute()) if shop_ids else iter(())
        ended = tuple(d for d in period.days if as_of is not None and d < as_of)
        unserved = await self._still_unserved(shop_ids, ended)

        s = self._settings
        shop_rows = []
        shop_hours = []
        per_agent: dict[str, dict[str, tuple[dict[date, Counters], BuyerCounts]]] = {}
        for shop in shop_ids:
            by_day = {day: keys.split_scopes(next(answers)) for day in period.days}
            for day, n in unserved.get(shop, {}).items():  # open and never served: the shop's
                own = by_day[day].setdefault(None, {})
                own["convs"] = own.get("convs", 0) + n
                own["nonserv"] = own.get("nonserv", 0) + n
            distinct = keys.split_scopes(next(answers)) if period.kind == "week" else by_day[period.days[0]]
            shop_hours.append((shop, HourCounters.total(HourCounters.from_hash(next(answers)) for _ in period.days)))
            # Additive counters are stored once, under the agent or (no agent) the shop:
            # the shop's figure is the sum of its scopes. Distinct counts are per scope.
            shop_daily = {day: Counters.total(Counters.from_fields(v) for v in scopes.values())
                          for day, scopes in by_day.items()}
            shop_rows.append(ScopeReport(
                id=shop, shops=(shop,),
                metrics=compute(shop_daily, _buyers(distinct.get(None, {})), s.rate_basis, s.slow_day_avg_s),
                bot=bot_metrics(shop_daily.values()),
            ))
            names = {a for scopes in by_day.values() for a in scopes if a is not None}
            for a in names:
                if agent is not None and a != agent:
                    continue
                daily = {day: Counters.from_fields(scopes.get(a, {})) for day, scopes in by_day.items()}
                per_agent.setdefault(a, {})[shop] = (daily, _buyers(distinct.get(a, {})))

        agent_rows = []
        for a in sorted(per_agent, key=_agent_order):
            worked = tuple(sorted(per_agent[a]))
            per_day: dict[date, Counters] = {}
            for shop in worked:
                for day, counters in per_agent[a][shop][0].items():
                    per_day[day] = per_day.get(day, Counters()) + counters
            buyers = _sum_buyers([per_agent[a][shop][1] for shop in worked])
            agent_rows.append(ScopeReport(
                id=a, shops=worked, metrics=compute(per_day, buyers, s.rate_basis, s.slow_day_avg_s)))
        log.debug("sla report %s: %d shops, %d agents", period.key, len(shop_rows), len(agent_rows))
        covered = sum(1 for d in period.days if as_of is None or d <= as_of)
        return Report(period, s.timezone, str(s.window), s.rate_basis, tuple(agent_rows), tuple(shop_rows),
                      tuple(shop_hours), covered)


    async def _still_unserved(self, shop_ids: Sequence[str], days: Sequence[date]) -> dict[str, dict[date, int]]:
        """Per shop, its open conversations handed off on `days` that no agent has replied to."""
        if not shop_ids or not days:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for shop in shop_ids:
            pipe.zrange(keys.unserved(self._prefix, shop), 0, -1)
        members = [[_text(m) for m in found] for found in await pipe.execute()]
        pipe = self._redis.pipeline(transaction=False)
        for shop, conversations in zip(shop_ids, members):
            for conversation in conversations:
                pipe.hmget(keys.conversation(self._prefix, shop, conversation), "h", "fr", "hd")
        states = iter(await pipe.execute())
        by_key = {day_key(d): d for d in days}
        out: dict[str, dict[date, int]] = {}
        for shop, conversations in zip(shop_ids, members):
            rows = [dict(zip(("h", "fr", "hd"), (_text(v) for v in next(states)))) for _ in conversations]
            found = still_unserved(rows, by_key)
            if found:
                out[shop] = found
        return out


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _buyers(fields: dict[str, int]) -> BuyerCounts:
    return BuyerCounts(with_rounds=fields.get("u_rb", 0), late_fast=fields.get("u_l30", 0),
                       late_slow=fields.get("u_l3m", 0), served=fields.get("u_srv", 0))


def _agent_order(agent: str) -> tuple[int, str]:
    return (0, f"{int(agent):020d}") if agent.isdigit() else (1, agent)


def next_weekly_post(now: datetime, settings: SlaSettings) -> datetime:
    """When the weekly report is next due (UTC), from weekly_report_day/time in shop time."""
    return next_weekly_report(now, settings.zone, settings.weekly_report_day.index,
                              settings.weekly_report_time)


def weekly_post_period(now: datetime, settings: SlaSettings) -> Period:
    """The natural week a weekly post made at `now` reports: the last complete one."""
    return previous_week(now, settings.zone)


def today_and_week(now: datetime, settings: SlaSettings) -> tuple[Period, Period]:
    """The two periods `/sla` shows: today and this natural week, in shop time."""
    today = local_day(now, settings.zone)
    return Period.day(today), Period.week_of(today)


# -- plain data for JSON and templates ----------------------------------------------------

def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _row(row: ScopeReport) -> dict[str, Any]:
    m = row.metrics
    out: dict[str, Any] = {
        "id": row.id,
        "shops": list(row.shops),
        "rounds": m.rounds,
        "reply_rate_30s": _rate(m.reply_rate_30s),
        "reply_rate_3m": _rate(m.reply_rate_3m),
        "first_response_avg_s": _seconds(m.first_response_avg_s),
        "avg_response_s": _seconds(m.avg_response_s),
        "non_service_rate": _rate(m.non_service_rate),
        "dissatisfaction_rate": _rate(m.dissatisfaction_rate),
        "served": m.served,
        "unanswered_rounds": m.unanswered_rounds,
        "conversations": m.conversations,
        "ratings": m.ratings,
        "flags": {
            "hold_without_followup": m.flags.hold_without_followup,
            "repeated_reply": m.flags.repeated_reply,
            "slow_days": list(m.flags.slow_days),
        },
    }
    if row.bot is not None:
        out["bot"] = {
            "answered": row.bot.answered,
            "unanswered": row.bot.unanswered,
            "answer_share": _rate(row.bot.answer_share),
            "latency_avg_s": _seconds(row.bot.latency_avg_s),
        }
    return out


def hours_to_json(report: Report, shops: Sequence[str] | None = None) -> dict[str, Any]:
    """Figures by shop-local hour: `all` (the shops together; `shops`: only those) and each shop's."""
    chosen = [(shop, c) for shop, c in report.hours if shops is None or shop in shops]
    return {"days": report.hour_days,
            "all": figures_to_json(figures(HourCounters.total(c for _, c in chosen), report.hour_days)),
            "shops": [{"id": shop, **figures_to_json(figures(c, report.hour_days))} for shop, c in chosen]}


def report_to_json(report: Report) -> dict[str, Any]:
    """The `--json` shape: {"period": {...}, "agents": [...], "shops": [...], "hours": {...}};
    rates 0-1 or null."""
    p = report.period
    return {
        "period": {
            "kind": p.kind,
            "key": p.key,
            "from": p.days[0].isoformat(),
            "to": p.days[-1].isoformat(),
            "timezone": report.timezone,
            "window": report.window,
            "rate_basis": report.rate_basis.value,
        },
        "agents": [_row(r) for r in report.agents],
        "shops": [_row(r) for r in report.shops],
        "hours": hours_to_json(report),
    }


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def seconds_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}s"


def template_data(report: Report, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Plain, pre-formatted data for the `/sla` and weekly-post templates (rates as "93.3%",
    "—" when nothing to divide), with the raw numbers alongside for conditionals.

    `names` maps agent / shop ids to display names (from the catalogue) when known.
    """
    names = names or {}

    def row(r: ScopeReport) -> dict[str, Any]:
        m = r.metrics
        flagged = bool(m.flags.hold_without_followup or m.flags.repeated_reply or m.flags.slow_days)
        return {
            "id": r.id,
            "name": names.get(r.id, r.id),
            "shops": [names.get(s, s) for s in r.shops],
            "rounds": m.rounds,
            "reply_rate_30s": percent(m.reply_rate_30s),
            "reply_rate_3m": percent(m.reply_rate_3m),
            "first_response_avg": seconds_text(m.first_response_avg_s),
            "avg_response": seconds_text(m.avg_response_s),
            "non_service_rate": percent(m.non_service_rate),
            "dissatisfaction_rate": percent(m.dissatisfaction_rate),
            "served": m.served,
            "hold_without_followup": m.flags.hold_without_followup,
            "repeated_reply": m.flags.repeated_reply,
            "slow_days": list(m.flags.slow_days),
            "flagged": flagged,
            "raw": _row(r),
        }

    p = report.period
    return {
        "period_kind": p.kind,
        "period": p.key,
        "from": p.days[0].isoformat(),
        "to": p.days[-1].isoformat(),
        "window": report.window,
        "rate_basis": report.rate_basis.value,
        "agents": [row(r) for r in report.agents],
        "shops": [row(r) for r in report.shops],
        "empty": not any(r.metrics.rounds or r.metrics.conversations for r in report.shops),
    }
