"""Shared builders for the SLA integration tests (not fixtures: the shared conftest is not ours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from bot.clock import ManualClock
from bot.sla.metrics import Metrics
from bot.sla.periods import Period
from bot.sla.recorder import SlaRecorder
from bot.sla.report import Report, SlaReporter
from bot.sla.settings import SlaSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHOP = "beishang"
AGENT = "900001"
AGENT2 = "900002"
BUYER = "700001"


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """A Shanghai wall-clock instant, expressed in UTC like the server clock gives it."""
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI).astimezone(UTC)


def utc_clock(at: datetime) -> ManualClock:
    return ManualClock(at.astimezone(UTC))


class Desk:
    """A recorder and a reporter on one Redis prefix, driven by a ManualClock."""

    def __init__(self, redis: Redis, prefix: str, clock: ManualClock,
                 settings: SlaSettings | None = None) -> None:
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        self.settings = settings or SlaSettings()
        self.rec = SlaRecorder(redis, self.settings, clock, prefix)
        self.reporter = SlaReporter(redis, self.settings, prefix)

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def later(self, seconds: float) -> None:
        self.clock.advance(seconds)

    async def day(self, day: date, shop: str = SHOP) -> Report:
        return await self.reporter.build(Period.day(day), [shop])

    async def week(self, key: str, shop: str = SHOP) -> Report:
        return await self.reporter.build(Period.week(key), [shop])


def shop_metrics(report: Report, shop: str = SHOP) -> Metrics:
    return next(r.metrics for r in report.shops if r.id == shop)


def agent_metrics(report: Report, agent: str = AGENT) -> Metrics:
    rows = [r.metrics for r in report.agents if r.id == agent]
    assert rows, f"no row for agent {agent} in {[r.id for r in report.agents]}"
    return rows[0]


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)
