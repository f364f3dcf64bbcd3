"""Handling one update from a stream: feed it to the Dispatcher, retry, or give it up.

The errors router (handlers/errors.py) would log a failed update and call it handled;
here a middleware on the Dispatcher's errors observer reports the failure to the attempt
instead, so nothing is acknowledged that was not handled — whichever layer failed: a
handler, or aiogram's own FSM middleware reading its state from an unreachable Redis. Failures are retried with
exponential backoff (Redis away, Telegram unreachable); after the configured attempts
the update moves to the dead-letter stream and the ops accounts are told.
The update is acknowledged only once the messages it queued are safely in the send
streams (or, for the few sent from the process itself, sent), so a worker killed before
that leaves it to be handled again — and the outbox's effect keys then show each message
once. Waiting for a write, not for Telegram, keeps a group's slow pace (20 a minute) from
holding up the partition.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import ErrorEvent, TelegramObject, Update
from pydantic import ValidationError
from redis.exceptions import RedisError

from bot.runtime.effects import CURRENT_UPDATE, UpdateScope
from bot.runtime.lease import sleep_unless
from bot.runtime.metrics import RuntimeMetrics
from bot.runtime.settings import RuntimeSettings
from bot.runtime.streams import Entry, UpdateStreams

log = logging.getLogger(__name__)

OUTCOME = "livedesk_attempt"
RETRY_CAP_SECONDS = 30.0

DeadLetterNotice = Callable[[Entry, str], Awaitable[None]]


@dataclass
class Attempt:
    error: BaseException | None = None


class AttemptMiddleware(BaseMiddleware):
    """On the errors observer: a failure is recorded on the attempt, not logged and swallowed
    as handled. Without an attempt (the direct polling path) the errors router runs as before.

    Why there and not as an update middleware: aiogram's errors middleware is the outermost
    update middleware and its FSM middleware (a Redis read) runs before any registered later,
    so a failure there would never reach an update middleware of ours."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        attempt = data.get(OUTCOME)
        if attempt is None or not isinstance(event, ErrorEvent):
            return await handler(event, data)
        attempt.error = event.exception  # retried or dead-lettered by the worker
        return None


def install(dp: Dispatcher) -> None:
    dp.errors.outer_middleware(AttemptMiddleware())


class UpdateHandler:
    def __init__(self, dp: Dispatcher, bot: Bot, streams: UpdateStreams, settings: RuntimeSettings,
                 metrics: RuntimeMetrics, on_dead: DeadLetterNotice) -> None:
        self._dp = dp
        self._bot = bot
        self._streams = streams
        self._settings = settings
        self._metrics = metrics
        self._on_dead = on_dead

    async def _once(self, entry: Entry) -> BaseException | None:
        try:
            update = Update.model_validate(entry.update, context={"bot": self._bot})
        except (ValidationError, ValueError) as exc:
            return exc
        attempt = Attempt()
        scope = UpdateScope(entry.update_id)
        token = CURRENT_UPDATE.set(scope)
        try:
            await self._dp.feed_update(self._bot, update, **{OUTCOME: attempt})
        except Exception as exc:  # noqa: BLE001 - e.g. an outer middleware failing on Redis
            attempt.error = exc
        finally:
            CURRENT_UPDATE.reset(token)
        if attempt.error is None and scope.sends:
            # Queued in the send log (a Redis write each) or sent from here. A send finally
            # refused by Telegram was logged by the outbox and is not retried; a send that
            # could not be queued fails the update, which is then handled again.
            results = await asyncio.gather(*scope.sends, return_exceptions=True)
            attempt.error = next((r for r in results if isinstance(r, RedisError)), None)
        return attempt.error

    async def _redis_answers(self) -> bool:
        try:
            return bool(await self._streams.redis.ping())
        except RedisError:
            return False

    async def _wait_for_redis(self, entry: Entry, stop: asyncio.Event) -> bool:
        """Wait until Redis answers again; False when `stop` came first."""
        delay = self._settings.handle_retry_seconds or 0.05
        log.warning("update %s waits for Redis to come back", entry.update_id)
        while not stop.is_set():
            await sleep_unless(stop, delay)
            if not stop.is_set() and await self._redis_answers():
                return True
            delay = min(RETRY_CAP_SECONDS / 10, delay * 2)
        return False

    async def handle(self, entry: Entry, stop: asyncio.Event) -> bool:
        """Handle `entry` until done or given up; True when it was acknowledged or dead-lettered,
        False when `stop` interrupted the retries (it then stays pending for the next owner)."""
        started = time.monotonic()
        attempts = self._settings.handle_max_attempts
        error: BaseException | None = None
        attempt = 0
        while attempt < attempts:
            attempt += 1
            error = await self._once(entry)
            if error is None:
                await self._streams.settle(entry)
                self._metrics.updates_handled.inc()
                self._metrics.handle_seconds.observe(time.monotonic() - started)
                return True
            self._metrics.updates_failed.inc()
            if isinstance(error, RedisError) and not await self._redis_answers():
                # Redis itself is away: not this update's fault, so no attempt is spent on it
                # (a 10 s outage would otherwise dead-letter every update in hand).
                attempt -= 1
                if not await self._wait_for_redis(entry, stop):
                    return False  # stopping: left pending, the next owner handles it
                continue
            if isinstance(error, ValidationError):
                break  # an update that does not parse will never parse
            if attempt == attempts:
                break
            delay = min(RETRY_CAP_SECONDS, self._settings.handle_retry_seconds * 2 ** (attempt - 1))
            log.warning("update %s failed (attempt %d of %d: %r); again in %.1fs",
                        entry.update_id, attempt, attempts, error, delay)
            try:
                await asyncio.wait_for(stop.wait(), delay)
                return False  # stopping: left pending, the next owner handles it
            except TimeoutError:
                pass
        reason = f"{type(error).__name__}: {error}"
        log.error("update %s given up after %d attempt(s): %s; moved to the dead letters",
                  entry.update_id, attempt, reason, exc_info=error)
        await self._streams.dead_letter(entry, reason, attempt)
        self._metrics.updates_dead.inc()
        try:
            await self._on_dead(entry, reason)
        except Exception:  # noqa: BLE001 - telling ops must not stop the partition
            log.exception("could not tell ops about dead letter %s", entry.update_id)
        return True
