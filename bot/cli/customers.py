"""`livedesk customers show | export`: a buyer's record, or every record as CSV.

An edge module: it loads the data files, connects to Redis (REDIS_URL, REDIS_PREFIX or
--redis-url/--prefix), and prints what `bot.customers.records` assembles.
"""

from __future__ import annotations

import asyncio
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from redis.asyncio import Redis
from rich.console import Console

from bot.aftersales.cases import CaseStore
from bot.clock import SystemClock
from bot.config import DEFAULT_REDIS_URL, Settings
from bot.customers.records import CustomerRecords, Record
from bot.customers.store import CustomerStore
from bot.customers.tiers import load_tier_rules
from bot.datafiles import DataFileError
from bot.money import format_yuan
from bot.promotions.loader import load_rules
from bot.shop.catalog import load_catalog
from bot.shop.orders import DemoOrders

CUSTOMERS_FILE = "customers.yaml"
EXPORT_COLUMNS = ("buyer", "name", "tier", "spend", "paid_orders", "last_paid_at", "auto_tags", "tags",
                  "notes", "orders", "cases")

customers_app = typer.Typer(name="customers", no_args_is_help=True, help="Customer records (客户档案).")

RedisOption = Annotated[str | None, typer.Option("--redis-url", help="Overrides REDIS_URL")]
PrefixOption = Annotated[str | None, typer.Option("--prefix", help="Overrides REDIS_PREFIX")]


async def _records(redis_url: str | None, prefix: str | None, buyers: list[int] | None) -> list[Record]:
    settings = Settings()
    now = datetime.now(UTC)
    try:
        catalog = load_catalog(settings.shop_dir, now)
        rules = load_rules(settings.promo_dir, catalog)
        tier_rules = load_tier_rules(settings.shop_dir / CUSTOMERS_FILE)
    except DataFileError as exc:
        for error in exc.errors:
            Console(stderr=True).print(str(error), markup=False)
        raise typer.Exit(1) from None
    redis = Redis.from_url(redis_url or settings.redis_url or DEFAULT_REDIS_URL)
    p = prefix or settings.redis_prefix
    clock = SystemClock()
    try:
        records = CustomerRecords(CustomerStore(redis, p, clock), DemoOrders.of(catalog.orders),
                                  CaseStore(redis, p, clock))
        ids = buyers if buyers is not None else await records.known_buyers(catalog, now)
        return [await records.record(catalog, rules, tier_rules, b, now) for b in ids]
    finally:
        await redis.aclose()


@customers_app.command("show")
def show(buyer: Annotated[int, typer.Argument(metavar="BUYER_ID")],
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
         redis_url: RedisOption = None, prefix: PrefixOption = None) -> None:
    """One buyer's tier, tags, notes, orders and after-sales cases."""
    [record] = asyncio.run(_records(redis_url, prefix, [buyer]))
    data = record.as_json()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"{record.buyer} {record.name or '(unknown buyer)'}: tier {data['tier']}, "
                  f"spent {format_yuan(record.standing.spend_fen)} in {data['paid_orders']} paid order(s)",
                  markup=False)
    console.print(f"tags: {', '.join(data['auto_tags'] + data['tags'])}", markup=False)
    console.print(f"orders: {', '.join(o['id'] + ' ' + o['status'] for o in data['orders']) or '-'}", markup=False)
    console.print(f"after-sales: {', '.join(data['cases']) or '-'}", markup=False)
    for note in data["notes"]:
        console.print(f"note by {note['by']} at {note['at']}: {note['text']}", markup=False)


@customers_app.command("export")
def export(fmt: Annotated[str, typer.Option("--format", help="csv")] = "csv",
           output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: stdout)")] = None,
           redis_url: RedisOption = None, prefix: PrefixOption = None) -> None:
    """Every known buyer's record as CSV (one row per buyer; lists joined with |)."""
    if fmt != "csv":
        raise typer.BadParameter("only csv is supported", param_hint="--format")
    records = asyncio.run(_records(redis_url, prefix, None))
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer = csv.writer(stream)
        writer.writerow(EXPORT_COLUMNS)
        for record in records:
            data = record.as_json()
            writer.writerow([data["buyer"], data["name"] or "", data["tier"], data["spend"], data["paid_orders"],
                             data["last_paid_at"] or "", "|".join(data["auto_tags"]), "|".join(data["tags"]),
                             "|".join(n["text"] for n in data["notes"]),
                             "|".join(o["id"] for o in data["orders"]), "|".join(data["cases"])])
    finally:
        if output:
            stream.close()
