"""Benchmark of the live room: the real livedesk bot beside a bare aiogram echo bot.

    .venv/bin/python bench/bench_live_room.py [--comments N] [--repeats R]
                                              [--redis-url URL | --embedded]
                                              [--rate PER_SECOND] [--same-answers]

What runs. For each repeat, two passes against a fresh Telegram Bot API emulator
(`bot.sandbox.Emulator`, port 0, same event loop as everything else):

* **livedesk**: `build_runtime` with the real Dispatcher, routers, middlewares, templates
  and Redis (the local server on a dedicated key prefix, deleted at the end; `--embedded`
  uses fakeredis instead), polling with `polling_timeout=1`. Ops account 900001 sends
  `/now BS-DRESS` in the live room -1001000000100 first (not measured).
* **echo**: a bare `Dispatcher` with one async message handler, `message.reply(message.text)`,
  through the same `make_bot` session (aiohttp, parse_mode HTML), same polling.

Both get the same N comments (default 2,000) from many distinct buyers
(`emulator.chats.new_buyer()`, about 10 % with language_code "en"), same order, same timing.

Settings. Pacing and gathering are switched off as far as Settings allow
(burst_gather_seconds=0.001, burst_repeat_seconds=0, group_messages_per_minute=1e6,
send_rate_per_second=1e6): we measure the bot's work, not its deliberate flood
protection (in production a room gets at most 20 messages a minute anyway).

The mix. About 35 % noise (666, 主播好美, emoji, 扣1, 已拍 ...) and 65 % questions with
the wordings buyers use (多少钱, 有M码吗, 什么面料, 160 50kg穿什么码, 几天发货, 包邮吗,
满减怎么算, 围巾多少钱, traditional Chinese and English ...). Even with a 1 ms gather
window, identical answers to buyers whose updates arrive in the same getUpdates page
would be merged into one message, so by default every question is chosen to have a
*distinct* answer: each candidate is read with the very functions the handler uses
(matcher -> composer -> render, stage BS-DRESS, the buyer's name and locale) and kept only
if its answer is new. The demo shops have six products, so price/stock/material/...
answers run out after a few dozen; the rest of the questions are size advice (the answer
repeats the buyer's height and weight, so it is distinct per body), which is the heaviest
path (number parsing, size chart). The mix actually fed is printed. `--same-answers`
drops that rule and keeps the weighted topic mix with repeats: gathering then merges
answers, fewer sendMessage calls come back, and latency is counted to the message that
mentions the asker.

Injection. By default all comments go in at once, in pages of 100 (Telegram's getUpdates
limit) with a loop turn between pages: what a flash-sale storm looks like to the bot,
and the only way to measure capacity (updates/s). The price of that choice: latency then
includes the queueing behind earlier comments (p50 is about half the time the bot needs
for the whole storm), so the p50 ratio is mostly the inverse of the throughput ratio. Use
`--rate 200` (comments/s, injected every 5 ms on schedule) to see latency below
saturation instead; updates/s then mostly reports the injection rate.

Metrics, per pass:
* updates/s: N / (end - first injection); end is the later of the last sendMessage of
  the pass and the moment the last update's handling returned (an outer middleware,
  added in both bots, notes that time);
* latency: from the comment's `StoredMessage.created_at` (perf_counter at injection) to
  `BotCall.at` (perf_counter when the bot's sendMessage reached the emulator) of the
  message replying to it (reply_to_message) or mentioning its author; p50 / p99 in ms;
* CPU ms/update: `time.process_time()` over the pass / N. The emulator (HTTP server,
  JSON, message store) and the injector run in the same process, so this is
  bot + emulator; the emulator part is about the same for both bots.
Medians over `--repeats` (default 3) are printed, then the ratio livedesk/echo.

What we saw (2 shared cores, real Redis, defaults): livedesk ~580 updates/s vs echo
~700 (0.82x), CPU 1.7 vs 1.4 ms/update, every question answered by its own message
(1,320/1,320); p50 2.8 s vs 1.75 s is queueing behind the storm (see Injection). At
`--rate 300` both keep up: p50 5 ms (livedesk) vs 7 ms (echo), p99 46 vs 60 ms (echo
sends 2,000 replies, livedesk 1,320). A short cProfile: per update, intent matching
~0.25 ms and rendering + language check ~0.15 ms; the rest is aiogram (model parsing,
middlewares, the FSM middleware's Redis GET of the state) and the HTTP round trips to
the emulator, which both bots pay. aiogram's polling runs every fetched update as a task
with no limit (`tasks_concurrency_limit=None`), so a 2,000-comment storm has ~300 Redis
commands in flight at once and redis-py's unbounded pool opened ~300 connections.

Logging is at WARNING for both bots (aiogram logs every handled update at INFO).
Figures depend heavily on the machine (the reference machine has 2 shared cores); they
are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import Message, TelegramObject
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answers.composer import Asker  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import DEFAULT_REDIS_URL, Settings  # noqa: E402
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder, load_knowledge  # noqa: E402
from bot.live_room.messages import room_answer  # noqa: E402
from bot.runtime.app import build_runtime, make_bot  # noqa: E402
from bot.sandbox.call_record import BotCall  # noqa: E402
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator  # noqa: E402
from bot.sandbox.state import TelegramState  # noqa: E402
from bot.understanding.intents import Channel  # noqa: E402

LIVE_ROOM = -1001000000100
NANA = 900001  # ops account in shop/people.yaml
STAGE_SKU = "BS-DRESS"
# What start_polling puts in dp["private_link"] for the emulator's @livedesk_bot.
PRIVATE_LINK = "https://t.me/livedesk_bot?start=live"
PAGE = 100  # comments injected per loop turn when all go in at once
NOISE_SHARE = 0.35
EN_SHARE = 0.10

NO_PACING = dict(burst_gather_seconds=0.001, burst_repeat_seconds=0.0,
                 group_messages_per_minute=1_000_000, send_rate_per_second=1_000_000.0,
                 private_messages_per_second=1_000_000.0)

console = Console(width=150)

# ---------------------------------------------------------------------- the comments

NOISE = ("666", "6666666", "主播好美", "主播好美❤️", "来了来了", "哈哈哈", "哈哈哈哈哈", "😍😍😍", "👍👍",
         "🔥🔥🔥", "扣1", "111", "已拍", "已拍已拍", "来了", "打卡", "❤️", "👏👏👏", "好看", "支持主播")
NOISE_EN = ("lol", "😍", "nice", "hi everyone", "👍")

# Product words as buyers type them (the stage product is the dress; others are named).
PRODUCTS_ZH = ("裙子", "连衣裙", "开衫", "针织衫", "围巾", "丝巾", "礼盒", "龙井", "茶叶", "橙子", "脐橙")
PRODUCTS_EN = ("dress", "cardigan", "scarf", "gift box", "longjing", "oranges")
SIZES = ("S", "M", "L", "XL")
REGIONS = ("新疆", "西藏", "内蒙古", "青海", "宁夏", "海南", "上海", "广东")

Gen = Callable[[random.Random], str]


def _sized(rng: random.Random) -> tuple[int, int]:
    return rng.randint(148, 182), rng.randint(40, 78)


TOPICS_ZH: dict[str, tuple[float, tuple[Gen, ...]]] = {
    "price": (20, (
        lambda r: r.choice(("多少钱", "这个多少钱", "咋卖", "价格多少亲", "多少钱😍", "多钱", "這件多少錢")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}{r.choice(('多少钱', '什么价', '几块钱', '怎么卖的'))}",
    )),
    "stock": (14, (
        lambda r: r.choice(("有{s}码吗", "{s}码还有吗🙏", "{s}码有没有", "宝宝 {s}码还有不", "有{s}碼嗎")).format(
            s=r.choice(SIZES)),
        lambda r: r.choice(("还有货吗", "有库存吗")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}{r.choice(('有货吗', '还有吗', '还有货不'))}",
        lambda r: f"开衫{r.choice(('M', 'L'))}码有货吗",
    )),
    "size_advice": (18, (
        lambda r: "{} {}kg".format(*_sized(r)),
        lambda r: "{}/{}斤".format(r.randint(148, 182), r.randint(80, 156)),
        lambda r: "身高{}体重{}穿什么码".format(*_sized(r)),
        lambda r: "1米{} {}斤".format(r.randint(50, 80), r.randint(80, 156)),
        lambda r: "{}cm {}公斤推荐什么码😊".format(*_sized(r)),
        lambda r: "宝宝 我{} {}斤 穿L可以吗".format(r.randint(150, 176), r.randint(84, 150)),
        lambda r: "开衫{} {}kg穿什么码".format(r.randint(153, 178), r.randint(43, 70)),
        lambda r: "身高{}體重{}穿什麼尺碼".format(*_sized(r)),
    )),
    "material": (8, (
        lambda r: r.choice(("什么面料", "材质", "啥料子", "是纯棉的吗", "什麼面料")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}什么材质",
    )),
    "options": (6, (
        lambda r: r.choice(("有哪些颜色", "尺码有哪些", "有几种颜色", "有蓝色的吗")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}有几个码",
    )),
    "shipping_time": (8, (
        lambda r: r.choice(("几天发货", "啥时候发", "几号发", "什麼時候發貨")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}{r.choice(('多久发货', '哪天能发', '当天发吗'))}",
    )),
    "courier": (4, (
        lambda r: r.choice(("发什么快递", "顺丰吗", "是中通吗")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}走顺丰吗",
    )),
    "shipping_fee": (6, (
        lambda r: r.choice(("包邮吗", "运费多少", "单件包邮吗")),
        lambda r: f"{r.choice(REGIONS)}{r.choice(('包邮吗', '要加运费吗'))}",
    )),
    "return_policy": (5, (
        lambda r: r.choice(("能退吗", "不合适能退吗", "有运费险吗")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}能退吗",
    )),
    "promotion": (6, (
        lambda r: r.choice(("满减怎么算", "买多点有优惠不", "现在买有活动吗")),
        lambda r: f"{r.choice(PRODUCTS_ZH)}有活动吗",
    )),
    "order (to private)": (2, (
        lambda r: f"我的订单{r.randint(1001, 1010)}到哪了",
        lambda r: "地址下错了能改吗",
    )),
    "greeting/thanks": (3, (
        lambda r: r.choice(("你好", "在吗", "谢谢亲", "谢谢主播")),
    )),
}

TOPICS_EN: dict[str, tuple[float, tuple[Gen, ...]]] = {
    "price": (20, (lambda r: f"how much is the {r.choice(PRODUCTS_EN)}", lambda r: "how much")),
    "stock": (14, (lambda r: f"do you have size {r.choice(SIZES)}", lambda r: "still in stock?")),
    "size_advice": (18, (lambda r: "I'm {}cm {}kg, which size?".format(*_sized(r)),)),
    "material": (8, (lambda r: f"what material is the {r.choice(PRODUCTS_EN)}?",)),
    "options": (6, (lambda r: "what colours?",)),
    "shipping_time": (8, (lambda r: f"when will the {r.choice(PRODUCTS_EN)} ship",)),
    "courier": (4, (lambda r: "is it shipped by SF Express?",)),
}


@dataclass(frozen=True)
class Comment:
    buyer: int  # index into the buyers created for the pass
    text: str
    topic: str  # "noise", "silent (unsure)" or a question topic
    answered: bool  # livedesk is expected to answer it (predicted with the handler's functions)


@dataclass
class Plan:
    comments: list[Comment]
    buyers: list[tuple[str, str]]  # (language_code, expected name), created in this order
    distinct_answers: int


def _predict(knowledge: Knowledge, text: str, user_id: int, name: str, language: str,
             now: datetime) -> tuple[str, str] | None:
    """The burst key the live-room handler would use for this comment, or None for silence."""
    match = knowledge.matcher.match(text, Channel.live, STAGE_SKU)
    answer = knowledge.composer.compose(match, Channel.live, Asker(user_id, name), now)
    if answer is None:
        return None
    locale = knowledge.locale(language)
    return locale, knowledge.render_message(locale, room_answer(answer, PRIVATE_LINK))


def make_plan(knowledge: Knowledge, n: int, *, distinct: bool, seed: int = 2) -> Plan:
    rng = random.Random(seed)
    scratch = TelegramState()
    buyer_count = max(1, n * 3 // 4)  # some buyers comment more than once
    buyers = []
    for _ in range(buyer_count):
        language = "en" if rng.random() < EN_SHARE else "zh-hans"
        person = scratch.chats.new_buyer(language)
        buyers.append((language, person.name, person.id))
    now = datetime.now(UTC)
    seen: set[tuple[str, str]] = set()
    exhausted: dict[str, set[str]] = {"zh": set(), "en": set()}
    comments: list[Comment] = []
    while len(comments) < n:
        index = rng.randrange(buyer_count)
        language, name, user_id = buyers[index]
        lang = "en" if language == "en" else "zh"
        if rng.random() < NOISE_SHARE:
            text = rng.choice(NOISE_EN if lang == "en" else NOISE)
            key = _predict(knowledge, text, user_id, name, language, now)
            topic = "noise" if key is None else "noise answered?!"
            comments.append(Comment(index, text, topic, key is not None))
            continue
        topics = TOPICS_EN if lang == "en" else TOPICS_ZH
        choice: tuple[str, str, tuple[str, str] | None] | None = None
        while choice is None:
            open_topics = [t for t in topics if t not in exhausted[lang]] or ["size_advice"]
            topic = rng.choices(open_topics, weights=[topics[t][0] for t in open_topics])[0]
            for _ in range(60):
                text = rng.choice(topics[topic][1])(rng)
                key = _predict(knowledge, text, user_id, name, language, now)
                if key is None:
                    continue  # not understood with confidence: the bot would stay silent
                if distinct and key in seen:
                    continue
                choice = (topic, text, key)
                break
            else:
                if topic == "size_advice":
                    raise RuntimeError("ran out of distinct size-advice questions; "
                                       "lower --comments")
                exhausted[lang].add(topic)
        topic, text, key = choice
        seen.add(key)
        comments.append(Comment(index, text, topic, True))
    return Plan(comments, [(lang, name) for lang, name, _ in buyers], len(seen))


# ---------------------------------------------------------------------- one pass


class Finished(BaseMiddleware):
    """Counts updates whose handling has returned, and when the last one did."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0
        self.changed = asyncio.Event()

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            self.count += 1
            self.last = time.perf_counter()
            self.changed.set()


@dataclass
class PassResult:
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_update: float
    sends: int
    expected: int
    answered: int
    seconds: float
    latencies: list[float] = field(repr=False, default_factory=list)


async def echo(message: Message) -> None:
    if message.text:
        await message.reply(message.text)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run_pass(kind: str, plan: Plan, knowledge: Knowledge, args: argparse.Namespace,
                   prefix: str) -> PassResult:
    emulator = Emulator()
    base = await emulator.start()
    people = [emulator.chats.new_buyer(lang) for lang, _ in plan.buyers]
    names = [name for _, name in plan.buyers]
    assert [p.name for p in people] == names, "buyer names differ from the plan"
    bot = make_bot(SANDBOX_TOKEN, base)
    redis: Redis | None = None
    runtime = None
    if kind == "livedesk":
        from bot.runtime.redis_connection import connect, embedded

        redis = embedded() if args.embedded else connect(args.redis_url)
        settings = Settings(redis_prefix=prefix, **NO_PACING)
        clock = SystemClock()
        holder = KnowledgeHolder(settings, clock, knowledge)
        runtime = build_runtime(settings, bot=bot, redis=redis, clock=clock, holder=holder)
        dp = runtime.dp
        polling_coro = runtime.start_polling(polling_timeout=1)
    else:
        dp = Dispatcher()
        dp.message.register(echo)
        polling_coro = dp.start_polling(bot, handle_signals=False, close_bot_session=False,
                                        polling_timeout=1,
                                        allowed_updates=dp.resolve_used_update_types())
    finished = Finished()
    dp.update.outer_middleware(finished)
    polling = asyncio.create_task(polling_coro)
    try:
        for _ in range(500):
            if emulator.stats.polls:
                break
            await asyncio.sleep(0.01)
        else:
            raise TimeoutError(f"{kind}: the bot never polled the emulator")
        # Set-up, not measured: the stage product (livedesk) or one echo, which also opens
        # the HTTP connection the sends will use.
        emulator.user_sends(LIVE_ROOM, NANA, "/now BS-DRESS" if kind == "livedesk" else "hello")
        await emulator.record.wait_sent(1, LIVE_ROOM, method="sendMessage", timeout=10)
        await asyncio.sleep(0.05)
        baseline_calls = len(emulator.record.calls)
        baseline_done = finished.count
        n = len(plan.comments)
        expected_ids: dict[int, float] = {}  # message_id -> injected at (comments to be answered)
        by_user: dict[int, list[int]] = {}
        injected: list[tuple[int, int, bool]] = []  # (message_id, user_id, to be answered)
        gc.collect()

        cpu0 = time.process_time()
        t0 = time.perf_counter()

        def inject(comment: Comment) -> None:
            person = people[comment.buyer]
            sent = emulator.user_sends(LIVE_ROOM, person.id, comment.text)
            wanted = comment.answered if kind == "livedesk" else True
            injected.append((sent["message_id"], person.id, wanted))

        if args.rate > 0:
            for i, comment in enumerate(plan.comments):
                due = t0 + i / args.rate
                delay = due - time.perf_counter()
                if delay > 0.005:
                    await asyncio.sleep(delay)
                inject(comment)
        else:
            for start in range(0, n, PAGE):
                for comment in plan.comments[start:start + PAGE]:
                    inject(comment)
                await asyncio.sleep(0)
        for message_id, user_id, wanted in injected:
            if wanted:
                stored = emulator.chat_log.stored(LIVE_ROOM, message_id)
                assert stored is not None
                expected_ids[message_id] = stored.created_at
                by_user.setdefault(user_id, []).append(message_id)

        # Wait for every update to be handled and every expected answer to arrive, or for
        # a quiet spell (fewer answers than expected is reported, not hidden).
        covered: dict[int, float] = {}
        scanned = baseline_calls
        last_send = t0
        sends = 0
        quiet_since = time.perf_counter()
        limit = time.perf_counter() + args.timeout
        while True:
            new = emulator.record.calls[scanned:]
            scanned = len(emulator.record.calls)
            for call in new:
                if call.ok and call.method == "sendMessage" and call.chat_id == LIVE_ROOM:
                    sends += 1
                    last_send = max(last_send, call.at)
                    _cover(call, covered, expected_ids, by_user)
            if new:
                quiet_since = time.perf_counter()
            done = finished.count - baseline_done >= n
            if done and len(covered) >= len(expected_ids):
                break
            if done and time.perf_counter() - quiet_since > 2.0:
                break
            if time.perf_counter() > limit:
                console.print(f"[red]{kind}: timed out after {args.timeout}s "
                              f"({finished.count - baseline_done}/{n} handled)[/]")
                break
            finished.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(finished.changed.wait(), 0.05)
        end = max(last_send, finished.last)
        cpu = time.process_time() - cpu0
        latencies = [(covered[mid] - at) * 1000
                     for mid, at in expected_ids.items() if mid in covered]
        return PassResult(
            updates_per_s=n / (end - t0), p50_ms=_percentile(latencies, 50),
            p99_ms=_percentile(latencies, 99), cpu_ms_per_update=cpu * 1000 / n, sends=sends,
            expected=len(expected_ids), answered=len(covered), seconds=end - t0,
            latencies=latencies)
    finally:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        await asyncio.gather(polling, return_exceptions=True)
        if runtime is not None:
            await runtime.close()  # also closes the Redis client (RedisStorage.close)
        else:
            await bot.session.close()
        await emulator.stop()


def _cover(call: BotCall, covered: dict[int, float], expected: dict[int, float],
           by_user: dict[int, list[int]]) -> None:
    """Mark the comments this room message answers: the one it replies to, and the
    earliest open comment of every buyer it mentions (a gathered answer)."""
    message = call.message or {}
    target = (message.get("reply_to_message") or {}).get("message_id")
    if target in expected and target not in covered:
        covered[target] = call.at
    for entity in message.get("entities") or []:
        if entity.get("type") != "text_mention":
            continue
        for mid in by_user.get(int(entity["user"]["id"]), ()):
            if mid not in covered and expected[mid] <= call.at:
                covered[mid] = call.at
                break


# ---------------------------------------------------------------------- report


def _mix(plan: Plan) -> str:
    counts = Counter(c.topic for c in plan.comments)
    total = len(plan.comments)
    parts = [f"{topic} {count} ({count * 100 / total:.0f}%)"
             for topic, count in counts.most_common()]
    return ", ".join(parts)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def report(results: dict[str, list[PassResult]], plan: Plan, args: argparse.Namespace) -> None:
    injection = "all at once, pages of 100" if args.rate <= 0 else f"{args.rate:g} comments/s"
    table = Table(title=f"live room: {len(plan.comments)} comments, median of {args.repeats} "
                        f"({injection})")
    for column in ("bot", "updates/s", "p50 ms", "p99 ms", "CPU ms/update", "sendMessage/expected",
                   "answered", "each run, updates/s"):
        table.add_column(column, justify="right" if column != "bot" else "left")
    medians: dict[str, dict[str, float]] = {}
    for kind, runs in results.items():
        m = {key: _median([getattr(r, key) for r in runs])
             for key in ("updates_per_s", "p50_ms", "p99_ms", "cpu_ms_per_update", "sends",
                         "answered")}
        medians[kind] = m
        table.add_row(kind, f"{m['updates_per_s']:,.0f}", f"{m['p50_ms']:,.1f}",
                      f"{m['p99_ms']:,.1f}",
                      f"{m['cpu_ms_per_update']:.2f}", f"{m['sends']:,.0f} / {runs[0].expected:,}",
                      f"{m['answered']:,.0f}", " ".join(f"{r.updates_per_s:,.0f}" for r in runs))
    if "livedesk" in medians and "echo" in medians:
        ld, ec = medians["livedesk"], medians["echo"]
        table.add_row("livedesk/echo", f"{ld['updates_per_s'] / ec['updates_per_s']:.2f}×",
                      f"{ld['p50_ms'] / ec['p50_ms']:.2f}×", f"{ld['p99_ms'] / ec['p99_ms']:.2f}×",
                      f"{ld['cpu_ms_per_update'] / ec['cpu_ms_per_update']:.2f}×", "", "", "",
                      style="bold")
    console.print(table)


async def main_async(args: argparse.Namespace) -> None:
    knowledge = load_knowledge(Settings(), datetime.now(UTC))
    plan = make_plan(knowledge, args.comments, distinct=not args.same_answers)
    questions = sum(c.answered for c in plan.comments)
    console.print(f"[bold]mix[/] ({len(plan.buyers):,} distinct buyers, ~{EN_SHARE:.0%} English; "
                  f"stage {STAGE_SKU}): {_mix(plan)}")
    distinct_note = "" if args.same_answers else " (one each: gathering cannot merge them)"
    console.print(f"[bold]questions[/] {questions:,}, {plan.distinct_answers:,} distinct answers"
                  f"{distinct_note}; "
                  f"noise {len(plan.comments) - questions:,} (livedesk stays silent, echo replies)")
    console.print("[bold]settings[/] pacing and gathering off as far as Settings allow: "
                  + ", ".join(f"{k}={v:g}" for k, v in NO_PACING.items())
                  + f"; Redis: {'fakeredis (embedded)' if args.embedded else args.redis_url}")
    prefix = f"bench-live-{uuid.uuid4().hex[:10]}"
    results: dict[str, list[PassResult]] = {"livedesk": [], "echo": []}
    try:
        for repeat in range(args.repeats):
            for kind in ("livedesk", "echo") if repeat % 2 == 0 else ("echo", "livedesk"):
                result = await run_pass(kind, plan, knowledge, args, prefix)
                results[kind].append(result)
                console.print(f"  run {repeat + 1} {kind:8}: "
                              f"{result.updates_per_s:8,.0f} updates/s, "
                              f"p50 {result.p50_ms:8,.1f} ms, p99 {result.p99_ms:8,.1f} ms, "
                              f"CPU {result.cpu_ms_per_update:.2f} ms/update, "
                              f"{result.sends:,} sendMessage, "
                              f"{result.answered:,}/{result.expected:,} answered, "
                              f"{result.seconds:.2f} s")
    finally:
        if not args.embedded:
            await _delete_prefix(args.redis_url, prefix)
    report(results, plan, args)
    console.print("Figures depend on the machine (reference: 2 shared cores); CPU includes the "
                  "in-process emulator and injector. Not asserted anywhere.")


async def _delete_prefix(url: str, prefix: str) -> None:
    redis = Redis.from_url(url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await redis.delete(*keys[start:start + 500])
    finally:
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=2000, help="live-room comments per pass")
    parser.add_argument("--repeats", type=int, default=3,
                        help="passes per bot; medians are reported")
    redis_group = parser.add_mutually_exclusive_group()
    redis_group.add_argument("--redis-url", default=DEFAULT_REDIS_URL,
                             help="the real Redis (default %(default)s)")
    redis_group.add_argument("--embedded", action="store_true",
                             help="fakeredis instead of a real server")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="comments per second injected on schedule "
                             "(default 0: all at once, pages of 100)")
    parser.add_argument("--same-answers", action="store_true",
                        help="weighted topic mix with repeated answers (gathering merges some)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds a pass may take at most")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
