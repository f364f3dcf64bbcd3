"""The `livedesk` command (also `python -m bot`).

    livedesk sandbox            the bot against the built-in Telegram emulator + web page
    livedesk run                the bot on real Telegram, all in one process (ingest + worker)
    livedesk ingest             only receive updates into Redis (one per bot)
    livedesk worker             only handle updates from Redis (as many as you like)
    livedesk dead-letters ...   updates given up on: list, retry, drop
    livedesk check              load every data file and template; report file:line problems
    livedesk templates lint     render every template with sample data and check the wording
    livedesk intents eval|try   how well the topic model reads buyers; how it reads one message
    livedesk promo ...          promotion rules: check, explain a cart
    livedesk sla ...            service-level reports
    livedesk returns decide     what the shop's after-sales policy decides for a return
    livedesk customers ...      customer records: show one, export all as CSV
    livedesk archive export     a buyer's or a day's chat as JSON lines or CSV, masked on request
    livedesk doctor             check token, reachability, chat rights, Redis and data
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from bot.cli.archive import archive_app
from bot.cli.customers import customers_app
from bot.cli.dead_letters import dead_letters_app
from bot.cli.intents import intents_app
from bot.cli.promo import promo_app
from bot.cli.redis_access import UNREACHABLE_EXIT_CODE, RedisUnreachable, announce, ensure_reachable
from bot.cli.returns import returns_app
from bot.cli.sla import sla_app
from bot.cli.web import register as register_web
from bot.clock import SystemClock
from bot.config import DEFAULT_REDIS_URL, Settings, sandbox_settings
from bot.datafiles import DataFileError
from bot.knowledge.snapshot import KnowledgeHolder, load_knowledge
from bot.runtime.app import Runtime, build_runtime, make_bot
from bot.runtime.log_masking import configure_logging
from bot.runtime.process import Roles

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger("livedesk")
console = Console()
err_console = Console(stderr=True)

app = typer.Typer(help="livedesk: the customer-service bot for livestream shops.",
                  no_args_is_help=True, add_completion=False)
templates_app = typer.Typer(help="Answer templates.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")
app.add_typer(intents_app, name="intents")
app.add_typer(promo_app, name="promo")
app.add_typer(sla_app, name="sla")
register_web(app)
app.add_typer(returns_app, name="returns")
app.add_typer(customers_app, name="customers")
app.add_typer(archive_app, name="archive")
app.add_typer(dead_letters_app, name="dead-letters")


def _print_problems(exc: DataFileError) -> None:
    err_console.print(f"[bold red]{len(exc.errors)} problem(s) in the data files:[/]")
    for problem in exc.errors:
        err_console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)


def _load_holder(settings: Settings) -> KnowledgeHolder:
    try:
        return KnowledgeHolder.load(settings, SystemClock())
    except DataFileError as exc:
        _print_problems(exc)
        err_console.print("[red]Refusing to start: fix the files above (or run `livedesk check`).[/]")
        raise typer.Exit(1) from None


async def _serve(settings: Settings, runtime: Runtime, roles: Roles, on_ready: str | None = None) -> None:
    """Serve the given roles until SIGINT/SIGTERM; SIGHUP reloads data; data folders are watched."""
    from bot.knowledge.watcher import watch
    from bot.runtime.process import serve
    from bot.telegram.webhook import webhook_secret

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task[None]] = set()

    def reload_now() -> None:
        task = loop.create_task(runtime.reload_and_report())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload_now)
    watcher = loop.create_task(watch([settings.shop_dir, settings.templates_dir, settings.promo_dir],
                                     runtime.reload_and_report)) if roles.work else None

    def ready(metrics_port: int | None) -> None:
        if on_ready:
            console.print(on_ready)
        if metrics_port is not None:
            log.info("serving /metrics and /healthz on port %s", metrics_port)

    try:
        await serve(runtime, roles, stop, webhook_secret(settings) if settings.webhook_url else None, ready)
    finally:
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        await runtime.close()


def _run_with_redis(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a command's event loop; an unreachable Redis ends it with one line, exit 1."""
    try:
        asyncio.run(main())
    except RedisUnreachable as exc:
        err_console.print(str(exc), markup=False, highlight=False, style="red", soft_wrap=True)
        raise typer.Exit(UNREACHABLE_EXIT_CODE) from None


def _require_token(settings: Settings) -> str:
    if settings.bot_token is None:
        err_console.print("[red]BOT_TOKEN is not set.[/] Get a token from @BotFather and run "
                          "`BOT_TOKEN=123:abc livedesk run` (or try `livedesk sandbox` without one).")
        raise typer.Exit(2)
    return settings.bot_token.get_secret_value()


def _run_roles(roles: Roles, ready: str) -> None:
    settings = Settings()
    configure_logging(settings.log_level)
    token = _require_token(settings)
    holder = _load_holder(settings)

    async def main() -> None:
        from bot.runtime.redis_connection import connect

        url = settings.redis_url or DEFAULT_REDIS_URL
        announce(err_console, url, settings.redis_prefix)
        redis = connect(url, settings.runtime)
        try:
            await ensure_reachable(redis, url)
            bot = make_bot(token, settings.telegram_api_base)
            runtime = build_runtime(settings, bot=bot, redis=redis, clock=SystemClock(), holder=holder)
            await _serve(settings, runtime, roles, ready)
        finally:
            await redis.aclose()

    _run_with_redis(main)


@app.command()
def run() -> None:
    """All in one process: ingest + worker (long polling, or a webhook when WEBHOOK_URL is set)."""
    _run_roles(Roles(ingest=True, work=True), "livedesk is running; Ctrl-C stops it.")


@app.command()
def ingest() -> None:
    """Only receive updates and keep them in Redis (run exactly one; needs BOT_TOKEN)."""
    _run_roles(Roles(ingest=True, work=False), "livedesk ingest is running; Ctrl-C stops it.")


@app.command()
def worker() -> None:
    """Only handle updates kept in Redis (run as many as you like, on any machines)."""
    _run_roles(Roles(ingest=False, work=True), "livedesk worker is running; Ctrl-C stops it.")


@app.command()
def sandbox(
    port: Annotated[int | None, typer.Option(help="Port of the sandbox page and emulated Bot API")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    console_port: Annotated[int | None, typer.Option(help="Port of the web console (default: port + 1)")] = None,
) -> None:
    """Run the real bot against the built-in Telegram emulator, with a web page to play in,
    and the web console beside it (sign in as any staff member, signed with the emulator's token)."""
    settings = sandbox_settings(Settings())
    configure_logging(settings.log_level)
    holder = _load_holder(settings)

    async def main() -> None:
        from bot.runtime.redis_connection import connect, embedded
        from bot.sandbox import SANDBOX_TOKEN, Emulator, demo_world, people_from_records

        catalog = holder.current.catalog
        world = demo_world(settings.live_room_chat_id, settings.agents_chat_id,
                           people_from_records(catalog.buyers.values(), catalog.staff.values()))
        emulator = Emulator(world, host=host or settings.sandbox_host,
                            port=settings.sandbox_port if port is None else port)
        try:
            base = await emulator.start()
        except OSError as exc:
            err_console.print(f"[red]Cannot listen on {emulator.host}:{emulator.port}: {exc.strerror}.[/] "
                              "Use --port to pick another port.")
            raise typer.Exit(1) from None
        announce(err_console, settings.redis_url, settings.redis_prefix)
        redis = connect(settings.redis_url, settings.runtime) if settings.redis_url else embedded()
        console_runner: web.AppRunner | None = None
        try:
            if settings.redis_url:
                await ensure_reachable(redis, settings.redis_url)
            bot = make_bot(SANDBOX_TOKEN, base)
            chosen = emulator.port + 1 if console_port is None else console_port
            console_url = f"http://{emulator.host}:{chosen}"
            played = settings.model_copy(update={"web_public_url": settings.web_public_url or console_url})
            runtime = build_runtime(played, bot=bot, redis=redis, clock=SystemClock(), holder=holder)
            console_runner = await _sandbox_console(settings, runtime, emulator.host, chosen)
            await _serve(settings, runtime, Roles(ingest=True, work=True),
                         f"[bold green]livedesk sandbox:[/] open {base}/ in a browser, the console at "
                         f"{console_url}/ (Ctrl-C stops it).")
        finally:
            if console_runner is not None:
                await console_runner.cleanup()
            await redis.aclose()
            await emulator.stop()

    _run_with_redis(main)


async def _sandbox_console(settings: Settings, runtime: Runtime, host: str, port: int) -> web.AppRunner:
    """The web console beside the sandbox page, signing in through the same check as
    production with data signed by the emulator's token (/console in the bot links to it)."""
    from bot.cli.web import serve_console
    from bot.sandbox import SANDBOX_TOKEN
    from bot.web.app import build_console, make_app
    from bot.web.settings import WebSettings

    staff = [(s.id, s.name) for s in runtime.holder.current.catalog.staff.values()]
    deps = build_console(settings, WebSettings(), token=SANDBOX_TOKEN, agent_desk=runtime.agent_desk,
                         handoff=runtime.handoff, holder=runtime.holder,
                         redis=runtime.redis, clock=SystemClock(), sandbox_people=staff,
                         on_saved=runtime.reload_and_report)
    return await serve_console(make_app(deps), host, port)


@app.command()
def check() -> None:
    """Load the catalogue, promotion rules, vocabulary and templates; exit 1 on any problem."""
    settings = Settings()
    try:
        knowledge = load_knowledge(settings, SystemClock().now())
    except DataFileError as exc:
        _print_problems(exc)
        raise typer.Exit(1) from None
    console.print(f"[green]OK[/]: {len(knowledge.catalog.shops)} shops, {len(knowledge.catalog.products)} "
                  f"products, {len(knowledge.catalog.orders)} orders, {len(knowledge.rules)} promotion rules, "
                  f"{len(knowledge.topics.topics)} topics, locales {', '.join(knowledge.replies.locales)}.")


@templates_app.command("lint")
def templates_lint(
    directory: Annotated[Path | None, typer.Argument(help="Templates folder (default: configured)")] = None,
) -> None:
    """Render every template with sample data; check Jinja errors, variables and wording."""
    settings = Settings() if directory is None else Settings(templates_dir=directory)

    try:
        knowledge = load_knowledge(settings, SystemClock().now())
    except DataFileError as exc:
        _print_problems(exc)
        raise typer.Exit(1) from None
    replies = knowledge.replies
    count = sum(len(replies.template_names(locale)) for locale in replies.locales)
    for path in knowledge.unchecked_templates:
        err_console.print(f"warning: {path}: no sample answer reached it, so it was not checked "
                          "(unused, misnamed, or not reachable with this data)", markup=False, soft_wrap=True)
    for word in knowledge.untranslated:
        err_console.print(f"warning: no translation for {word!r}: answers in that locale show it as "
                          "written (add an `en:` field in shop/products.yaml or shop/shops.yaml)",
                          markup=False, soft_wrap=True)
    console.print(f"[green]OK[/]: {count} templates in {', '.join(replies.locales)} render cleanly "
                  "and follow the service-language rules.")


@app.command()
def doctor() -> None:
    """Check what a real deployment needs and say what to fix."""
    from bot.cli.doctor import run_checks

    ok = asyncio.run(run_checks(Settings(), console))
    raise typer.Exit(0 if ok else 1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
