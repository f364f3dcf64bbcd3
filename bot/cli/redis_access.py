"""How CLI commands reach Redis: say which one, and fail in one line when it is not there.

A newcomer running `livedesk sla report` against the wrong database sees empty figures and
no hint why; one with Redis down used to get a long traceback. Every command that uses
Redis prints which server it reads (password masked) on stderr, so JSON on stdout stays
clean, and turns an unreachable server into one line and exit code 1.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rich.console import Console

from bot.runtime.redis_connection import display_url

UNREACHABLE_EXIT_CODE = 1


class RedisUnreachable(Exception):
    """Redis did not answer; the message is the one line to print."""


def announce(console: Console, url: str | None, prefix: str) -> None:
    """One line on which store a command reads: the server (masked) or the embedded one."""
    where = display_url(url) if url else "the embedded in-memory store (set REDIS_URL for a real server)"
    console.print(f"Redis: {where}, key prefix {prefix!r}", markup=False, highlight=False, soft_wrap=True)


def one_shot_client(url: str) -> Redis:
    """A client for a command that runs once: no retries, so a missing server fails fast."""
    return Redis.from_url(url, socket_connect_timeout=5, retry=Retry(NoBackoff(), 0))


def unreachable_line(url: str, exc: BaseException) -> str:
    reason = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
    return (f"Cannot reach Redis at {display_url(url)}: {reason}. "
            "Start Redis, or set REDIS_URL (or --redis-url) to the right server.")


async def ensure_reachable(redis: Redis, url: str) -> None:
    """Ping once; raise RedisUnreachable with the line to print when Redis does not answer."""
    try:
        await redis.ping()
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise RedisUnreachable(unreachable_line(url, exc)) from exc
    except RedisError as exc:  # e.g. a wrong password: reachable, but not usable
        raise RedisUnreachable(f"Redis at {display_url(url)} refused the connection: {exc}") from exc
