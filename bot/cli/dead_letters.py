"""`livedesk dead-letters`: updates the workers gave up on — list them, handle again, drop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bot.config import DEFAULT_REDIS_URL, Settings
from bot.runtime.keys import RuntimeKeys
from bot.runtime.redis_connection import connect
from bot.runtime.streams import DeadLetter, UpdateStreams

T = TypeVar("T")
console = Console()
dead_letters_app = typer.Typer(help="Updates given up on after the configured attempts.", no_args_is_help=True)

Which = Annotated[list[str] | None, typer.Argument(help="Dead-letter ids (from `list`); none = all")]


def _summary(letter: DeadLetter) -> str:
    update = json.loads(letter.raw)
    message = update.get("message") or {}
    return (message.get("text") or message.get("caption") or next((k for k in update if k != "update_id"), ""))[:60]


async def _with_streams(action: Callable[[UpdateStreams], Awaitable[T]]) -> T:
    settings = Settings()
    redis = connect(settings.redis_url or DEFAULT_REDIS_URL, settings.runtime)
    try:
        return await action(UpdateStreams(redis, RuntimeKeys(settings.redis_prefix,
                                                              settings.runtime.stream_partitions)))
    finally:
        await redis.aclose()


def _pick(letters: list[DeadLetter], ids: list[str] | None) -> list[DeadLetter]:
    if not ids:
        return letters
    wanted = set(ids)
    unknown = wanted - {l.entry_id for l in letters}
    if unknown:
        console.print(f"[red]no such dead letter: {', '.join(sorted(unknown))}[/]")
        raise typer.Exit(1)
    return [l for l in letters if l.entry_id in wanted]


@dead_letters_app.command("list")
def list_() -> None:
    """Show every dead letter: id, update, attempts, reason."""
    letters: list[DeadLetter] = asyncio.run(_with_streams(lambda s: s.dead_letters()))
    table = Table(title=f"{len(letters)} dead letter(s)")
    for column in ("id", "update", "attempts", "reason", "message"):
        table.add_column(column)
    for l in letters:
        table.add_row(l.entry_id, str(l.update_id), str(l.attempts), l.reason[:80], _summary(l))
    console.print(table)


@dead_letters_app.command()
def retry(ids: Which = None) -> None:
    """Put dead letters back in their stream to be handled again (after fixing the cause)."""

    async def act(streams: UpdateStreams) -> int:
        chosen = _pick(await streams.dead_letters(), ids)
        return sum([await streams.retry_dead(l) for l in chosen])

    console.print(f"{asyncio.run(_with_streams(act))} dead letter(s) sent back to be handled again.")


@dead_letters_app.command()
def drop(ids: Which = None) -> None:
    """Delete dead letters for good."""

    async def act(streams: UpdateStreams) -> int:
        chosen = _pick(await streams.dead_letters(), ids)
        return sum([await streams.drop_dead(l) for l in chosen])

    console.print(f"{asyncio.run(_with_streams(act))} dead letter(s) dropped.")
