"""`livedesk archive export`: a buyer's or a day's chat, for a dispute or a shift handover.

An edge module: reads Redis (REDIS_URL/REDIS_PREFIX or --redis-url/--prefix) and writes
JSON lines or CSV, with phones, ID numbers and addresses masked on --mask.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from redis.asyncio import Redis

from bot.clock import SystemClock
from bot.config import DEFAULT_REDIS_URL, Settings
from bot.customers.archive import ChatArchive, export
from bot.shop.catalog import load_catalog

archive_app = typer.Typer(name="archive", no_args_is_help=True, help="The chat archive (聊天记录).")


async def _export(url: str, prefix: str, retention_days: int, buyer: int | None, day: date | None,
                  fmt: str, masked: bool) -> str:
    settings = Settings()
    zone = load_catalog(settings.shop_dir, datetime.now(UTC)).timezone
    redis = Redis.from_url(url)
    try:
        archive = ChatArchive(redis, prefix, SystemClock(), timedelta(days=retention_days), zone)
        messages = await archive.of_buyer(buyer) if buyer is not None else await archive.of_day(day)  # type: ignore[arg-type]
        return export(messages, fmt, masked=masked)
    finally:
        await redis.aclose()


@archive_app.command("export")
def export_command(
    buyer: Annotated[int | None, typer.Option("--buyer", help="One buyer's chat (Telegram id)")] = None,
    day: Annotated[str | None, typer.Option("--day", help="Every chat of one shop-time day, e.g. 2026-11-23")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    masked: Annotated[bool, typer.Option("--mask", help="Mask phone numbers, ID numbers and addresses")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: stdout)")] = None,
    redis_url: Annotated[str | None, typer.Option("--redis-url", help="Overrides REDIS_URL")] = None,
    prefix: Annotated[str | None, typer.Option("--prefix", help="Overrides REDIS_PREFIX")] = None,
) -> None:
    """Write the archived messages with time and author (buyer, bot, agent)."""
    if (buyer is None) == (day is None):
        raise typer.BadParameter("give --buyer ID or --day DATE (one of them)")
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("jsonl or csv", param_hint="--format")
    try:
        when = date.fromisoformat(day) if day else None
    except ValueError:
        raise typer.BadParameter(f"{day!r} is not a date like 2026-11-23", param_hint="--day") from None
    settings = Settings()
    text = asyncio.run(_export(redis_url or settings.redis_url or DEFAULT_REDIS_URL, prefix or settings.redis_prefix,
                               settings.archive_retention_days, buyer, when, fmt, masked))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
