"""`livedesk returns decide`: the decision the chat form would reach, for ops and disputes.

An edge module: it loads the data files, reads the clock, and prints; the decision is the
pure `bot.aftersales.decision.decide` the chat uses.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.aftersales.as_json import decision_as_json
from bot.aftersales.decision import Request, RequestError, decide
from bot.aftersales.policy import Reason, load_aftersales
from bot.config import Settings
from bot.datafiles import DataFileError
from bot.money import format_yuan
from bot.promotions.loader import load_rules
from bot.promotions.windows import parse_instant
from bot.shop.catalog import load_catalog
from bot.shop.orders import DemoOrders

AFTERSALES_FILE = "aftersales.yaml"

returns_app = typer.Typer(name="returns", no_args_is_help=True,
                          help="Returns and exchanges: what the shop's policy decides.")

_ITEM = re.compile(r"^\s*(?P<sku>[A-Za-z0-9-]+?)(?:[x×*](?P<qty>\d+))?\s*$")


def parse_item(text: str) -> tuple[str, int]:
    """`BS-SCARF` or `BS-SCARFx2` -> (SKU, units)."""
    match = _ITEM.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not SKU or SKUxQTY (e.g. BS-SCARF or BS-DRESSx2)")
    return match["sku"].upper(), int(match["qty"] or 1)


@returns_app.command("decide")
def decide_command(
    order_id: Annotated[str, typer.Argument(metavar="ORDER", help="Order number, e.g. 1004")],
    item: Annotated[str, typer.Argument(metavar="SKU[xQTY]", help="The item returned, e.g. BS-SCARF")],
    reason: Annotated[Reason, typer.Option("--reason", help="Why the buyer returns it")],
    photos: Annotated[int, typer.Option("--photos", min=0, help="Photos the buyer sent")] = 0,
    at: Annotated[str | None, typer.Option(
        "--at", help="ISO date or time of the request; naive = shop time (default: now)")] = None,
    declined_offer: Annotated[bool, typer.Option(
        "--declined-offer", help="The buyer already declined the offer to keep the item")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON")] = False,
    shop_dir: Annotated[Path | None, typer.Option("--shop-dir", help="Catalogue directory")] = None,
    promo_dir: Annotated[Path | None, typer.Option("--promo-dir", help="Promotion rules directory")] = None,
) -> None:
    """Decide a return by the shop's policy; exit 2 for an unknown order, SKU or quantity."""
    console = Console(highlight=False, soft_wrap=True)
    settings = Settings()
    now = datetime.now(UTC)
    directory = shop_dir or settings.shop_dir
    try:
        catalog = load_catalog(directory, now)
        rules = load_rules(promo_dir or settings.promo_dir, catalog)
        policy = load_aftersales(directory / AFTERSALES_FILE, catalog)
    except DataFileError as exc:
        for error in exc.errors:
            console.print(str(error), markup=False)
        raise typer.Exit(1) from None
    try:
        when = now if at is None else parse_instant(at, catalog.timezone)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--at") from None
    sku, qty = parse_item(item)
    order = DemoOrders.of(catalog.orders).get(order_id)
    if order is None:
        console.print(f"error: no order {order_id}", markup=False)
        raise typer.Exit(2)
    if sku not in catalog.products:
        console.print(f"error: unknown SKU {sku}", markup=False)
        raise typer.Exit(2)
    try:
        decision = decide(catalog, rules, policy, Request(order, {sku: qty}, reason, when, photos=photos,
                                                          retention_declined=declined_offer))
    except RequestError as exc:
        console.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(decision_as_json(decision), ensure_ascii=False))
        return
    console.print(f"{decision.outcome}: {decision.explain()}", markup=False)
    if decision.refund_fen is not None:
        console.print(f"refund: {format_yuan(decision.refund_fen)}", markup=False)
    if decision.offer is not None:
        console.print(f"offer: {decision.offer.kind} {decision.offer.name} "
                      f"(worth {format_yuan(decision.offer.value)})", markup=False)
    if decision.coupon is not None:
        coupon = decision.coupon
        console.print(f"coupon: {coupon.name} {format_yuan(coupon.amount)} off from "
                      f"{format_yuan(coupon.min_spend)}, valid {coupon.valid_days} days", markup=False)
