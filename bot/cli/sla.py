"""`livedesk sla report`: the SLA report for a day or natural week, as a table or JSON.

The lead mounts it with `app.add_typer(sla_app, name="sla")` in bot/cli/main.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.redis_access import (
    UNREACHABLE_EXIT_CODE,
    RedisUnreachable,
    announce,
    ensure_reachable,
    one_shot_client,
)
from bot.clock import SystemClock
from bot.config import DEFAULT_REDIS_URL, Settings
from bot.sla.periods import Period, local_day, parse_day
from bot.sla.report import Report, SlaReporter, percent, report_to_json, seconds_text
from bot.sla.settings import SlaSettings, sla_settings_of

sla_app = typer.Typer(help="Service-level metrics (客服考核).", no_args_is_help=True)


@sla_app.callback()
def _sla() -> None:
    """Service-level metrics (客服考核): reply rates, response times, non-service, ratings."""


@sla_app.command("report")
def report_command(
    day: Annotated[str | None, typer.Option("--day", help="A date like 2026-11-23, or today")] = None,
    week: Annotated[str | None, typer.Option("--week", help="An ISO week like 2026-W48")] = None,
    shop: Annotated[list[str] | None, typer.Option("--shop", help="Only this shop (repeatable)")] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    redis_url: Annotated[str | None, typer.Option("--redis-url", help="Overrides REDIS_URL")] = None,
    prefix: Annotated[str | None, typer.Option("--prefix", help="Overrides REDIS_PREFIX")] = None,
) -> None:
    """Every metric per agent and per shop for a day (default today) or a natural week."""
    if day is not None and week is not None:
        raise typer.BadParameter("give --day or --week, not both")
    settings = Settings()
    sla = sla_settings_of(settings)
    try:
        period = Period.week(week) if week else Period.day(parse_day(day or "today", SystemClock().now(), sla.zone))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    url = redis_url or settings.redis_url or DEFAULT_REDIS_URL
    prefix = prefix or settings.redis_prefix
    stderr = Console(stderr=True)
    announce(stderr, url, prefix)
    try:
        report = asyncio.run(_build(url, prefix, sla, period, shop, agent))
    except RedisUnreachable as exc:
        stderr.print(str(exc), markup=False, highlight=False, style="red", soft_wrap=True)
        raise typer.Exit(UNREACHABLE_EXIT_CODE) from None
    if as_json:
        typer.echo(json.dumps(report_to_json(report), ensure_ascii=False, indent=2))
    else:
        _print_tables(report)


async def _build(url: str, prefix: str, sla: SlaSettings, period: Period, shops: list[str] | None,
                 agent: str | None) -> Report:
    redis = one_shot_client(url)
    try:
        await ensure_reachable(redis, url)
        return await SlaReporter(redis, sla, prefix).build(period, shops or None, agent,
                                                           as_of=local_day(SystemClock().now(), sla.zone))
    finally:
        await redis.aclose()


def _print_tables(report: Report) -> None:
    console = Console()
    p = report.period
    span = p.key if p.kind == "day" else f"{p.key} ({p.days[0]} – {p.days[-1]})"
    console.print(f"[bold]SLA {p.kind} {span}[/bold]  window {report.window} {report.timezone}, "
                  f"rates per {report.rate_basis.value}")
    for title, rows in (("Agents", report.agents), ("Shops", report.shops)):
        table = Table(title=title)
        for column in ("id", "rounds", "30s", "3min", "first resp", "avg resp", "不服务率",
                       "不满意率", "served", "flags"):
            table.add_column(column, justify="left" if column in ("id", "flags") else "right",
                             no_wrap=column == "id")
        for row in rows:
            m = row.metrics
            flags = []
            if m.flags.hold_without_followup:
                flags.append(f"稍等×{m.flags.hold_without_followup}")
            if m.flags.repeated_reply:
                flags.append(f"repeat×{m.flags.repeated_reply}")
            if m.flags.slow_days:
                flags.append("slow " + ",".join(m.flags.slow_days))
            table.add_row(row.id, str(m.rounds), percent(m.reply_rate_30s), percent(m.reply_rate_3m),
                          seconds_text(m.first_response_avg_s), seconds_text(m.avg_response_s),
                          percent(m.non_service_rate), percent(m.dissatisfaction_rate),
                          str(m.served), " ".join(flags))
        if not rows:
            console.print(f"{title}: nothing recorded")
        else:
            console.print(table)
    for row in report.shops:
        if row.bot is not None and (row.bot.answered or row.bot.unanswered):
            console.print(f"bot {row.id}: answered {row.bot.answered}, share "
                          f"{percent(row.bot.answer_share)}, latency {seconds_text(row.bot.latency_avg_s)}")
