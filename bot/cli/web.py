"""`livedesk web`: the console for agents, supervisors and ops (the Procfile's `web:` process).

It talks to the same Redis as the bot and acts through a desk of its own, whose messages go
out through Telegram like the bot's; relays it queues are delivered by the running bot's
relay worker. Data edits are written to the data folders, where the bot's watcher finds them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer
from aiohttp import web
from rich.console import Console

from bot.clock import SystemClock
from bot.config import DEFAULT_REDIS_URL, Settings
from bot.datafiles import DataFileError
from bot.knowledge.snapshot import KnowledgeHolder
from bot.runtime.log_masking import configure_logging

log = logging.getLogger(__name__)
console = Console()
err_console = Console(stderr=True)


async def serve_console(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def register(app: typer.Typer) -> None:
    """Mounted from bot/cli/main.py with one line."""

    @app.command("web")
    def web_command(
        port: Annotated[int | None, typer.Option(help="Port (default WEB_PORT or 8090)")] = None,
        host: Annotated[str | None, typer.Option(help="Address (default WEB_HOST or 127.0.0.1)")] = None,
    ) -> None:
        """Serve the web console (queue, conversations, dashboard, editors); needs BOT_TOKEN."""
        from bot.knowledge.watcher import watch
        from bot.runtime.app import build_runtime, make_bot
        from bot.runtime.redis_connection import connect
        from bot.web.app import build_console, make_app
        from bot.web.settings import WebSettings

        settings = Settings()
        web_settings = WebSettings()
        configure_logging(settings.log_level)
        if settings.bot_token is None:
            err_console.print("[red]BOT_TOKEN is not set[/]: sign-in is verified with the bot's token.")
            raise typer.Exit(2)
        try:
            holder = KnowledgeHolder.load(settings, SystemClock())
        except DataFileError as exc:
            for problem in exc.errors:
                err_console.print(f"  {problem}", markup=False)
            raise typer.Exit(1) from None

        async def main() -> None:
            token = settings.bot_token.get_secret_value()  # type: ignore[union-attr]
            redis = connect(settings.redis_url or DEFAULT_REDIS_URL)
            bot = make_bot(token, settings.telegram_api_base)
            runtime = build_runtime(settings, bot=bot, redis=redis, clock=SystemClock(), holder=holder)
            username = web_settings.bot_username or (await bot.me()).username
            console_deps = build_console(settings, web_settings.model_copy(update={"bot_username": username}),
                                         token=token, agent_desk=runtime.agent_desk, handoff=runtime.handoff,
                                         holder=holder, redis=redis,
                                         clock=SystemClock())
            runner = await serve_console(make_app(console_deps), host or web_settings.host,
                                         port or web_settings.port)
            console.print(f"[bold green]livedesk web:[/] http://{host or web_settings.host}:"
                          f"{port or web_settings.port}/ (Ctrl-C stops it)")

            async def reload() -> None:
                await holder.reload()

            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            watcher = asyncio.create_task(
                watch([settings.shop_dir, settings.templates_dir, settings.promo_dir], reload))
            try:
                await stop.wait()
            finally:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
                await runner.cleanup()
                await runtime.close()
                await redis.aclose()

        asyncio.run(main())
