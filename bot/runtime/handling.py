"""Handling one update from a stream: feed it to the Dispatcher, retry, or give it up.

The errors router (handlers/errors.py) would log a failed update and call it handled;
here an inner update middleware catches the failure first and reports it to the
attempt, so nothing is acknowledged that was not handled. Failures are retried with
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
from aiogram.types import TelegramObject, Update
from pydantic import ValidationError
from redis.exceptions import RedisError

from bot.runtime.effects import CURRENT_UPDATE, UpdateScope
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
    """Inside aiogram's errors middleware: a failure is recorded on the attempt, not swallowed
    as handled. Without an attempt (the direct polling path) it changes nothing."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        attempt = data.get(OUTCOME)
        if attempt is None:
            return await handler(event, data)
        try:
            return await handler(event, data)
        except Exception as exc:  # noqa: BLE001 - every failure is retried or dead-lettered by the worker
            attempt.error = exc
            return None


def install(dp: Dispatcher) -> None:
    dp.update.outer_middleware(AttemptMiddleware())


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

    async def handle(self, entry: Entry, stop: asyncio.Event) -> bool:
        """Handle `entry` until done or given up; True when it was acknowledged or dead-lettered,
        False when `stop` interrupted the retries (it then stays pending for the next owner)."""
        started = time.monotonic()
        attempts = self._settings.handle_max_attempts
        error: BaseException | None = None
        for attempt in range(1, attempts + 1):
            error = await self._once(entry)
            if error is None:
                await self._streams.settle(entry)
                self._metrics.updates_handled.inc()
                self._metrics.handle_seconds.observe(time.monotonic() - started)
                return True
            self._metrics.updates_failed.inc()
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
