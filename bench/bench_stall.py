"""Benchmark: buyers' simple questions with and without a wave of handoffs, at production pacing.

    .venv/bin/python bench/bench_stall.py [--wave 40] [--simple 10] [--spread 20] [--redis-url URL]

What runs. The Telegram Bot API emulator in this process and the all-in-one bot
(`livedesk run`'s path: ingest and a worker through the Redis streams, the background
loops under their lease) in the same event loop, on the real Redis (a dedicated key
prefix, deleted at the end), with the default limits: 30 messages a second, 20 a minute
per group, one a second per private chat. Two runs, each on a fresh bot and prefix:

* **alone**: `--simple` buyers ask a simple question ("怎么退货" / "发什么快递", taken in
  turn), one every `--spread / --simple` seconds;
* **wave**: the same, while `--wave` other buyers ask for a person (转人工), spread
  evenly over the same `--spread` seconds. Each handoff needs a topic, a card and a copy
  in the agents' group (20 a minute), so the group's work takes minutes.

Figure: per simple question, seconds from the buyer's message entering the emulator to
the bot's answer being recorded by it (the emulator's `BotCall.at`, perf_counter); the
median and the maximum per run. With the wave the run also prints how many of its topics
existed when the last simple answer came. A question not answered within `--timeout`
seconds counts as that timeout.

What we saw (2 shared cores, other work running, 40 handoffs and 10 questions over 20 s):

    this branch (the topic created by the relay worker, in the background)
    run    answered  median s  max s   topics by the last answer
    alone   10/10     0.010    0.014   -
    wave    10/10     0.012    0.016   5 of 40

    before it (the handoff handler awaited its topic; 180 s counted for an unanswered one)
    alone   10/10     0.008    0.018   -
    wave     5/10    90.015  180.000   6 of 40

Before, a simple question hashed to a partition behind a handoff waited for that
handoff's topic at the group's pace; half were not answered within three minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.knowledge.snapshot import KnowledgeHolder, load_knowledge  # noqa: E402
from bot.runtime.app import build_runtime, make_bot  # noqa: E402
from bot.runtime.process import Roles, serve  # noqa: E402
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator  # noqa: E402

QUESTIONS = ("怎么退货", "发什么快递")
AGENTS = Settings().agents_chat_id


@dataclass
class Run:
    name: str
    latencies: list[float]
    answered: int
    topics_by_last_answer: int | None


async def one_run(name: str, *, wave: int, simple: int, spread: float, timeout: float, redis_url: str) -> Run:
    prefix = f"bench:{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(redis_url)
    settings = Settings(redis_prefix=prefix)  # production pacing: the default limits
    clock = SystemClock()
    holder = KnowledgeHolder(settings, clock, load_knowledge(settings, clock.now()))
    try:
        async with Emulator() as emulator:
            runtime = build_runtime(settings, bot=make_bot(SANDBOX_TOKEN, emulator.base_url), redis=redis,
                                    clock=clock, holder=holder)
            stop, ready = asyncio.Event(), asyncio.Event()
            task = asyncio.create_task(serve(runtime, Roles(ingest=True, work=True), stop,
                                             on_ready=lambda _: ready.set()))
            await ready.wait()
            try:
                return await _measure(name, emulator, wave, simple, spread, timeout)
            finally:
                stop.set()
                await asyncio.gather(task, return_exceptions=True)
                await runtime.close()
    finally:
        async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
            await redis.delete(key)
        await redis.aclose()


async def _measure(name: str, emulator: Emulator, wave: int, simple: int, spread: float, timeout: float) -> Run:
    askers = [emulator.chats.new_buyer().id for _ in range(simple)]
    handoffs = [emulator.chats.new_buyer().id for _ in range(wave)]
    # Everyone's moment within the spread: the simple questions evenly, the wave evenly too.
    events = [(spread * (n + 1) / simple, "simple", buyer) for n, buyer in enumerate(askers)]
    events += [(spread * n / max(1, wave), "wave", buyer) for n, buyer in enumerate(handoffs)]
    events.sort()
    asked: dict[int, float] = {}
    start = time.perf_counter()
    for at, kind, buyer in events:
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind == "simple":
            asked[buyer] = time.perf_counter()
            emulator.user_sends(buyer, buyer, QUESTIONS[askers.index(buyer) % len(QUESTIONS)])
        else:
            emulator.user_sends(buyer, buyer, "转人工")
    latencies: list[float] = []
    answers = []
    for buyer in askers:
        try:
            (answer, *_) = await emulator.record.wait_sent(
                1, buyer, method="sendMessage", timeout=max(0.1, asked[buyer] + timeout - time.perf_counter()))
            answers.append(answer)
            latencies.append(answer.at - asked[buyer])
        except TimeoutError:
            latencies.append(timeout)
    topics = None
    if wave:
        calls = emulator.record.calls
        last = max((calls.index(a) for a in answers), default=len(calls))
        topics = sum(1 for c in calls[:last] if c.method == "createForumTopic" and c.ok)
    return Run(name, latencies, len(answers), topics)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wave", type=int, default=40, help="buyers asking for a person")
    parser.add_argument("--simple", type=int, default=10, help="buyers asking a simple question")
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which everyone asks")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for one answer")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    runs = []
    for name, wave in (("alone", 0), ("wave", args.wave)):
        runs.append(await one_run(name, wave=wave, simple=args.simple, spread=args.spread,
                                  timeout=args.timeout, redis_url=args.redis_url))
    print(f"{args.simple} simple questions over {args.spread:.0f} s; wave: {args.wave} handoffs over the same "
          "time; production pacing (30/s, 20/min per group, 1/s per private chat)")
    print(f"{'run':6} {'answered':>9} {'median s':>9} {'max s':>8}  topics by the last answer")
    for run in runs:
        topics = "-" if run.topics_by_last_answer is None else f"{run.topics_by_last_answer} of {args.wave}"
        print(f"{run.name:6} {run.answered:>6}/{args.simple:<2} {statistics.median(run.latencies):>9.3f} "
              f"{max(run.latencies):>8.3f}  {topics}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
