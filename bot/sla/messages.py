"""Contracts of the SLA texts the agents read: the report (`/sla`, the weekly post) and
the alerts in a conversation's topic (ping, missed reply, holding reminder).

The poster and the alert presenter send what these return; `livedesk templates lint`
renders them for reports over the loaded catalogue's shops and agents.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.answers.lint import Sample
from bot.answers.lint_samples import SampleData
from bot.answers.message import Message
from bot.shop.catalog import Catalog
from bot.sla.alerts import AlertKind
from bot.sla.metrics import BuyerCounts, Counters, bot_metrics, compute
from bot.sla.periods import Period
from bot.sla.report import Report, ScopeReport, template_data, today_and_week
from bot.sla.settings import SlaSettings

REPORT_TEMPLATE = "agents/sla"
ALERT_TEMPLATES = {AlertKind.ping: "agents/ping", AlertKind.missed: "agents/missed",
                   AlertKind.hold: "agents/hold_reminder"}


def display_names(catalog: Catalog) -> dict[str, str]:
    """Agent and shop ids (as reports key them) to the names the catalogue gives them."""
    return {**{str(s.id): s.name for s in catalog.staff.values()},
            **{s.id: s.name for s in catalog.shops.values()}}


def report(reports: Sequence[Report], catalog: Catalog, current: bool) -> Message:
    """`current`: today and this week so far (`/sla`), else a finished period (the weekly post)."""
    names = display_names(catalog)
    return Message(REPORT_TEMPLATE,
                   {"periods": [template_data(r, names) for r in reports], "current": current})


def alert(kind: AlertKind, waited_s: float, agent: str | None) -> Message | None:
    """The topic notice of an SLA alert; None for kinds the agents are not shown."""
    template = ALERT_TEMPLATES.get(kind)
    if template is None:
        return None
    return Message(template, {"seconds": int(waited_s), "minutes": max(1, int(waited_s // 60)),
                              "agent": agent})


def _sample_report(data: SampleData, period: Period, settings: SlaSettings, busy: bool) -> Report:
    """A report over the catalogue's shops and agents: busy (every figure), or a quiet day."""
    day = period.days[0]
    worked = Counters(rounds=3, dur_ms=60_000, unans=1, fr_n=2, fr_ms=24_000, convs=2, nonserv=1, rat_n=2,
                      rat_dis=1, rat_sat=1, f_hold=1, f_rep=1, bot_ans=5, bot_lat_ms=2_000, bot_unans=1)
    counters = {day: worked if busy else Counters()}
    buyers = BuyerCounts(with_rounds=2, late_fast=1, served=2) if busy else BuyerCounts()
    shops = tuple(ScopeReport(s.id, (s.id,), compute(counters, buyers, settings.rate_basis, 1.0),
                              bot_metrics(counters.values())) for s in data.shops)
    agents = tuple(ScopeReport(str(s.id), s.shops, compute(counters, buyers, settings.rate_basis, 1.0))
                   for s in data.agents) if busy else ()
    return Report(period, settings.timezone, str(settings.window), settings.rate_basis, agents, shops)


def samples(data: SampleData) -> Iterator[Sample]:
    settings = SlaSettings()
    today, week = today_and_week(data.at, settings)
    for busy in (True, False):
        reports = [_sample_report(data, p, settings, busy) for p in (today, week)]
        yield Sample(report(reports, data.catalog, True), f"/sla ({'busy' if busy else 'quiet'})")
        yield Sample(report(reports[1:], data.catalog, False), f"weekly post ({'busy' if busy else 'quiet'})")
    for kind in AlertKind:
        for agent in (None, *data.agent_names[:1]):
            message = alert(kind, 200.0, agent)
            if message is not None:
                yield Sample(message, f"{kind} alert")
