"""Promotion editor (ops): the rule YAML, checked with the same loader as `livedesk promo
check` (file, line, reason), a cart preview priced with the draft rules and its allocation
table, and an atomic, recorded save. A draft with errors never replaces the live rules."""

from __future__ import annotations

from typing import Any

import typer
from aiohttp import web

from bot.cli.promo import parse_items
from bot.datafiles import DataFileError
from bot.money import format_yuan
from bot.promotions.errors import PromotionInputError
from bot.promotions.loader import load_rules
from bot.promotions.pricing import price_cart
from bot.promotions.quote import Quote
from bot.promotions.ruleset import RuleSet
from bot.web.context import console_of, person_of
from bot.web.editing import (
    Problem,
    draft_folder,
    editable_files,
    problems_in,
    resolve,
)
from bot.web.rendering import render
from bot.web.security import need_ops

SUFFIXES = (".yaml", ".yml")
DEFAULT_CART = "BS-DRESS BS-SCARF"


def check_draft(request: web.Request, name: str, text: str) -> tuple[list[Problem], RuleSet | None]:
    console = console_of(request)
    catalog = console.holder.current.catalog
    with draft_folder(console.settings.promo_dir, name, text) as copy:
        try:
            return [], load_rules(copy, catalog)
        except DataFileError as exc:
            return problems_in(exc.errors, copy), None


def preview(request: web.Request, rules: RuleSet, cart: str) -> tuple[dict[str, Any] | None, str | None]:
    console = console_of(request)
    catalog = console.holder.current.catalog
    try:
        quote: Quote = price_cart(catalog, rules, parse_items(cart.split()), console.clock.now())
    except (typer.BadParameter, PromotionInputError) as exc:
        return None, str(exc)
    rule_ids = [d.rule for d in quote.discounts]
    lines = [{"sku": q.sku, "shop": q.shop, "qty": q.qty, "list": format_yuan(q.list_fen),
              "item": format_yuan(-q.item_discount_fen) if q.item_discount_fen else "-",
              "shares": [format_yuan(-q.shares[r]) if r in q.shares else "-" for r in rule_ids],
              "payable": format_yuan(q.payable_fen)} for q in quote.lines]
    discounts = [{"rule": d.rule, "title": d.title, "amount": format_yuan(d.amount_fen),
                  "by_shop": ", ".join(f"{s} {format_yuan(f)}" for s, f in d.by_shop.items()),
                  "funded_by": d.funded_by.value} for d in quote.discounts]
    return {"rule_ids": rule_ids, "lines": lines, "discounts": discounts, "list": format_yuan(quote.list_fen),
            "payable": format_yuan(quote.payable_fen), "saved": format_yuan(quote.saved_fen)}, None


def _file(request: web.Request, name: str) -> str:
    if resolve(console_of(request).settings.promo_dir, name, SUFFIXES) is None:
        raise web.HTTPNotFound(text="no such rule file")
    return name


async def _page(request: web.Request, name: str, text: str, cart: str, status: int = 200,
                **extra: Any) -> web.Response:
    console = console_of(request)
    extra.setdefault("problems", [])
    extra.setdefault("quote", None)
    extra.setdefault("cart_error", None)
    extra.setdefault("checked", False)
    return render(request, "promotions.html", status=status,
                  files=editable_files(console.settings.promo_dir, SUFFIXES), name=name, text=text,
                  cart=cart, edits=await console.edits.recent(5), **extra)


async def editor(request: web.Request) -> web.Response:
    need_ops(request)
    promo_dir = console_of(request).settings.promo_dir
    files = editable_files(promo_dir, SUFFIXES)
    name = _file(request, request.query.get("file", files[0] if files else ""))
    text = (promo_dir / name).read_text(encoding="utf-8")
    return await _page(request, name, text, DEFAULT_CART)


async def validate(request: web.Request) -> web.Response:
    """The editor checks the draft as ops type (static/promotions.js): the same loader and
    the same file:line: reason lines as `livedesk promo check`; nothing is written."""
    need_ops(request)
    form = await request.post()
    name, text = _file(request, str(form.get("file", ""))), str(form.get("text", ""))
    problems, _ = check_draft(request, name, text)
    return web.json_response({"ok": not problems, "problems": [str(p) for p in problems]})


async def check(request: web.Request) -> web.Response:
    need_ops(request)
    form = await request.post()
    name, text, cart = _file(request, str(form.get("file", ""))), str(form.get("text", "")), str(form.get("cart", ""))
    problems, rules = check_draft(request, name, text)
    quote, cart_error = preview(request, rules, cart) if rules is not None and cart.strip() else (None, None)
    return await _page(request, name, text, cart, status=422 if problems else 200, problems=problems,
                       quote=quote, cart_error=cart_error, checked=True)


async def save(request: web.Request) -> web.Response:
    need_ops(request)
    console = console_of(request)
    form = await request.post()
    name, text, cart = _file(request, str(form.get("file", ""))), str(form.get("text", "")), str(form.get("cart", ""))
    problems, _ = check_draft(request, name, text)
    if problems:
        return await _page(request, name, text, cart, status=422, problems=problems, checked=True,
                           not_saved=True)
    await console.edits.save(console.settings.promo_dir / name, text, who=person_of(request).user_id, name=name,
                             kind="promotion", at=console.clock.now())
    if console.on_saved is not None:
        await console.on_saved()
    raise web.HTTPFound(f"/promotions?file={name}&m=saved")


def routes() -> list[web.RouteDef]:
    return [web.get("/promotions", editor), web.post("/promotions/check", check),
            web.post("/promotions/validate", validate), web.post("/promotions/save", save)]
