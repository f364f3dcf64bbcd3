"""Queue: waiting and active conversations per shop, live (small polling of /queue/rows).

Wait times are coloured against the SLA: under 20 s ok, 20–30 s warn, over 30 s late.
Agents see their shops' waiting conversations and their own; supervisors and ops see all.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.handoff.model import Status
from bot.handoff.views import tier_of
from bot.web.actions import Outcome, may_act
from bot.web.auth import Person
from bot.web.context import console_of, person_of
from bot.web.reading import QueueRow
from bot.web.rendering import render

WARN_S, LATE_S = 20.0, 30.0


def wait_class(seconds: float | None) -> str:
    if seconds is None:
        return "answered"
    if seconds < WARN_S:
        return "ok"
    return "warn" if seconds <= LATE_S else "late"


def visible(person: Person, row: QueueRow) -> bool:
    return may_act(person, row.conversation)


async def _rows(request: web.Request) -> list[dict[str, Any]]:
    console = console_of(request)
    person = person_of(request)
    catalog = console.holder.current.catalog
    rows = await console.reader.open_conversations(catalog, console.clock.now())
    out = []
    for row in sorted(rows, key=lambda r: (r.conversation.shop, r.conversation.status is not Status.queued,
                                            r.conversation.priority, r.conversation.queued_at)):
        if not visible(person, row):
            continue
        c = row.conversation
        holder = catalog.staff.get(c.agent_id) if c.agent_id else None
        out.append({
            "id": c.id, "shop": catalog.shops[c.shop].name if c.shop in catalog.shops else c.shop,
            "buyer": c.buyer_name, "reason": c.reason, "tier": tier_of(catalog, c.buyer_id),
            "status": str(c.status), "waiting": None if row.waiting_s is None else int(row.waiting_s),
            "wait_class": wait_class(row.waiting_s),
            "holder": holder.name if holder else (str(c.agent_id) if c.agent_id else None),
            "can_take": c.agent_id is None and may_act(person, c),
        })
    return out


async def queue_page(request: web.Request) -> web.Response:
    return render(request, "queue.html", rows=await _rows(request),
                  refresh_ms=int(console_of(request).web.queue_refresh_s * 1000))


async def queue_rows(request: web.Request) -> web.Response:
    return render(request, "queue_rows.html", rows=await _rows(request))


async def take(request: web.Request) -> web.Response:
    console = console_of(request)
    conversation = await console.reader.get(int(request.match_info["id"]))
    if conversation is None:
        raise web.HTTPNotFound(text="no such conversation")
    result = await console.actions.take(person_of(request), conversation)
    if result.outcome is Outcome.not_yours:
        raise web.HTTPForbidden(text="another agent holds this conversation")
    raise web.HTTPFound(f"/c/{conversation.id}?m={result.outcome}")


def routes() -> list[web.RouteDef]:
    return [web.get("/queue", queue_page), web.get("/queue/rows", queue_rows),
            web.post(r"/c/{id:\d+}/take", take)]
