"""What one process runs: ingest, a worker, or both (`livedesk run`, `livedesk sandbox`).

The all-in-one process is the same ingest and worker tasks sharing one event loop, so
the small-shop setup goes through the very path the scaled one does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from redis.exceptions import RedisError

from bot.knowledge.messages import dead_letter
from bot.runtime import handling
from bot.runtime.app import Runtime
from bot.runtime.handling import UpdateHandler
from bot.runtime.ingest import Ingest
from bot.runtime.keys import RuntimeKeys
from bot.runtime.lease import Lease, run_under_lease
from bot.runtime.metrics import RuntimeMetrics, serve_metrics
from bot.runtime.send_consumer import SendConsumer
from bot.runtime.send_streams import SendStreams
from bot.runtime.settings import RuntimeSettings
from bot.runtime.streams import Entry, UpdateStreams
from bot.runtime.worker import Worker, worker_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Roles:
    ingest: bool
    work: bool


def runtime_keys(runtime: Runtime) -> RuntimeKeys:
    settings = runtime.settings
    return RuntimeKeys(settings.redis_prefix, settings.runtime.stream_partitions)


async def _refresh(runtime: Runtime, streams: UpdateStreams, sends: SendStreams, metrics: RuntimeMetrics) -> None:
    for partition in streams.partitions:
        stats = await streams.stats(partition)
        label = str(partition)
        metrics.stream_length.labels(label).set(stats.length)
        metrics.stream_pending.labels(label).set(stats.pending)
        metrics.stream_lag.labels(label).set(stats.lag)
    metrics.dead_letters.set(await streams.dead_count())
    metrics.sends_queued.set(await sends.backlog())
    queue = runtime.handoff.queue
    waiting = [c for shop in await queue.queued_shops() for c in await queue.queue(shop)]
    metrics.handoff_queue.set(len(waiting))
    now = runtime.clock.now()
    metrics.handoff_oldest_wait.set(max(((now - c.queued_at).total_seconds() for c in waiting), default=0))


async def serve(runtime: Runtime, roles: Roles, stop: asyncio.Event,
                webhook_secret: str | None = None,
                on_ready: Callable[[int | None], Awaitable[None] | None] | None = None) -> None:
    """Run the given roles until `stop` is set, then finish the updates in hand and close."""
    settings = runtime.settings
    rt: RuntimeSettings = settings.runtime
    streams = UpdateStreams(runtime.redis, runtime_keys(runtime))
    sends = SendStreams(runtime.redis, runtime_keys(runtime))
    metrics = runtime.metrics
    name = worker_name()
    tasks: list[asyncio.Task[None]] = []
    runners: list[web.AppRunner] = []
    port: int | None = None
    if rt.metrics_port is not None:
        async def healthy() -> bool:
            try:
                return bool(await runtime.redis.ping())
            except RedisError:
                return False

        runner, port = await serve_metrics(metrics, rt.metrics_host, rt.metrics_port,
                                           refresh=lambda m: _refresh(runtime, streams, sends, m), healthy=healthy)
        runners.append(runner)
    if roles.work:
        handling.install(runtime.dp)
        await runtime.learn_identity()
        # Every worker looks for due room answers, not only the background lease's holder:
        # a gathering opened by a worker that died is posted by the others within moments.
        runtime.burst.start()
        handler = UpdateHandler(runtime.dp, runtime.bot, streams, rt, metrics,
                                on_dead=lambda entry, reason: _tell_ops_dead(runtime, entry, reason))
        runtime.outbox.keep_in(sends)
        worker = Worker(streams, handler, rt, metrics, name=name,
                        sends=SendConsumer(sends, runtime.outbox, rt.claim_idle_seconds))
        tasks.append(asyncio.create_task(worker.run(stop), name="worker"))
        background = Lease(runtime.redis, streams.keys.lease("background"), name, rt.lease_seconds)
        tasks.append(asyncio.create_task(run_under_lease(background, runtime.run_background, stop=stop),
                                         name="background"))
    if roles.ingest:
        ingest = Ingest(runtime.bot, streams, metrics, runtime.dp.resolve_used_update_types())
        if settings.webhook_url:
            assert webhook_secret is not None
            runner = web.AppRunner(ingest.webhook_app(webhook_secret, settings.webhook_path), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
            runners.append(runner)
            await ingest.register_webhook(settings.webhook_url.rstrip("/") + settings.webhook_path, webhook_secret)
        else:
            tasks.append(asyncio.create_task(ingest.poll(stop), name="ingest"))
    if on_ready is not None:
        result = on_ready(port)
        if result is not None:
            await result
    await stop.wait()
    log.info("stopping: finishing the updates in hand")
    await asyncio.gather(*tasks, return_exceptions=True)
    for runner in runners:
        await runner.cleanup()


async def _tell_ops_dead(runtime: Runtime, entry: Entry, reason: str) -> None:
    update = entry.update
    message = update.get("message") or update.get("callback_query") or {}
    chat = (message.get("chat") or (message.get("message") or {}).get("chat") or {}).get("id")
    runtime.tell_ops(dead_letter(entry.update_id, chat, reason[:300], time.strftime("%H:%M:%S")))


async def dead_letter_streams(runtime: Runtime) -> UpdateStreams:
    return UpdateStreams(runtime.redis, runtime_keys(runtime))


