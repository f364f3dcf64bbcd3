"""Rendering console pages: one Jinja environment (autoescaped, package templates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from aiohttp import web

from bot.web.context import PERSON, SESSION, console_of

FLASH = {
    "done": "已完成。",
    "saved": "已保存；正在运行的机器人会自动加载。",
    "closed": "会话已结束。",
    "refused": "未能完成：目标无效。",
}
"""Short notices after an action (the action's outcome comes back as ?m=)."""


def page_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("bot.web", "templates"),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["hm"] = lambda at: at.strftime("%H:%M:%S") if isinstance(at, datetime) else ""
    return env


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    console = console_of(request)
    person = request.get(PERSON)
    session = request.get(SESSION)
    text = console.pages.get_template(template).render(
        person=person, csrf=session.csrf if session else "", flash=FLASH.get(request.query.get("m", ""), ""),
        path=request.path, **context)
    return web.Response(text=text, status=status, content_type="text/html")
