"""Dashboard: today and this natural week side by side, per agent and per shop and by hour,
from the SLA reporter — the same figures as `livedesk sla report --json` — with pygal charts
and a CSV download.

An agent sees their own row and their shops (the hourly figures of their shops only);
supervisors and ops see everyone.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web

from bot.sla.periods import local_day
from bot.sla.report import Report, hours_to_json, report_to_json, today_and_week
from bot.web import charts
from bot.web.auth import Person
from bot.web.context import console_of, person_of
from bot.web.rendering import render
from bot.web.security import CHART_CSP

PERIODS = ("today", "week")
COLUMNS = ("scope", "id", "name", "rounds", "reply_rate_30s", "reply_rate_3m", "first_response_avg_s",
           "avg_response_s", "non_service_rate", "dissatisfaction_rate", "served", "conversations",
           "hold_without_followup", "repeated_reply", "bot_answered", "bot_answer_share")


async def _build(request: web.Request, which: str) -> dict[str, Any]:
    """One period's report as the person may see it; `as_of` today, as the CLI builds it."""
    console = console_of(request)
    now = console.clock.now()
    today, week = today_and_week(now, console.settings.sla)
    report: Report = await console.reporter.build(today if which == "today" else week,
                                                  as_of=local_day(now, console.settings.sla.zone))
    return _visible(person_of(request), report, report_to_json(report))


async def _report(request: web.Request) -> tuple[str, dict[str, Any]]:
    which = request.query.get("period", "today")
    if which not in PERIODS:
        raise web.HTTPBadRequest(text="period is today or week")
    return which, await _build(request, which)


def _visible(person: Person, report: Report, data: dict[str, Any]) -> dict[str, Any]:
    if person.sees_everyone:
        return data
    return {**data, "agents": [a for a in data["agents"] if a["id"] == str(person.user_id)],
            "shops": [s for s in data["shops"] if s["id"] in person.shops],
            "hours": hours_to_json(report, shops=list(person.shops))}


def _names(request: web.Request) -> dict[str, str]:
    catalog = console_of(request).holder.current.catalog
    return {**{str(s.id): s.name for s in catalog.staff.values()}, **{s.id: s.name for s in catalog.shops.values()}}


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}s"


def busy_hours(hours: dict[str, Any]) -> list[int]:
    """The hours with anything to show (a handoff, a round or a waiting buyer), for the table."""
    figures = hours["all"]
    return [h for h in range(24) if figures["handoffs"][h] or figures["rounds"][h] or figures["queue_avg"][h]]


async def dashboard_page(request: web.Request) -> web.Response:
    reports = {which: await _build(request, which) for which in PERIODS}
    return render(request, "dashboard.html", reports=reports, names=_names(request), pct=pct, secs=secs,
                  busy_hours=busy_hours, buckets=charts.REPLY_BUCKETS)


def _rows(data: dict[str, Any], names: dict[str, str]) -> list[list[Any]]:
    rows = []
    for scope in ("agents", "shops"):
        for r in data[scope]:
            bot = r.get("bot") or {}
            rows.append([scope[:-1], r["id"], names.get(r["id"], r["id"]), r["rounds"], r["reply_rate_30s"],
                         r["reply_rate_3m"], r["first_response_avg_s"], r["avg_response_s"],
                         r["non_service_rate"], r["dissatisfaction_rate"], r["served"], r["conversations"],
                         r["flags"]["hold_without_followup"], r["flags"]["repeated_reply"],
                         bot.get("answered", ""), bot.get("answer_share", "")])
    return rows


async def dashboard_csv(request: web.Request) -> web.Response:
    _, data = await _report(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in _rows(data, _names(request)):
        writer.writerow(["" if v is None else v for v in row])
    return web.Response(body=out.getvalue().encode("utf-8-sig"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="sla-{data["period"]["key"]}.csv"'})


def _hours_chart(kind: str, hours: dict[str, Any]) -> bytes:
    if kind == "hours-rate":
        return charts.hourly_rate_chart("30秒回复率（按小时）%", hours["reply_rate_30s"])
    if kind == "hours-conversations":
        return charts.hourly_count_chart("转人工会话（按小时）", hours["handoffs"])
    if kind == "hours-queue":
        return charts.hourly_queue_chart("平均排队人数（按小时）", hours["queue_avg"])
    if kind == "reply-times":
        return charts.reply_times_chart("回复时间分布", hours["reply_times"])
    raise web.HTTPNotFound()


async def chart(request: web.Request) -> web.Response:
    _, data = await _report(request)
    names = _names(request)
    kind = request.match_info["kind"]
    if kind.startswith(("hours-", "reply-")):
        svg = _hours_chart(kind, data["hours"]["all"])
        return web.Response(body=svg, content_type="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP})
    scope = "agents" if kind.startswith("agents") else "shops"
    rows = data[scope]
    labels = [names.get(r["id"], r["id"]) for r in rows]
    if kind.endswith("rates"):
        svg = charts.rates_chart("回复率 %", labels, [r["reply_rate_30s"] for r in rows],
                                 [r["reply_rate_3m"] for r in rows])
    elif kind.endswith("times"):
        svg = charts.times_chart("响应时间 s", labels, [r["first_response_avg_s"] for r in rows],
                                 [r["avg_response_s"] for r in rows])
    elif kind == "shops-share":
        answered = sum((r.get("bot") or {}).get("answered", 0) for r in rows)
        handed = sum(r["conversations"] for r in rows)
        svg = charts.share_chart("机器人 / 转人工", answered, handed)
    else:
        raise web.HTTPNotFound()
    return web.Response(body=svg, content_type="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP})


def routes() -> list[web.RouteDef]:
    return [web.get("/dashboard", dashboard_page), web.get("/dashboard.csv", dashboard_csv),
            web.get(r"/dashboard/chart/{kind:(agents|shops)-(rates|times|share)}.svg", chart),
            web.get(r"/dashboard/chart/{kind:hours-(rate|conversations|queue)|reply-times}.svg", chart)]
