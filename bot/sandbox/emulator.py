"""The Telegram Bot API emulator: state + HTTP server, one object for the sandbox and tests.

`Emulator` is the state (chats, people, updates, recorded calls, control API) plus an
aiohttp application serving the Bot API and the sandbox page. A real `aiogram.Bot`
talks to it unchanged through `TelegramAPIServer.from_base(emulator.base_url)`, so
the sandbox, the end-to-end tests and the benchmark all run the production code path.

    async with Emulator() as emulator:          # binds 127.0.0.1 on a free port
        bot = Bot("123456:sandbox", session=AiohttpSession(
            api=TelegramAPIServer.from_base(emulator.base_url)))
        ...
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.sandbox.botapi import bot_api_routes
from bot.sandbox.origin_guard import origin_guard
from bot.sandbox.page import page_routes
from bot.sandbox.state import TelegramState

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "1000000001:sandbox-token"
"""A token the emulator accepts; its digits become the bot's user id."""


class Emulator(TelegramState):
    """The emulated Telegram with its server; see TelegramState for the control API.

    Constructor arguments are TelegramState's (world, clock, bot_username, ...) plus the
    default host and port for `start()`. Nothing listens until `start()` or `async with`.
    """

    def __init__(self, *args: Any, host: str = "127.0.0.1", port: int = 0,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def make_app(self) -> web.Application:
        """Bot API routes, the page and its JSON API; mountable in another app for tests."""
        app = web.Application(client_max_size=60 * 1024 * 1024,
                              middlewares=[origin_guard(lambda: self.host)])
        app.add_routes(bot_api_routes(self))
        app.add_routes(page_routes(self))
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _on_shutdown(self, app: web.Application) -> None:
        self.close()

    async def start(self, host: str | None = None, port: int | None = None) -> str:
        """Listen on host:port (port 0 picks a free one); returns `base_url`."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        self.updates.closing = False
        runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host or self.host, self.port if port is None else port)
        await site.start()
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self.host, self.port = str(bound_host), int(bound_port)
        log.info("emulator: Bot API and sandbox page on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """End long polls at once, then close the server."""
        self.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("emulator: stopped")

    @property
    def base_url(self) -> str:
        """For `TelegramAPIServer.from_base(...)`; also the page's address."""
        if self._runner is None:
            raise RuntimeError("emulator not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()
