"""Opening the Redis connection: the real server, or an embedded one for the sandbox.

Connections retry transient failures (a restarted server, a dropped socket) with
exponential backoff, so a Redis hiccup delays an answer instead of losing it.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.runtime.settings import RuntimeSettings

log = logging.getLogger(__name__)


def display_url(url: str) -> str:
    """The URL to show people: the password (and a user name's secret part) replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _retry() -> Retry:
    return Retry(ExponentialBackoff(cap=2.0, base=0.05), retries=5)


def connect(url: str, settings: RuntimeSettings | None = None) -> Redis:
    """A client for the server at `url`, retrying connection errors and timeouts.

    The pool is bounded and reads time out, so a hung Redis fails an update (which is then
    retried) instead of freezing the process. When every connection is busy (a burst of
    sends, each checking its pace) a caller waits up to the read timeout for one to come
    free rather than failing at once: a blocking pool. A `redis+cluster://` URL (or REDIS_CLUSTER=1
    style settings handled by the caller) gives a Redis Cluster client with the same options.
    """
    settings = settings or RuntimeSettings()
    options = dict(retry=_retry(), retry_on_error=[RedisConnectionError, RedisTimeoutError],
                   socket_connect_timeout=5, socket_timeout=settings.redis_socket_timeout,
                   max_connections=settings.redis_max_connections)
    if url.startswith("redis+cluster://"):
        return RedisCluster.from_url("redis://" + url.removeprefix("redis+cluster://"), **options)  # type: ignore[return-value]
    pool = BlockingConnectionPool.from_url(url, health_check_interval=30, timeout=settings.redis_socket_timeout,
                                           **options)
    return Redis.from_pool(pool)  # owns the pool: aclose() closes its connections


def embedded() -> Redis:
    """An in-process Redis (fakeredis) so the sandbox runs with nothing installed."""
    import fakeredis

    log.info("using the embedded in-memory Redis (set REDIS_URL to use a real server)")
    return fakeredis.FakeAsyncRedis()
