"""Ingest + workers through Redis streams: crashes, re-deliveries and failing handlers.

The crash test runs real processes (`python -m bot ingest`, two `python -m bot worker`)
against the emulator and the real Redis, and kills one worker with SIGKILL in the middle
of a burst. The other tests run ingest/worker tasks in this process, so a fault can be
injected into the handling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.clock import SystemClock
from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder, load_knowledge
from bot.runtime.app import build_runtime, make_bot
from bot.runtime.ingest import SECRET_HEADER, Ingest
from bot.runtime.keys import RuntimeKeys
from bot.runtime.process import Roles, serve
from bot.runtime.redis_connection import embedded
from bot.runtime.send_streams import SendStreams
from bot.runtime.settings import RuntimeSettings
from bot.runtime.streams import UpdateStreams
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator
from tests.conftest import DEMO_NOW
from tests.e2e.harness import AGENTS, NANA, XIAO_LI, XIAO_WANG, demo_settings, eventually
from tests.e2e.worker_processes import FAST, QUESTION, Process, answers_to, serving, streams_drained

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

async def test_a_worker_killed_mid_burst_leaves_every_buyer_answered_exactly_once(
        redis: Redis, key_prefix: str, tmp_path: Path) -> None:
    async with Emulator() as emulator:
        logs = {name: tmp_path / f"{name}.log" for name in ("ingest", "w1", "w2")}
        ingest = Process("ingest", emulator, key_prefix, logs["ingest"])
        workers = [Process("worker", emulator, key_prefix, logs[name], client=name) for name in ("w1", "w2")]
        streams = UpdateStreams(redis, RuntimeKeys(key_prefix, FAST["stream_partitions"]))
        try:
            await eventually(lambda: emulator.stats.polls > 0, timeout=120, what="ingest to poll")
            # Both workers own partitions before the burst, so the kill takes some of it away.
            owners: set[bytes] = set()
            deadline = asyncio.get_running_loop().time() + 120
            while len(owners) < 2:
                assert asyncio.get_running_loop().time() < deadline, "the workers never took partitions"
                owners = {await redis.get(streams.keys.partition_lease(p)) for p in streams.partitions} - {None}
                await asyncio.sleep(0.05)
            # Every answer hangs in flight, received but never applied, so the kill below catches
            # the workers with updates half handled. The dying worker's calls stay unapplied for
            # good, even one still on its way when it dies (its request is lost, as the test
            # means: one Telegram applied before the kill would be shown again, see effects.py).
            # The live worker's calls fail once released, and it sends them again.
            dying = emulator.faults.stall_next("sendMessage", times=10_000, client="w1")
            living = emulator.faults.stall_next("sendMessage", times=10_000, client="w2")
            buyers = [emulator.chats.new_buyer().id for _ in range(40)]
            asked = {b: emulator.user_sends(b, b, QUESTION)["message_id"] for b in buyers}

            def answered() -> int:
                return sum(1 for b, m in asked.items() if answers_to(emulator, b, m))

            await eventually(lambda: len(dying.hits) >= 2 and len(living.hits) >= 2, timeout=60,
                             what="updates half handled by both workers")
            workers[0].kill()
            emulator.faults.drop(living)
            emulator.faults.release_stalls()
            await eventually(lambda: answered() == len(buyers), timeout=90, what="every buyer answered")
            while not await streams_drained(streams):  # every update handled and acknowledged
                await asyncio.sleep(0.1)
            counts = {b: len(answers_to(emulator, b, m)) for b, m in asked.items()}
            assert set(counts.values()) == {1}, {b: n for b, n in counts.items() if n != 1}
        finally:
            for process in (ingest, *workers):
                process.stop()
    for name, path in logs.items():
        assert b"Traceback" not in path.read_bytes(), f"{name}: {path.read_text(errors='replace')}"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    """Loaded once for the module (about 3 s: the intent model is trained); snapshots are immutable."""
    return load_knowledge(Settings(), DEMO_NOW)


def fast_settings(key_prefix: str, **overrides: Any) -> Settings:
    return demo_settings(key_prefix, runtime=RuntimeSettings(**FAST), **overrides)


async def test_a_webhook_update_delivered_twice_is_answered_once(
        redis: Redis, key_prefix: str, knowledge: Knowledge) -> None:
    settings = fast_settings(key_prefix)
    async with serving(settings, redis, knowledge, Roles(ingest=False, work=True)) as (emulator, runtime):
        streams = UpdateStreams(redis, RuntimeKeys(key_prefix, FAST["stream_partitions"]))
        ingest = Ingest(runtime.bot, streams, runtime.metrics)
        message = emulator.user_sends(XIAO_WANG, XIAO_WANG, QUESTION)
        update = {"update_id": 880001, "message": message}
        async with TestClient(TestServer(ingest.webhook_app("s3cret", "/hook"))) as client:
            refused = await client.post("/hook", json=update, headers={SECRET_HEADER: "wrong"})
            assert refused.status == 401
            for _ in range(2):  # Telegram did not get our first 200 and delivers it again
                response = await client.post("/hook", json=update, headers={SECRET_HEADER: "s3cret"})
                assert response.status == 200
        await eventually(lambda: answers_to(emulator, XIAO_WANG, message["message_id"]), timeout=10,
                         what="the answer")
        while not await streams_drained(streams):
            await asyncio.sleep(0.05)
        assert len(answers_to(emulator, XIAO_WANG, message["message_id"])) == 1
        assert runtime.metrics.updates_duplicate._value.get() == 1


async def test_an_update_that_keeps_failing_is_dead_lettered_ops_told_and_can_be_retried(
        redis: Redis, key_prefix: str, knowledge: Knowledge) -> None:
    settings = fast_settings(key_prefix, ops_ids=frozenset({NANA}))
    redis_down = True

    async def flaky(handler: Callable[[Any, dict[str, Any]], Awaitable[Any]], event: Any,
                    data: dict[str, Any]) -> Any:
        if redis_down and event.from_user and event.from_user.id == XIAO_LI:
            raise RedisConnectionError("Connection refused")
        return await handler(event, data)

    async with serving(settings, redis, knowledge, Roles(ingest=True, work=True)) as (emulator, runtime):
        runtime.dp.message.outer_middleware(flaky)
        streams = UpdateStreams(redis, RuntimeKeys(key_prefix, FAST["stream_partitions"]))
        failing = emulator.user_sends(XIAO_LI, XIAO_LI, QUESTION)["message_id"]
        fine = emulator.user_sends(XIAO_WANG, XIAO_WANG, QUESTION)["message_id"]
        await emulator.record.wait_until(lambda: any("处理失败" in (c.text or "") for c in emulator.record.sent("sendMessage", NANA)),
                                  timeout=15, what="ops told about the dead letter")
        assert answers_to(emulator, XIAO_WANG, fine)  # the other buyer was not held up
        assert not answers_to(emulator, XIAO_LI, failing)
        letters = await streams.dead_letters()
        assert [l.update_id for l in letters] and "Connection refused" in letters[0].reason
        assert letters[0].attempts == FAST["handle_max_attempts"]

        redis_down = False  # the cause is fixed; ops retry it
        assert await streams.retry_dead(letters[0])
        await emulator.record.wait_until(lambda: answers_to(emulator, XIAO_LI, failing), timeout=10,
                                  what="the retried update answered")
        assert await streams.dead_letters() == []


async def test_metrics_and_health_show_what_was_handled(
        redis: Redis, key_prefix: str, knowledge: Knowledge) -> None:
    settings = fast_settings(key_prefix)
    settings.runtime.metrics_port = 0
    ports: list[int] = []
    async with Emulator() as emulator:
        clock = SystemClock()
        runtime = build_runtime(settings, bot=make_bot(SANDBOX_TOKEN, emulator.base_url), redis=redis,
                                clock=clock, holder=KnowledgeHolder(settings, clock, knowledge))
        stop = asyncio.Event()
        task = asyncio.create_task(serve(runtime, Roles(ingest=True, work=True), stop,
                                         on_ready=lambda port: ports.append(port)))
        try:
            await eventually(lambda: ports, timeout=15, what="the metrics server")
            message = emulator.user_sends(XIAO_WANG, XIAO_WANG, QUESTION)["message_id"]
            await eventually(lambda: answers_to(emulator, XIAO_WANG, message), timeout=10, what="the answer")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{ports[0]}/healthz") as health:
                    assert health.status == 200 and (await health.json()) == {"ok": True}
                async with http.get(f"http://127.0.0.1:{ports[0]}/metrics") as page:
                    body = await page.text()
            lines = dict(line.rsplit(" ", 1) for line in body.splitlines() if line and not line.startswith("#"))
            assert float(lines["livedesk_updates_received_total"]) == 1
            assert float(lines["livedesk_updates_handled_total"]) == 1
            assert sum(float(v) for k, v in lines.items() if k.startswith("livedesk_sends_total{")) >= 1
            assert float(lines['livedesk_sends_by_priority_total{lane="buyer"}']) >= 1
            assert float(lines["livedesk_sends_queued"]) == 0
            assert float(lines["livedesk_dead_letters"]) == 0
            assert "livedesk_handoff_queue_length" in lines
        finally:
            stop.set()
            await asyncio.gather(task, return_exceptions=True)
            await runtime.close()


async def test_an_update_failing_on_redis_for_a_while_is_retried_and_answered_once(
        redis: Redis, key_prefix: str, knowledge: Knowledge) -> None:
    settings = fast_settings(key_prefix)
    failures_left = 2

    async def away_then_back(handler: Callable[[Any, dict[str, Any]], Awaitable[Any]], event: Any,
                             data: dict[str, Any]) -> Any:
        nonlocal failures_left
        if event.from_user and event.from_user.id == XIAO_LI and failures_left:
            failures_left -= 1
            raise RedisConnectionError("Connection refused")
        return await handler(event, data)

    async with serving(settings, redis, knowledge, Roles(ingest=True, work=True)) as (emulator, runtime):
        runtime.dp.message.outer_middleware(away_then_back)
        streams = UpdateStreams(redis, RuntimeKeys(key_prefix, FAST["stream_partitions"]))
        asked = emulator.user_sends(XIAO_LI, XIAO_LI, QUESTION)["message_id"]
        await eventually(lambda: answers_to(emulator, XIAO_LI, asked), timeout=15, what="the answer")
        while not await streams_drained(streams):
            await asyncio.sleep(0.05)
        assert failures_left == 0
        assert len(answers_to(emulator, XIAO_LI, asked)) == 1
        assert await streams.dead_letters() == []
        assert runtime.metrics.updates_failed._value.get() == 2


@pytest.mark.parametrize("store", ["real-redis", "sandbox-embedded"])
async def test_the_worker_path_answers_and_hands_off_on_both_stores(
        store: str, redis: Redis, key_prefix: str, knowledge: Knowledge, caplog: pytest.LogCaptureFixture) -> None:
    """`livedesk run` and `livedesk sandbox` go through ingest, workers and the send streams;
    the sandbox does it on its embedded store, which must run the same stream commands."""
    bot_redis = redis if store == "real-redis" else embedded()
    settings = fast_settings(key_prefix)
    try:
        async with serving(settings, bot_redis, knowledge, Roles(ingest=True, work=True)) as (emulator, runtime):
            asked = emulator.user_sends(XIAO_WANG, XIAO_WANG, QUESTION)["message_id"]
            await eventually(lambda: answers_to(emulator, XIAO_WANG, asked), timeout=15, what="the answer")
            emulator.user_sends(XIAO_LI, XIAO_LI, "转人工")
            topics = await emulator.record.wait_sent(1, method="createForumTopic", timeout=15)
            thread = (topics[0].result or {}).get("message_thread_id")
            await emulator.record.wait_until(
                lambda: [c for c in emulator.record.sent("sendMessage", AGENTS)
                         if c.params.get("message_thread_id") == thread], timeout=15, what="the card in the topic")
            assert len(answers_to(emulator, XIAO_WANG, asked)) == 1
            sends = SendStreams(bot_redis, RuntimeKeys(key_prefix, FAST["stream_partitions"]))
            while await sends.backlog():  # every queued send went out and was acknowledged
                await asyncio.sleep(0.05)
    finally:
        if bot_redis is not redis:
            await bot_redis.aclose()
    failed = [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert not failed, f"errors on the {store} store: {failed}"
