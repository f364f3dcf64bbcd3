"""`livedesk templates lint`: render every template with the demo data and check it.

Templates are rendered with the very contexts the bot builds (sample questions are run
through the real matcher and composer for every product, channel and demo buyer), so a
misspelt variable, a Jinja error, a forbidden word or a zh answer without 亲/您 is found
before the template can go live. Every problem names the template file and line.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import TemplateSyntaxError

from bot.answers.composer import Answer, Asker, product_view
from bot.datafiles import DataError
from bot.understanding.intents import Channel
from bot.answers.language import check

if TYPE_CHECKING:
    from bot.knowledge.snapshot import Knowledge

SAMPLE_QUESTIONS = (
    "你好", "谢谢", "再见", "你能做什么", "多少钱", "有货吗", "有M码吗", "有XL码吗", "有S码吗",
    "160 50kg穿什么码", "身高168体重58", "1米4 70斤", "190 90kg", "穿什么码", "有什么颜色",
    "什么面料", "什么时候发货", "发什么快递", "包邮吗", "新疆包邮吗", "能退吗", "坏果怎么办",
    "满减怎么算", "我的订单", "订单1001", "订单1002", "订单1003", "订单1004", "订单9999",
    "转人工", "投诉", "改地址", "这个能安装吗", "blah",
    "连衣裙和围巾一起买多少钱", "两件连衣裙加一盒龙井", "买3条围巾能减多少", "橙子加连衣裙一起多少钱",
    "订单1004退掉围巾能退多少", "订单1001能退多少", "能退多少钱",
)


@dataclass(frozen=True)
class Sample:
    template: str
    context: Mapping[str, Any]
    origin: str


def _answers(knowledge: Knowledge, at: datetime) -> Iterator[tuple[Answer, str]]:
    catalog = knowledge.catalog
    askers = [Asker(b.id, b.name) for b in catalog.buyers.values()] + [Asker(1, "新买家")]
    stages: list[str | None] = [None, *catalog.products]
    for asker in askers:
        for stage in stages:
            for channel in Channel:
                for question in SAMPLE_QUESTIONS:
                    match = knowledge.matcher.match(question, channel, stage)
                    for clarified in (False, True):
                        answer = knowledge.composer.compose(match, channel, asker, at,
                                                            clarified_before=clarified)
                        if answer is not None:
                            yield answer, f"{question!r} in {channel} (stage {stage}, buyer {asker.user_id})"


def samples(knowledge: Knowledge, at: datetime) -> Iterator[Sample]:
    seen: set[tuple[str, str]] = set()
    for answer, origin in _answers(knowledge, at):
        key = (answer.template, repr(sorted(answer.context.items(), key=lambda kv: kv[0])))
        if key in seen:
            continue
        seen.add(key)
        yield Sample(answer.template, {**answer.context, "private_link": "https://t.me/bot?start=live"}, origin)
    catalog = knowledge.catalog
    product = next(iter(catalog.products.values()))
    view = product_view(catalog, knowledge.rules, product, at)
    products = [{"sku": p.sku, "name": p.name} for p in catalog.products.values()]
    yield Sample("start", {}, "/start")
    yield Sample("help", {}, "/help")
    yield Sample("fallback", {}, "fallback")
    for n in (1, 3):
        askers = [{"id": 700000 + i, "name": f"买家{i}"} for i in range(n)]
        yield Sample("live/burst", {"askers": askers, "answer": knowledge.markup("亲，测试。")}, "burst")
    yield Sample("ops/now_set", {"product": view}, "/now")
    yield Sample("ops/now_unknown", {"sku": "NOPE", "products": products}, "/now NOPE")
    yield Sample("ops/now_unknown", {"sku": None, "products": products}, "/now")
    yield Sample("ops/not_allowed", {}, "ops command from a buyer")
    yield Sample("ops/reload_ok", {"products": 6, "rules": 3, "templates": 40}, "/reload")
    yield Sample("ops/reload_failed", {"errors": ["shop/products.yaml:3: price: bad"]}, "/reload")
    yield Sample("ops/dead_letter", {"update_id": 1001, "chat_id": 700001, "reason": "ConnectionError: refused",
                                     "at": "20:15:03"}, "dead letter")
    yield from _desk_samples(knowledge, at, view)


def _desk_samples(knowledge: Knowledge, at: datetime, product: dict[str, Any]) -> Iterator[Sample]:
    """The handoff desk's messages to buyers and agents, with the contexts the desk builds."""
    from bot.handoff.model import HistoryEntry, Role
    from bot.handoff.views import card_view, sample_conversation

    catalog = knowledge.catalog
    history = [HistoryEntry(Role.buyer, "连衣裙有M码吗", at), HistoryEntry(Role.bot, "亲，M码暂时售罄了", at)]
    for buyer_id in [*catalog.buyers, 1]:
        for reason in ("requested", "complaint", "personal", "unanswered", "vip"):
            conversation = sample_conversation(catalog, at, buyer_id, reason)
            for stage in (None, product["sku"]):
                card = card_view(catalog, conversation, history, stage, {})
                yield Sample("agents/card", {"card": card}, f"card of {buyer_id} ({reason})")
                yield Sample("agents/topic_name", {"card": card}, f"topic of {buyer_id} ({reason})")
    for ahead, eta in ((0, 1), (2, 10), (3, None)):
        yield Sample("handoff/queued", {"ahead": ahead, "eta_minutes": eta}, "queued")
        yield Sample("handoff/position", {"position": ahead + 1, "eta_minutes": eta}, "position")
    for name in ("no_agent", "cancelled", "nothing_to_cancel", "goodbye"):
        yield Sample(f"handoff/{name}", {}, name)
    yield Sample("handoff/agent_joined", {"agent": "娜娜"}, "agent joined")
    for rating in ("satisfied", "neutral", "dissatisfied"):
        yield Sample("handoff/rated", {"rating": rating}, "rating")
        yield Sample("agents/rated", {"rating": rating}, "rating")
    agent = {"agent": "娜娜"}
    for name in ("taken", "assigned", "back", "closed"):
        yield Sample(f"agents/{name}", agent, name)
    yield Sample("agents/held_by_other", {"holder": "阿明"}, "held by other")
    yield Sample("agents/transferred", {"by": "娜娜", "target": "阿明"}, "transfer")
    yield Sample("agents/transfer_usage", {
        "agents": [{"id": s.id, "name": s.name} for s in catalog.staff.values()],
        "shops": [{"id": s.id, "name": s.name} for s in catalog.shops.values()]}, "/transfer")
    for name in ("closed_already", "cancelled", "not_in_conversation", "help"):
        yield Sample(f"agents/{name}", {}, name)
    yield Sample("agents/held_message", {"problems": ["forbidden word '最低价'"], "alternative": "优惠价"}, "held")
    for presence in ("online", "break", "offline"):
        yield Sample("agents/presence", {"agent": "娜娜", "presence": presence}, presence)
    yield Sample("agents/ping", {"seconds": 20, "agent": "娜娜"}, "ping")
    yield Sample("agents/ping", {"seconds": 20, "agent": None}, "ping")
    yield Sample("agents/missed", {"seconds": 30, "agent": None}, "missed")
    yield Sample("agents/hold_reminder", {"minutes": 3, "agent": "娜娜"}, "hold")
    yield Sample("agents/quick_list", {"keys": ["greet", "wait"]}, "/q")
    yield Sample("agents/quick_unknown", {"key": "nope", "keys": ["greet", "wait"]}, "/q nope")
    row = {"id": "beishang", "name": "蓓尚服饰", "rounds": 3, "reply_rate_30s": "66.7%", "reply_rate_3m": "100.0%",
           "first_response_avg": "12s", "avg_response": "20s", "non_service_rate": "0.0%",
           "dissatisfaction_rate": "—", "served": 2, "hold_without_followup": 1, "repeated_reply": 0,
           "slow_days": ["2026-11-23"]}
    for kind, empty in (("day", True), ("week", False)):
        period = {"period_kind": kind, "period": "2026-W48", "window": "08:00-23:00", "empty": empty,
                  "shops": [] if empty else [row], "agents": [] if empty else [row]}
        yield Sample("agents/sla", {"periods": [period], "current": kind == "day"}, "/sla")
    shop = next(iter(catalog.shops.values()))
    for key in ("greet", "wait", "shipping", "thanks", "sorry"):
        yield Sample(f"quick/{key}", {"agent": "娜娜", "buyer": {"name": "小王", "id": 700001},
                                      "shop": {"name": shop.name, "ships_within_hours": shop.ships_within_hours,
                                               "courier": shop.courier}}, f"/q {key}")


def _template_line(exc: BaseException) -> tuple[str | None, int | None]:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno
    return None, None


@dataclass(frozen=True)
class LintReport:
    errors: list[DataError]
    """Every problem of every template in every locale; empty when all is well."""
    unexercised: list[Path]
    """Templates no sample answer reached, so they could not be checked. Not an error: which
    templates the demo data reaches depends on the data (a refund needs an order whose price
    still reproduces), but ops should know they went unchecked."""


def lint(knowledge: Knowledge, at: datetime) -> LintReport:
    replies = knowledge.replies
    root = replies.directory
    problems: dict[tuple[str, int | None, str], DataError] = {}

    def add(path: Path, line: int | None, reason: str, origin: str = "") -> None:
        """One report per file, line and reason: the first sample that showed it is named."""
        where = f" (rendering {origin})" if origin else ""
        problems.setdefault((str(path), line, reason), DataError(path, line, reason + where))

    rendered: set[str] = set()
    for locale in replies.locales:
        for name in replies.template_names(locale):
            try:
                replies.env.get_template(f"{locale}/{name}.j2")
            except TemplateSyntaxError as exc:
                add(root / locale / f"{name}.j2", exc.lineno, f"Jinja syntax: {exc.message}")
    if problems:
        return LintReport(list(problems.values()), [])

    from bot.knowledge.snapshot import buyer_facing, needs_polite

    for sample in samples(knowledge, at):
        for locale in replies.locales:
            path = replies.resolve(locale, sample.template)
            rendered.add(path)  # used, even if it fails below: that failure is its report
            try:
                text = replies.render(locale, sample.template, sample.context).text
            except Exception as exc:  # noqa: BLE001 - any failure of an ops-edited template is reported
                filename, line = _template_line(exc)
                add(Path(filename) if filename else root / path, line,
                    f"{type(exc).__name__}: {exc}", sample.origin)
                continue
            if not text:
                add(root / path, None, "renders empty text", sample.origin)
            if not buyer_facing(sample.template):
                continue
            for violation in check(text, knowledge.language,
                                   require_polite=needs_polite(path.split("/", 1)[0], sample.template)):
                add(root / path, None, str(violation), f"{sample.origin}: {text[:60]!r}")

    unused = [root / locale / f"{name}.j2" for locale in replies.locales for name in replies.template_names(locale)
              if not Path(name).name.startswith("_") and f"{locale}/{name}.j2" not in rendered]
    return LintReport(list(problems.values()), unused)
