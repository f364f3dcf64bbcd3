"""Prometheus metrics of ingest and workers, and the small HTTP server for /metrics and /healthz.

Each process owns one `RuntimeMetrics` with its own registry (nothing registered at
import). Counters are per process; gauges read from Redis (stream lag and pending, dead
letters, the handoff queue) are refreshed on each scrape, so every process reports the
shared state and any one of them can be scraped for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.telegram.pacing import Lane

log = logging.getLogger(__name__)

Refresh = Callable[["RuntimeMetrics"], Awaitable[None]]


class RuntimeMetrics:
    """The process's metrics; also the outbox's SendObserver (sends by purpose, 429s)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates_received = Counter("livedesk_updates_received", "Updates written to the streams", registry=r)
        self.updates_duplicate = Counter("livedesk_updates_duplicate",
                                         "Re-deliveries of updates already in the streams", registry=r)
        self.updates_handled = Counter("livedesk_updates_handled", "Updates handled and acknowledged",
                                       registry=r)
        self.updates_failed = Counter("livedesk_updates_failed", "Failed attempts at handling an update",
                                      registry=r)
        self.updates_dead = Counter("livedesk_updates_dead_lettered", "Updates given up on", registry=r)
        self.handle_seconds = Histogram("livedesk_update_handle_seconds",
                                        "Time from taking an update to acknowledging it", registry=r)
        self.sends = Counter("livedesk_sends", "Messages sent to Telegram", ["purpose"], registry=r)
        self.sends_by_priority = Counter("livedesk_sends_by_priority",
                                         "Messages sent to Telegram by lane (buyer, relay, low)", ["lane"],
                                         registry=r)
        self.sends_queued = Gauge("livedesk_sends_queued", "Messages queued in the send streams, not yet sent",
                                  registry=r)
        self.flood_waits = Counter("livedesk_telegram_429", "429 Too Many Requests answers", registry=r)
        self.stream_length = Gauge("livedesk_stream_length", "Entries in an update partition", ["partition"],
                                   registry=r)
        self.stream_pending = Gauge("livedesk_stream_pending", "Entries read but not yet acknowledged",
                                    ["partition"], registry=r)
        self.stream_lag = Gauge("livedesk_stream_lag", "Entries not yet read by any worker", ["partition"],
                                registry=r)
        self.dead_letters = Gauge("livedesk_dead_letters", "Updates waiting in the dead-letter streams",
                                  registry=r)
        self.partitions_owned = Gauge("livedesk_partitions_owned", "Partitions this worker consumes",
                                      registry=r)
        self.handoff_queue = Gauge("livedesk_handoff_queue_length", "Buyers waiting for an agent", registry=r)
        self.handoff_oldest_wait = Gauge("livedesk_handoff_oldest_wait_seconds",
                                         "How long the longest-waiting buyer has waited", registry=r)
        self.started = time.monotonic()

    def sent(self, purpose: str, lane: Lane) -> None:
        self.sends.labels(purpose).inc()
        self.sends_by_priority.labels(lane.name.lower()).inc()

    def flood_wait(self, chat_id: int, retry_after: float) -> None:
        self.flood_waits.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


async def serve_metrics(metrics: RuntimeMetrics, host: str, port: int,
                        refresh: Refresh | None = None,
                        healthy: Callable[[], Awaitable[bool]] | None = None) -> tuple[web.AppRunner, int]:
    """Start /metrics and /healthz; returns the runner (to clean up) and the bound port."""

    async def metrics_page(_: web.Request) -> web.Response:
        if refresh is not None:
            try:
                await refresh(metrics)
            except Exception as exc:  # noqa: BLE001 - a scrape must answer even when Redis does not
                log.warning("metrics refresh failed: %r", exc)
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def health(_: web.Request) -> web.Response:
        ok = True if healthy is None else await healthy()
        return web.json_response({"ok": ok}, status=200 if ok else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics_page)
    app.router.add_get("/healthz", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1] if site._server and site._server.sockets else port  # type: ignore[union-attr]
    log.info("metrics on http://%s:%s/metrics", host, bound)
    return runner, bound
