"""`livedesk promo check | explain`: ops check rule files and see a cart priced to the fen.

An edge module: it reads settings and files, takes the time from the system clock, and
prints through rich. All arithmetic happens in the pure engine it calls, so what ops see
here is exactly what a buyer is told in chat.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.config import Settings
from bot.datafiles import DataFileError
from bot.money import format_yuan
from bot.promotions.as_json import quote_as_json
from bot.promotions.errors import PromotionInputError
from bot.promotions.loader import load_rules, rule_files
from bot.promotions.pricing import price_cart
from bot.promotions.quote import CartLine, Quote
from bot.promotions.ruleset import RuleSet
from bot.promotions.windows import parse_instant
from bot.shop.catalog import Catalog, load_catalog

promo_app = typer.Typer(
    name="promo", no_args_is_help=True,
    help="Check promotion rule files and explain how a cart is priced.")

_ITEM = re.compile(r"^\s*(?P<sku>\S+?)(?:[x×*](?P<qty>-?\d+))?\s*$")

DirOption = Annotated[Path | None, typer.Option(
    "--shop-dir", help="Catalogue directory (default: Settings().shop_dir)")]


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _load_catalog(console: Console, shop_dir: Path | None) -> Catalog:
    try:
        return load_catalog(shop_dir or Settings().shop_dir, datetime.now(UTC))
    except DataFileError as exc:
        for error in exc.errors:
            console.print(str(error), markup=False)
        console.print(f"catalogue has {len(exc.errors)} error(s); fix it first", markup=False)
        raise typer.Exit(1) from None


def parse_items(texts: list[str]) -> list[CartLine]:
    """`BS-DRESSx2`, `bs-dress*2`, `MX-LONGJING` -> cart lines (SKUs upper-cased)."""
    lines = []
    for text in texts:
        match = _ITEM.match(text)
        if not match:
            raise typer.BadParameter(f"{text!r} is not SKU or SKUxQTY (e.g. BS-DRESSx2)")
        lines.append(CartLine(match["sku"].upper(), int(match["qty"] or 1)))
    return lines


@promo_app.command()
def check(
    directory: Annotated[Path | None, typer.Argument(
        help="Rule directory (default: Settings().promo_dir)")] = None,
    shop_dir: DirOption = None,
) -> None:
    """Validate every rule file; print each problem as file:line: reason, exit 1 on any."""
    console = _console()
    directory = directory or Settings().promo_dir
    catalog = _load_catalog(console, shop_dir)
    try:
        rules = load_rules(directory, catalog)
    except DataFileError as exc:
        for error in exc.errors:
            console.print(str(error), markup=False)
        console.print(f"{len(exc.errors)} error(s) in {directory}", markup=False)
        raise typer.Exit(1) from None
    kinds = Counter(rule.kind.value for rule in rules.rules)
    now = datetime.now(UTC)
    live = len(rules.active(now))
    detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no rules"
    console.print(f"OK: {len(rules)} rule(s) in {len(rule_files(directory))} file(s) ({detail}); "
                  f"{live} live now", markup=False)


def _render(console: Console, quote: Quote, rules: RuleSet, catalog: Catalog) -> None:
    rule_ids = [d.rule for d in quote.discounts]
    lines = Table(title=f"Cart at {quote.at.astimezone(catalog.timezone):%Y-%m-%d %H:%M %Z}")
    for header in ("SKU", "shop", "qty", "list", "item discount", *rule_ids, "payable"):
        lines.add_column(header, justify="left" if header in ("SKU", "shop") else "right")
    for line in quote.lines:
        item = format_yuan(-line.item_discount_fen) if line.item_discount_fen else "-"
        shares = [format_yuan(-line.shares[r]) if r in line.shares else "-" for r in rule_ids]
        lines.add_row(line.sku, line.shop, str(line.qty), format_yuan(line.list_fen), item,
                      *shares, format_yuan(line.payable_fen))
    lines.add_section()
    lines.add_row("total", "", str(sum(q.qty for q in quote.lines)), format_yuan(quote.list_fen),
                  format_yuan(-quote.item_discount_fen) if quote.item_discount_fen else "-",
                  *[format_yuan(-d.amount_fen) for d in quote.discounts],
                  format_yuan(quote.payable_fen))
    console.print(lines)

    if quote.discounts:
        table = Table(title="Discounts (shop coupons first, then cross-shop)")
        for header in ("rule", "title", "threshold met", "amount", "carried by shop", "funded by"):
            table.add_column(header, justify="right" if header == "amount" else "left")
        for d in quote.discounts:
            met = (f"{format_yuan(d.eligible_fen)} ≥ {format_yuan(d.threshold_fen)}"
                   f" × {d.times}")
            amount = format_yuan(d.amount_fen)
            if d.forfeited_fen:
                amount += f" ({format_yuan(d.forfeited_fen)} forfeited)"
            bearing = ", ".join(f"{shop} {format_yuan(fen)}" for shop, fen in d.by_shop.items())
            table.add_row(d.rule, d.title, met, amount, bearing, d.funded_by.value)
        console.print(table)
    item_rules = sorted({q.item_rule for q in quote.lines if q.item_rule})
    for rule_id in item_rules:
        rule = rules.get(rule_id)
        console.print(f"item discount {rule_id}: {rule.title if rule else ''}", markup=False)
    console.print(f"Payable: {format_yuan(quote.payable_fen)} (list {format_yuan(quote.list_fen)}, "
                  f"saved {format_yuan(quote.saved_fen)})", markup=False)
    hint = quote.next_threshold
    if hint is not None:
        adds = ", ".join(s.sku if s.qty == 1 else f"{s.sku}x{s.qty}" for s in hint.suggestions)
        console.print(
            f"凑单: {format_yuan(hint.short_by_fen)} more eligible reaches "
            f"{format_yuan(hint.target_fen)} ({hint.title}, another {format_yuan(hint.gain_fen)} off)"
            + (f"; e.g. add {adds}" if adds else ""), markup=False)


@promo_app.command()
def explain(
    items: Annotated[list[str], typer.Argument(help="SKU or SKUxQTY, e.g. BS-DRESSx2 MX-LONGJING")],
    at: Annotated[str | None, typer.Option(
        "--at", help="ISO date or time; without an offset it is shop time (default: now)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the quote as JSON")] = False,
    promo_dir: Annotated[Path | None, typer.Option(
        "--promo-dir", help="Rule directory (default: Settings().promo_dir)")] = None,
    shop_dir: DirOption = None,
) -> None:
    """Price a cart and show every discount, who carries it, the payable and the 凑单 hint."""
    console = _console()
    catalog = _load_catalog(console, shop_dir)
    try:
        rules = load_rules(promo_dir or Settings().promo_dir, catalog)
    except DataFileError as exc:
        for error in exc.errors:
            console.print(str(error), markup=False)
        raise typer.Exit(1) from None
    try:
        when = datetime.now(UTC) if at is None else parse_instant(at, catalog.timezone)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--at") from None
    try:
        quote = price_cart(catalog, rules, parse_items(items), when)
    except PromotionInputError as exc:
        console.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(quote_as_json(quote), ensure_ascii=False, indent=2))
    else:
        _render(console, quote, rules, catalog)
