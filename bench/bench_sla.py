"""Benchmark of the SLA store: recording throughput, Redis memory, weekly report time.

    .venv/bin/python bench/bench_sla.py [--events N] [--redis-url URL]

Records N message events (handoffs, buyer messages, agent replies, closes, ratings, bot
answers) across 3 shops, 12 agents and 21 days against the real Redis, on a dedicated
key prefix deleted afterwards; pipelines the script calls (batches of --batch events, a
few batches in flight) to measure throughput rather than network latency. Then prints
events/s, Redis memory used (INFO memory before/after; the server is shared, so other
clients' activity shows as noise) and the time to build a weekly report (median of
--repeats; the goal is under 100 ms whatever N is).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import ManualClock  # noqa: E402
from bot.config import DEFAULT_REDIS_URL, Settings  # noqa: E402
from bot.sla.events import (  # noqa: E402
    AgentReply,
    BotAnswer,
    BuyerMessage,
    Close,
    Handoff,
    Rating,
    RatingValue,
    SlaEvent,
)
from bot.sla.periods import Period  # noqa: E402
from bot.sla.recorder import SlaRecorder  # noqa: E402
from bot.sla.report import SlaReporter, report_to_json  # noqa: E402
from bot.sla.settings import SlaSettings  # noqa: E402

SHOPS = {"beishang": 4, "mingxiang": 4, "xianguo": 4}  # shop -> agents
DAYS = 21
BUYERS = 30_000
START = datetime(2026, 11, 16, tzinfo=ZoneInfo("Asia/Shanghai"))  # Monday of 2026-W47
REPLIES = ("您好，在的", "亲，稍等，我查一下", "下单后48小时内发货", "好的亲", "有货的", "感谢您的耐心")


def events(n: int, seed: int = 7) -> Iterator[SlaEvent]:
    """Conversations spread evenly over DAYS days, in time order, until n events are made."""
    rng = random.Random(seed)
    per_conv = 9  # about 9 events per conversation with the mix below
    conversations = max(1, n // per_conv)
    step = DAYS * 86_400 / conversations
    made = 0
    conv_no = 0
    while made < n:
        shop = rng.choice(list(SHOPS))
        agent = f"9{list(SHOPS).index(shop)}{rng.randrange(SHOPS[shop]):04d}"
        buyer = str(700_000 + rng.randrange(BUYERS))
        conv = f"{shop}-{conv_no}"
        t = (START + timedelta(seconds=conv_no * step)).astimezone(UTC)
        conv_no += 1
        batch: list[SlaEvent] = [BotAnswer(shop, rng.uniform(0.05, 1.5), t), Handoff(shop, conv, buyer, t)]
        for r in range(rng.randint(1, 4)):
            if r:
                t += timedelta(seconds=rng.randint(5, 120))
                batch.append(BuyerMessage(shop, conv, buyer, t))
            if rng.random() < 0.5:
                t += timedelta(seconds=rng.randint(2, 20))
                batch.append(BuyerMessage(shop, conv, buyer, t))
            if rng.random() < 0.97:
                t += timedelta(seconds=rng.choice((3, 8, 15, 25, 40, 90, 200, 700)))
                batch.append(AgentReply(shop, conv, agent, buyer, rng.choice(REPLIES), t))
        t += timedelta(seconds=30)
        batch.append(Close(shop, conv, agent, t))
        batch.append(Rating(shop, conv, agent, rng.choice(list(RatingValue)), t + timedelta(seconds=10)))
        for event in batch[: n - made]:
            yield event
        made += min(len(batch), n - made)


async def used_memory(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def count_keys(redis: Redis, pattern: str) -> int:
    n = 0
    async for _ in redis.scan_iter(match=pattern, count=2000):
        n += 1
    return n


async def memory_of(redis: Redis, pattern: str) -> tuple[int, int]:
    """(keys, bytes) of the keys matching `pattern`, by MEMORY USAGE (exact for hashes)."""
    keys = [key async for key in redis.scan_iter(match=pattern, count=2000)]
    total = 0
    for start in range(0, len(keys), 1000):
        pipe = redis.pipeline(transaction=False)
        for key in keys[start:start + 1000]:
            pipe.memory_usage(key, samples=0)
        total += sum(n or 0 for n in await pipe.execute())
    return len(keys), total


async def delete_matching(redis: Redis, pattern: str) -> int:
    n = 0
    batch: list[bytes] = []
    async for key in redis.scan_iter(match=pattern, count=2000):
        batch.append(key)
        if len(batch) >= 1000:
            n += await redis.unlink(*batch)
            batch.clear()
    if batch:
        n += await redis.unlink(*batch)
    return n


async def record_all(recorder: SlaRecorder, n: int, batch: int, in_flight: int) -> float:
    """Feed the events in pipelined batches; returns seconds.

    With in_flight > 1, shops are split among that many pipelines, so the events of one
    conversation always travel in order through the same pipeline.
    """
    shops = list(SHOPS)
    queues: list[asyncio.Queue[list[SlaEvent] | None]] = [asyncio.Queue(maxsize=4) for _ in range(in_flight)]

    async def produce() -> None:
        chunks: list[list[SlaEvent]] = [[] for _ in range(in_flight)]
        for event in events(n):
            lane = shops.index(event.shop) % in_flight
            chunks[lane].append(event)
            if len(chunks[lane]) == batch:
                await queues[lane].put(chunks[lane])
                chunks[lane] = []
        for lane in range(in_flight):
            if chunks[lane]:
                await queues[lane].put(chunks[lane])
            await queues[lane].put(None)

    async def consume(queue: asyncio.Queue[list[SlaEvent] | None]) -> None:
        while (chunk := await queue.get()) is not None:
            await recorder.record_batch(chunk)

    started = time.perf_counter()
    await asyncio.gather(produce(), *(consume(q) for q in queues))
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=3, choices=(1, 2, 3),
                        help="pipelines in flight, shops split among them")
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()

    url = args.redis_url or Settings().redis_url or DEFAULT_REDIS_URL
    prefix = f"bench:sla:{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(url)
    settings = SlaSettings()
    try:
        await redis.ping()
        before = await used_memory(redis)
        recorder = SlaRecorder(redis, settings, ManualClock(START.astimezone(UTC)), prefix)
        elapsed = await record_all(recorder, args.events, args.batch, args.in_flight)
        after = await used_memory(redis)
        total_keys = await count_keys(redis, f"{prefix}*")

        reporter = SlaReporter(redis, settings, prefix)
        week = Period.week("2026-W48")
        timings = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            report = await reporter.build(week)
            timings.append((time.perf_counter() - t0) * 1000)
        day_timings = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            await reporter.build(Period.day(week.days[2]))
            day_timings.append((time.perf_counter() - t0) * 1000)

        state = await memory_of(redis, f"{prefix}:*:sla:c:*")
        masks = await memory_of(redis, f"{prefix}:*:b")
        counters = await memory_of(redis, f"{prefix}:*:sla:[dw]:*[0-9]")

        data = report_to_json(report)
        print(f"events recorded        {args.events:,} in {elapsed:.2f} s -> {args.events / elapsed:,.0f} events/s"
              f" (batch {args.batch}, {args.in_flight} pipeline(s) in flight)")
        print(f"redis used_memory      before {before / 2**20:.1f} MiB, after {after / 2**20:.1f} MiB "
              f"(+{(after - before) / 2**20:.1f} MiB, {total_keys:,} keys)")
        print(f"  by MEMORY USAGE       conversation state {state[1] / 2**20:.1f} MiB in {state[0]:,} keys "
              f"(each expires {settings.closed_state_ttl_s} s after close)")
        print(f"                        buyer marks {masks[1] / 2**20:.1f} MiB in {masks[0]} hashes "
              f"(expire {settings.buyer_mask_ttl_s} s after last write)")
        print(f"                        counters {counters[1] / 2**20:.2f} MiB in {counters[0]} hashes "
              f"(kept {settings.counter_ttl_days} days: what stays in the long run)")
        print(f"weekly report 2026-W48 median {statistics.median(timings):.2f} ms, "
              f"max {max(timings):.2f} ms over {args.repeats} builds "
              f"({len(data['shops'])} shops, {len(data['agents'])} agents)")
        print(f"daily report           median {statistics.median(day_timings):.2f} ms")
        for shop in data["shops"]:
            print(f"  {shop['id']:<10} rounds {shop['rounds']:>7,}  30s {shop['reply_rate_30s']}  "
                  f"3m {shop['reply_rate_3m']}  avg {shop['avg_response_s']} s  "
                  f"non-service {shop['non_service_rate']}  dissatisfied {shop['dissatisfaction_rate']}  "
                  f"served {shop['served']:,}")
    finally:
        removed = await delete_matching(redis, f"{prefix}*")
        print(f"cleanup                deleted {removed:,} keys under {prefix}")
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
