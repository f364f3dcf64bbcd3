"""What the console's pages need, passed in once (no globals): built by `livedesk web`, the
sandbox and the tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import jinja2
from aiohttp import web
from redis.asyncio import Redis

from bot.clock import Clock
from bot.config import Settings
from bot.knowledge.snapshot import KnowledgeHolder
from bot.sla.report import SlaReporter
from bot.web.actions import DeskActions
from bot.web.auth import Person
from bot.web.editing import EditLog
from bot.web.reading import ConsoleReader
from bot.web.sessions import Session, SessionStore
from bot.web.settings import WebSettings


@dataclass
class Console:
    settings: Settings
    web: WebSettings
    holder: KnowledgeHolder
    redis: Redis
    clock: Clock
    token: str
    """The bot's token: sign-in data is verified with it."""
    sessions: SessionStore
    reader: ConsoleReader
    actions: DeskActions
    reporter: SlaReporter
    edits: EditLog
    pages: jinja2.Environment
    sandbox_people: list[tuple[int, str]] = field(default_factory=list)
    """In the sandbox: staff offered as "sign in as" buttons (signed with the emulator's token)."""
    on_saved: Callable[[], Awaitable[None]] | None = None
    """Called after an editor saved a file (the sandbox reloads at once; production has the watcher)."""


CONSOLE: web.AppKey[Console] = web.AppKey("console", Console)
PERSON: web.RequestKey[Person] = web.RequestKey("person", Person)
SESSION: web.RequestKey[Session] = web.RequestKey("session", Session)


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]


def person_of(request: web.Request) -> Person:
    return request[PERSON]


def session_of(request: web.Request) -> Session:
    return request[SESSION]
