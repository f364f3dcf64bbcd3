"""Template editor (ops): an answer template, rendered with the lint's sample data, the lint
result (Jinja errors, undefined variables, forbidden words, politeness) and an atomic,
recorded save. A draft with lint errors is never written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.datafiles import DataFileError
from bot.knowledge.snapshot import Knowledge, load_knowledge, template_samples
from bot.web.context import console_of, person_of
from bot.web.editing import (
    Problem,
    draft_folder,
    editable_files,
    problems_in,
    resolve,
)
from bot.web.rendering import render
from bot.web.security import need_ops

SUFFIXES = (".j2",)


def check_draft(settings: Settings, name: str, text: str, now: Any) -> tuple[list[Problem], list[str]]:
    """Problems of the whole template set with the draft in place, and the draft rendered
    with the sample data the lint uses (when it loads)."""
    with draft_folder(settings.templates_dir, name, text) as copy:
        try:
            knowledge = load_knowledge(settings.model_copy(update={"templates_dir": copy}), now)
        except DataFileError as exc:
            return problems_in(exc.errors, copy), []
        return [], rendered_samples(knowledge, copy, name, now)


def rendered_samples(knowledge: Knowledge, templates_dir: Path, name: str, now: Any, limit: int = 3) -> list[str]:
    locale, _, rest = name.partition("/")
    template = rest.removesuffix(".j2")
    out = []
    for sample in template_samples(knowledge, templates_dir, now):
        if sample.template == template:
            out.append(knowledge.render_message(locale, sample.message))
            if len(out) >= limit:
                break
    return out


def _file(request: web.Request, name: str) -> str:
    if resolve(console_of(request).settings.templates_dir, name, SUFFIXES) is None:
        raise web.HTTPNotFound(text="no such template")
    return name


async def _page(request: web.Request, name: str, text: str, status: int = 200, **extra: Any) -> web.Response:
    console = console_of(request)
    extra.setdefault("problems", [])
    extra.setdefault("rendered", [])
    extra.setdefault("checked", False)
    return render(request, "templates.html", status=status,
                  files=editable_files(console.settings.templates_dir, SUFFIXES), name=name, text=text,
                  edits=await console.edits.recent(5), **extra)


async def editor(request: web.Request) -> web.Response:
    need_ops(request)
    folder = console_of(request).settings.templates_dir
    files = editable_files(folder, SUFFIXES)
    name = _file(request, request.query.get("file", files[0] if files else ""))
    return await _page(request, name, (folder / name).read_text(encoding="utf-8"))


async def check(request: web.Request) -> web.Response:
    need_ops(request)
    console = console_of(request)
    form = await request.post()
    name, text = _file(request, str(form.get("file", ""))), str(form.get("text", ""))
    problems, rendered = await asyncio.to_thread(check_draft, console.settings, name, text, console.clock.now())
    return await _page(request, name, text, status=422 if problems else 200, problems=problems,
                       rendered=rendered, checked=True)


async def save(request: web.Request) -> web.Response:
    need_ops(request)
    console = console_of(request)
    form = await request.post()
    name, text = _file(request, str(form.get("file", ""))), str(form.get("text", ""))
    problems, _ = await asyncio.to_thread(check_draft, console.settings, name, text, console.clock.now())
    if problems:
        return await _page(request, name, text, status=422, problems=problems, checked=True, not_saved=True)
    await console.edits.save(console.settings.templates_dir / name, text, who=person_of(request).user_id,
                             name=name, kind="template", at=console.clock.now())
    if console.on_saved is not None:
        await console.on_saved()
    raise web.HTTPFound(f"/templates?file={name}&m=saved")


def routes() -> list[web.RouteDef]:
    return [web.get("/templates", editor), web.post("/templates/check", check),
            web.post("/templates/save", save)]
