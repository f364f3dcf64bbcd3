"""Reports for a day or a natural week, per agent and per shop, from counters only.

A report never reads messages: it reads, per shop and day, one counters hash for the shop
and one per agent, plus set cardinalities for distinct buyers — three pipelined round
trips whatever the number of events, so a weekly report stays fast on a busy shop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from redis.asyncio import Redis

from bot.sla import keys
from bot.sla.keys import BuyerSet
from bot.sla.metrics import BotMetrics, BuyerCounts, Counters, Metrics, bot_metrics, compute
from bot.sla.periods import Period, local_day
from bot.sla.recorder import shops_from
from bot.sla.settings import RateBasis, SlaSettings

log = logging.getLogger(__name__)

_KINDS = (BuyerSet.rounds, BuyerSet.late_fast, BuyerSet.late_slow, BuyerSet.served)


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


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


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
                    agent: str | None = None) -> Report:
        """The report of `period` for `shops` (all recorded shops when None), optionally one agent."""
        shop_ids = sorted(shops) if shops is not None else await self.known_shops()
        p = self._prefix

        pipe = self._redis.pipeline(transaction=False)
        for shop in shop_ids:
            for day in period.days:
                pipe.smembers(keys.day_agents(p, shop, day))
        answers = await pipe.execute() if shop_ids else []
        agents_by_day: dict[tuple[str, date], list[str]] = {}
        it = iter(answers)
        for shop in shop_ids:
            for day in period.days:
                members = sorted(_text(m) for m in next(it))
                agents_by_day[(shop, day)] = [a for a in members if agent is None or a == agent]
        shop_agents = {shop: sorted({a for d in period.days for a in agents_by_day[(shop, d)]})
                       for shop in shop_ids}

        pipe = self._redis.pipeline(transaction=False)
        plan: list[tuple[str, str | None, date]] = []
        for shop in shop_ids:
            for day in period.days:
                plan.append((shop, None, day))
                pipe.hgetall(keys.day_counters(p, shop, day))
                for a in agents_by_day[(shop, day)]:
                    plan.append((shop, a, day))
                    pipe.hgetall(keys.day_counters(p, shop, day, a))
        set_plan: list[tuple[str, str | None]] = []
        for shop in shop_ids:
            for scope in (None, *shop_agents[shop]):
                set_plan.append((shop, scope))
                for kind in _KINDS:
                    pipe.scard(self._set_key(period, shop, kind, scope))
        answers = await pipe.execute() if shop_ids else []

        daily: dict[tuple[str, str | None], dict[date, Counters]] = {}
        for (shop, scope, day), raw in zip(plan, answers, strict=False):
            daily.setdefault((shop, scope), {})[day] = Counters.from_hash(raw)
        cards = answers[len(plan):]
        buyers: dict[tuple[str, str | None], BuyerCounts] = {}
        for i, scope_key in enumerate(set_plan):
            buyers[scope_key] = BuyerCounts(*(int(n) for n in cards[i * 4:(i + 1) * 4]))

        s = self._settings
        shop_rows = tuple(
            ScopeReport(
                id=shop, shops=(shop,),
                metrics=compute(daily.get((shop, None), {}), buyers[(shop, None)],
                                s.rate_basis, s.slow_day_avg_s),
                bot=bot_metrics(daily.get((shop, None), {}).values()),
            )
            for shop in shop_ids
        )
        agent_rows = []
        for a in sorted({a for names in shop_agents.values() for a in names}, key=_agent_order):
            worked = tuple(shop for shop in shop_ids if a in shop_agents[shop])
            per_day: dict[date, Counters] = {}
            for shop in worked:
                for day, counters in daily.get((shop, a), {}).items():
                    per_day[day] = per_day.get(day, Counters()) + counters
            agent_rows.append(ScopeReport(
                id=a, shops=worked,
                metrics=compute(per_day, _sum_buyers([buyers[(shop, a)] for shop in worked]),
                                s.rate_basis, s.slow_day_avg_s),
            ))
        log.debug("sla report %s: %d shops, %d agents", period.key, len(shop_rows), len(agent_rows))
        return Report(period, s.timezone, str(s.window), s.rate_basis, tuple(agent_rows), shop_rows)

    def _set_key(self, period: Period, shop: str, kind: BuyerSet, agent: str | None) -> str:
        if period.kind == "week":
            return keys.week_buyers(self._prefix, shop, period.key, kind, agent)
        return keys.day_buyers(self._prefix, shop, period.days[0], kind, agent)


def _agent_order(agent: str) -> tuple[int, str]:
    return (0, f"{int(agent):020d}") if agent.isdigit() else (1, agent)


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


def report_to_json(report: Report) -> dict[str, Any]:
    """The `--json` shape: {"period": {...}, "agents": [...], "shops": [...]}; rates 0-1 or null."""
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
