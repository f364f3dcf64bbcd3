"""Dashboard: today and this natural week per agent and per shop, from the SLA reporter —
the same figures as `livedesk sla report --json` — with pygal charts and a CSV download.

An agent sees their own row and their shops; supervisors and ops see everyone.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web

from bot.sla.report import Report, report_to_json, today_and_week
from bot.web import charts
from bot.web.auth import Person
from bot.web.context import console_of, person_of
from bot.web.rendering import render
from bot.web.security import CHART_CSP

PERIODS = ("today", "week")
COLUMNS = ("scope", "id", "name", "rounds", "reply_rate_30s", "reply_rate_3m", "first_response_avg_s",
           "avg_response_s", "non_service_rate", "dissatisfaction_rate", "served", "conversations",
           "hold_without_followup", "repeated_reply", "bot_answered", "bot_answer_share")


async def _report(request: web.Request) -> tuple[str, dict[str, Any]]:
    console = console_of(request)
    which = request.query.get("period", "today")
    if which not in PERIODS:
        raise web.HTTPBadRequest(text="period is today or week")
    today, week = today_and_week(console.clock.now(), console.settings.sla)
    person = person_of(request)
    report: Report = await console.reporter.build(today if which == "today" else week)
    data = report_to_json(report)
    return which, _visible(person, data)


def _visible(person: Person, data: dict[str, Any]) -> dict[str, Any]:
    if person.sees_everyone:
        return data
    return {**data, "agents": [a for a in data["agents"] if a["id"] == str(person.user_id)],
            "shops": [s for s in data["shops"] if s["id"] in person.shops]}


def _names(request: web.Request) -> dict[str, str]:
    catalog = console_of(request).holder.current.catalog
    return {**{str(s.id): s.name for s in catalog.staff.values()}, **{s.id: s.name for s in catalog.shops.values()}}


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}s"


async def dashboard_page(request: web.Request) -> web.Response:
    which, data = await _report(request)
    return render(request, "dashboard.html", period=which, data=data, names=_names(request), pct=pct, secs=secs)


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


async def chart(request: web.Request) -> web.Response:
    _, data = await _report(request)
    names = _names(request)
    kind = request.match_info["kind"]
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
            web.get(r"/dashboard/chart/{kind:(agents|shops)-(rates|times|share)}.svg", chart)]
