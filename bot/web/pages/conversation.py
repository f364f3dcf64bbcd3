"""Conversation: the thread with times, the context card, and the agent's actions.

Reply (service-language check first: a forbidden word shows the reason and a compliant
alternative and nothing is sent), quick replies, transfer, hand back, close with the survey:
the same desk actions as in the Telegram topic (through bot.web.actions).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.handoff.model import Conversation
from bot.handoff.views import card_view
from bot.web.actions import ActionResult, Outcome, may_act, quick_keys
from bot.web.context import console_of, person_of
from bot.web.rendering import render


async def _load(request: web.Request) -> Conversation:
    console = console_of(request)
    conversation = await console.reader.get(int(request.match_info["id"]))
    if conversation is None:
        raise web.HTTPNotFound(text="no such conversation")
    person = person_of(request)
    if not person.sees_everyone and not may_act(person, conversation):
        raise web.HTTPForbidden(text="this conversation is another agent's")
    return conversation


async def _messages(request: web.Request, conversation: Conversation) -> list[dict[str, Any]]:
    console = console_of(request)
    catalog = console.holder.current.catalog
    names = {s.id: s.name for s in catalog.staff.values()}
    return [{"role": str(m.role), "text": m.text, "at": m.at.astimezone(catalog.timezone),
             "who": conversation.buyer_name if str(m.role) == "buyer" else names.get(m.sender_id, "")}
            for m in await console.reader.thread(conversation.id)]


async def thread(request: web.Request) -> web.Response:
    """The thread alone, polled by static/conversation.js so new messages appear."""
    conversation = await _load(request)
    return render(request, "conversation_thread.html", messages=await _messages(request, conversation))


async def _page(request: web.Request, conversation: Conversation, status: int = 200,
                **extra: Any) -> web.Response:
    console = console_of(request)
    catalog = console.holder.current.catalog
    names = {s.id: s.name for s in catalog.staff.values()}
    card = card_view(catalog, conversation, await console.reader.history(conversation.buyer_id),
                     conversation.stage_sku, names,
                     customer=await console.reader.customer(console.holder.current, conversation.buyer_id))
    messages = await _messages(request, conversation)
    agents = [{"id": s.id, "name": s.name} for s in catalog.staff.values() if catalog.is_agent(s.id)]
    shops = [{"id": s.id, "name": s.name} for s in catalog.shops.values()]
    extra.setdefault("draft", "")
    extra.setdefault("held", None)
    return render(request, "conversation.html", status=status, c=conversation, card=card, messages=messages,
                  quick=quick_keys(console.actions.knowledge), agents=agents, shops=shops,
                  may_act=may_act(person_of(request), conversation),
                  refresh_ms=int(console.web.queue_refresh_s * 1000), **extra)


async def conversation_page(request: web.Request) -> web.Response:
    return await _page(request, await _load(request))


def _after(conversation: Conversation, result: ActionResult) -> web.Response:
    if result.outcome is Outcome.not_yours:
        raise web.HTTPForbidden(text="another agent holds this conversation")
    raise web.HTTPFound(f"/c/{conversation.id}?m={result.outcome}")


async def reply(request: web.Request) -> web.Response:
    conversation = await _load(request)
    text = str((await request.post()).get("text", "")).strip()
    if not text:
        raise web.HTTPFound(f"/c/{conversation.id}")
    result = await console_of(request).actions.reply(person_of(request), conversation, text)
    if result.outcome is Outcome.held:
        return await _page(request, conversation, status=422, draft=text, held=result)
    return _after(conversation, result)


async def check_text(request: web.Request) -> web.Response:
    """The reply box checks as the agent types (static/conversation.js)."""
    text = str((await request.post()).get("text", ""))
    result = console_of(request).actions.language_check(text)
    return web.json_response({"ok": result is None, "problems": result.problems if result else [],
                              "alternative": result.alternative if result else None})


async def quick(request: web.Request) -> web.Response:
    conversation = await _load(request)
    key = str((await request.post()).get("key", ""))
    return _after(conversation, await console_of(request).actions.quick_reply(person_of(request), conversation, key))


async def transfer(request: web.Request) -> web.Response:
    conversation = await _load(request)
    target = str((await request.post()).get("target", "")).strip()
    return _after(conversation, await console_of(request).actions.transfer(person_of(request), conversation, target))


async def hand_back(request: web.Request) -> web.Response:
    conversation = await _load(request)
    return _after(conversation, await console_of(request).actions.hand_back(person_of(request), conversation))


async def close(request: web.Request) -> web.Response:
    conversation = await _load(request)
    return _after(conversation, await console_of(request).actions.close(person_of(request), conversation))


def routes() -> list[web.RouteDef]:
    return [web.get(r"/c/{id:\d+}", conversation_page), web.get(r"/c/{id:\d+}/thread", thread),
            web.post(r"/c/{id:\d+}/reply", reply),
            web.post(r"/c/{id:\d+}/quick", quick), web.post(r"/c/{id:\d+}/transfer", transfer),
            web.post(r"/c/{id:\d+}/back", hand_back), web.post(r"/c/{id:\d+}/close", close),
            web.post("/check-text", check_text)]
