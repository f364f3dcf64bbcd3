"""The `livedesk` command (also `python -m bot`).

    livedesk sandbox            the bot against the built-in Telegram emulator + web page
    livedesk run                the bot on real Telegram, all in one process (ingest + worker)
    livedesk ingest             only receive updates into Redis (one per bot)
    livedesk worker             only handle updates from Redis (as many as you like)
    livedesk dead-letters ...   updates given up on: list, retry, drop
    livedesk check              load every data file and template; report file:line problems
    livedesk templates lint     render every template with sample data and check the wording
    livedesk intents eval       accuracy of the intent matcher on the labelled set
    livedesk promo ...          promotion rules: check, explain a cart
    livedesk sla ...            service-level reports
    livedesk doctor             check token, reachability, chat rights, Redis and data
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.runtime.app import Runtime, build_runtime, make_bot
from bot.clock import SystemClock
from bot.config import DEFAULT_REDIS_URL, PROJECT_ROOT, Settings
from bot.datafiles import DataFileError
from bot.knowledge.snapshot import KnowledgeHolder, load_knowledge
from bot.runtime.log_masking import configure_logging
from bot.cli.promo import promo_app
from bot.cli.sla import sla_app
from bot.cli.dead_letters import dead_letters_app
from bot.runtime.process import Roles

log = logging.getLogger("livedesk")
console = Console()
err_console = Console(stderr=True)

app = typer.Typer(help="livedesk: the customer-service bot for livestream shops.",
                  no_args_is_help=True, add_completion=False)
templates_app = typer.Typer(help="Answer templates.", no_args_is_help=True)
intents_app = typer.Typer(help="Understanding buyers.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")
app.add_typer(intents_app, name="intents")
app.add_typer(promo_app, name="promo")
app.add_typer(sla_app, name="sla")
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

        redis = connect(settings.redis_url or DEFAULT_REDIS_URL, settings.runtime)
        bot = make_bot(token, settings.telegram_api_base)
        runtime = build_runtime(settings, bot=bot, redis=redis, clock=SystemClock(), holder=holder)
        try:
            await _serve(settings, runtime, roles, ready)
        finally:
            await redis.aclose()

    asyncio.run(main())


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
) -> None:
    """Run the real bot against the built-in Telegram emulator, with a web page to play in."""
    settings = Settings()
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
        redis = connect(settings.redis_url, settings.runtime) if settings.redis_url else embedded()
        bot = make_bot(SANDBOX_TOKEN, base)
        runtime = build_runtime(settings, bot=bot, redis=redis, clock=SystemClock(), holder=holder)
        try:
            await _serve(settings, runtime, Roles(ingest=True, work=True),
                         f"[bold green]livedesk sandbox:[/] open {base}/ in a browser (Ctrl-C stops it).")
        finally:
            await redis.aclose()
            await emulator.stop()

    asyncio.run(main())


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
                  f"{len(knowledge.lexicon.intents)} intents, locales {', '.join(knowledge.replies.locales)}.")


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
    console.print(f"[green]OK[/]: {count} templates in {', '.join(replies.locales)} render cleanly "
                  "and follow the service-language rules.")


@intents_app.command("eval")
def intents_eval(
    file: Annotated[Path, typer.Option(help="Labelled set (TSV)")] = PROJECT_ROOT / "tests" / "data" / "utterances.tsv",
    confusions: Annotated[int, typer.Option(help="How many confusions to list")] = 20,
    examples: Annotated[bool, typer.Option(help="Show an example message per confusion")] = True,
) -> None:
    """Accuracy in scope, share of confidently wrong answers, noise silence, confusions."""
    from bot.understanding.evaluation import evaluate, read_labelled

    knowledge = load_knowledge(Settings(), SystemClock().now())
    rows = read_labelled(file)
    report = evaluate(knowledge.matcher, rows)

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 100:.1f} %"

    table = Table(title=f"Intent matching on {file.name} ({len(rows)} messages)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row(f"correct in scope ({len(report.in_scope)})", pct(report.in_scope_accuracy), "≥ 95 %")
    table.add_row("confidently wrong (all rows)", pct(report.confidently_wrong_share), "≤ 2 %")
    table.add_row(f"live-room noise silent ({len(report.noise)})", pct(report.noise_silent_share), "100 %")
    table.add_row(f"out of scope asked back / handed off ({len(report.out_of_scope)})",
                  pct(report.out_of_scope_safe_share), "")
    for source, value in report.accuracy_by_source().items():
        table.add_row(f"  in scope, source {source}", pct(value), "")
    console.print(table)
    if confusions:
        listing = Table(title="Most frequent confusions (expected → got)")
        listing.add_column("expected")
        listing.add_column("got")
        listing.add_column("n", justify="right")
        if examples:
            listing.add_column("example")
        for (expected, got), n in report.confusions().most_common(confusions):
            example = next(o.row.text for o in report.outcomes
                           if o.row.intent == expected and o.predicted == got and not o.correct)
            listing.add_row(expected, got, str(n), *([example] if examples else []))
        console.print(listing)


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
