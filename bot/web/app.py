"""The console's aiohttp application, and the assembly `livedesk web` and the sandbox share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files

from aiohttp import web
from redis.asyncio import Redis

from bot.aftersales.cases import CaseStore
from bot.clock import Clock
from bot.config import Settings
from bot.customers.card import CardRecords
from bot.customers.records import CustomerRecords
from bot.customers.store import CustomerStore
from bot.handoff.agent_desk import AgentDesk
from bot.handoff.stores import HandoffStores
from bot.knowledge.snapshot import KnowledgeHolder
from bot.shop.orders import DemoOrders
from bot.sla.report import SlaReporter
from bot.web.actions import DeskActions
from bot.web.context import CONSOLE, Console
from bot.web.editing import EditLog
from bot.web.pages import conversation, dashboard, login, promotions, queue, templates
from bot.web.reading import ConsoleReader
from bot.web.rendering import page_environment
from bot.web.security import security_headers, signed_in
from bot.web.sessions import SessionStore
from bot.web.settings import WebSettings


def build_console(settings: Settings, web_settings: WebSettings, *, token: str, agent_desk: AgentDesk,
                  handoff: HandoffStores,
                  holder: KnowledgeHolder, redis: Redis, clock: Clock,
                  sandbox_people: list[tuple[int, str]] | None = None,
                  on_saved: Callable[[], Awaitable[None]] | None = None) -> Console:
    """Everything the pages need, from the bot's own pieces (the desk and stores are the
    running bot's in the sandbox, or built for the web process)."""
    prefix = settings.redis_prefix
    records = CustomerRecords(CustomerStore(redis, prefix, clock), DemoOrders(lambda: holder.current.catalog.orders),
                              CaseStore(redis, prefix, clock))
    return Console(settings=settings, web=web_settings, holder=holder, redis=redis, clock=clock, token=token,
                   sessions=SessionStore(redis, prefix, web_settings.session_ttl_s),
                   reader=ConsoleReader(handoff, CardRecords(records, clock)),
                   actions=DeskActions(agent_desk, holder),
                   reporter=SlaReporter(redis, settings.sla, prefix), edits=EditLog(redis, prefix),
                   pages=page_environment(), sandbox_people=sandbox_people or [], on_saved=on_saved)


async def _home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/queue")


def make_app(console: Console) -> web.Application:
    app = web.Application(middlewares=[security_headers, signed_in], client_max_size=2 * 1024 * 1024)
    app[CONSOLE] = console
    app.add_routes([web.get("/", _home)])
    app.add_routes(login.routes(sandbox=bool(console.sandbox_people)))
    for page in (queue, conversation, dashboard, promotions, templates):
        app.add_routes(page.routes())
    app.router.add_static("/static/", str(files("bot.web") / "static"))
    return app
