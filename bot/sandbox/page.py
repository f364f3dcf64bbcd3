"""The sandbox web page and its JSON API: a person plays buyers and agents in a browser.

The page (static/index.html, app.js, style.css; no build step, no CDN) shows the live
room, the chosen person's private chat with the bot and the agents' forum group side by
side. It talks to these endpoints, all JSON:

GET  /sandbox/api/state
     Snapshot: {"bot", "chats": {"live_room", "agents"}, "people": [...], "topics": [...],
     "messages": [...last 300 per chat...], "seq", "stats"}. Message views are described
     in `ChatLog.message_view`.
GET  /sandbox/api/events?since=SEQ&timeout=SECONDS
     Long poll (timeout default 25, max 55): answers as soon as anything newer than SEQ
     happened. {"seq", "events": [...], "reset": bool, "stats"}. Event types: "message"
     (new or changed message view: upsert by chat_id + message_id), "topic", "person",
     "toast" (answerCallbackQuery text), "press", "call" (a bot call, for the dashboard).
     "reset": true means the page fell behind the kept history and must reload the state.
POST /sandbox/api/send      {"chat_id", "user_id", "text", "thread_id"?, "reply_to"?,
                             "photo"?: bool, "language_code"?}
     The person writes; the bot receives it as an Update. → {"ok", "message"}
POST /sandbox/api/press     {"chat_id", "user_id", "message_id", "data"}
     The person taps an inline button (callback_query). → {"ok", "callback_query"}
POST /sandbox/api/people    {"language_code"?, "name"?}  → {"ok", "person"}: a new buyer.
POST /sandbox/api/language  {"user_id", "language_code"} → {"ok", "person"}
POST /sandbox/api/topics/delete {"chat_id", "thread_id"}  → {"ok"}: delete a topic by hand,
     to show the bot re-creating it.
Errors answer 400 with {"ok": false, "error": "..."}. Requests from another site's page
(an Origin other than this server) or by a host name that is not this sandbox (DNS
rebinding) answer 403 with the reason (bot/sandbox/origin_guard.py).
"""

from __future__ import annotations

import json
import logging
from importlib.resources import files
from typing import Any

from aiohttp import web

from bot.sandbox.state import TelegramState

log = logging.getLogger(__name__)

SNAPSHOT_MESSAGES_PER_CHAT = 300
MAX_EVENTS_TIMEOUT = 55.0


def static_dir() -> Any:
    """The page's files, found through the package so an installed wheel works too."""
    return files("bot.sandbox") / "static"


def stats_view(state: TelegramState) -> dict[str, Any]:
    s = state.stats
    return {"updates": s.updates, "pending": len(state.updates.pending_updates), "polls": s.polls,
            "bot_calls": s.bot_calls, "bot_sends": s.bot_sends, "errors": s.errors,
            "last_errors": s.last_errors}


def snapshot(state: TelegramState) -> dict[str, Any]:
    chats: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    for group in state.chats.groups.values():
        if group.role:
            chats[group.role] = group.to_chat()
    chat_ids = list(state.chats.groups) + list(state.chats.people)
    for chat_id in chat_ids:
        messages.extend(state.chat_log.messages(chat_id)[-SNAPSHOT_MESSAGES_PER_CHAT:])
    return {
        "bot": state.chats.bot_user,
        "chats": chats,
        "people": [p.to_view() for p in state.chats.people.values()],
        "topics": [t.to_view() for t in state.chat_log.topics.values()],
        "messages": messages,
        "seq": state.feed.seq,
        "stats": stats_view(state),
    }


class _BadInput(ValueError):
    pass


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, json.JSONDecodeError):
        raise _BadInput("the body must be JSON") from None
    if not isinstance(body, dict):
        raise _BadInput("the body must be a JSON object")
    return body


def _int(body: dict[str, Any], key: str) -> int:
    value = _opt_int(body, key)
    if value is None:
        raise _BadInput(f"{key} is required")
    return value


def _opt_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _BadInput(f"{key} must be a number") from None


def _fail(reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=400, dumps=_dumps)


def _ok(**payload: Any) -> web.Response:
    return web.json_response({"ok": True, **payload}, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def page_routes(state: TelegramState) -> list[web.RouteDef]:
    """The page, its static files and the /sandbox/api endpoints for one state."""

    async def index(request: web.Request) -> web.Response:
        html = (static_dir() / "index.html").read_text(encoding="utf-8")
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        types = {".js": "application/javascript", ".css": "text/css", ".html": "text/html"}
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        if "/" in name or name.startswith(".") or suffix not in types:
            raise web.HTTPNotFound()
        resource = static_dir() / name
        if not resource.is_file():
            raise web.HTTPNotFound()
        return web.Response(text=resource.read_text(encoding="utf-8"),
                            content_type=types[suffix], charset="utf-8")

    async def get_state(request: web.Request) -> web.Response:
        return web.json_response(snapshot(state), dumps=_dumps)

    async def events(request: web.Request) -> web.Response:
        try:
            since = int(request.query.get("since", "0"))
            timeout = min(MAX_EVENTS_TIMEOUT, float(request.query.get("timeout", "25")))
        except ValueError:
            return _fail("since and timeout must be numbers")
        if since >= state.feed.seq and not state.updates.closing:
            await state.feed.changed.wait(timeout)
        found, reset = state.feed.events_since(since)
        return web.json_response({"seq": state.feed.seq, "events": found, "reset": reset,
                                  "stats": stats_view(state)}, dumps=_dumps)

    async def send(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            chat_id, user_id = _int(body, "chat_id"), _int(body, "user_id")
            if body.get("language_code"):
                state.chats.set_language(user_id, str(body["language_code"]))
            message = state.user_sends(
                chat_id, user_id, str(body.get("text") or ""),
                reply_to=_opt_int(body, "reply_to"),
                thread_id=_opt_int(body, "thread_id"),
                photo=bool(body.get("photo")),
            )
        except (_BadInput, LookupError, ValueError) as exc:
            return _fail(str(exc))
        stored = state.chat_log.stored(chat_id, message["message_id"])
        return _ok(message=state.chat_log.message_view(stored) if stored else message)

    async def press(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            chat_id, user_id = _int(body, "chat_id"), _int(body, "user_id")
            message_id = _int(body, "message_id")
            query = state.press_button(chat_id, user_id, message_id, str(body.get("data") or ""))
        except (_BadInput, LookupError) as exc:
            return _fail(str(exc))
        return _ok(callback_query=query)

    async def new_person(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
        except _BadInput as exc:
            return _fail(str(exc))
        person = state.chats.new_buyer(language_code=str(body.get("language_code") or "zh-hans"),
                                 name=body.get("name") or None)
        log.info("sandbox: new buyer %s (%s)", person.name, person.id)
        return _ok(person=person.to_view())

    async def language(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            user_id = _int(body, "user_id")
            state.chats.set_language(user_id, str(body.get("language_code") or "zh-hans"))
        except (_BadInput, LookupError) as exc:
            return _fail(str(exc))
        return _ok(person=state.chats.person(user_id).to_view())

    async def delete_topic(request: web.Request) -> web.Response:
        try:
            body = await _body(request)
            chat_id, thread_id = _int(body, "chat_id"), _int(body, "thread_id")
            state.chat_log.delete_topic(chat_id, thread_id)
        except (_BadInput, LookupError) as exc:
            return _fail(str(exc))
        return _ok()

    return [
        web.get("/", index),
        web.get("/sandbox/static/{name}", static),
        web.get("/sandbox/api/state", get_state),
        web.get("/sandbox/api/events", events),
        web.post("/sandbox/api/send", send),
        web.post("/sandbox/api/press", press),
        web.post("/sandbox/api/people", new_person),
        web.post("/sandbox/api/language", language),
        web.post("/sandbox/api/topics/delete", delete_topic),
    ]
