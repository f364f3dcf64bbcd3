"""Ingest: receive Telegram's updates and keep each in Redis before acknowledging it.

Long polling: the next getUpdates offset (Telegram's acknowledgement) moves past an
update only after it was written to its stream, so a crash between the two makes
Telegram deliver it again — and the write de-duplicates by update id. Webhook: the
HTTP answer is 200 only after the write; on a Redis error it is 503 and Telegram
re-sends. The webhook is registered with `max_connections=1`: Telegram then sends one
update at a time, in order (with its default of 40 parallel requests, two messages of
one chat could reach the streams swapped). Nothing else happens here: no handling.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError
from redis.exceptions import RedisError

from bot.runtime.lease import sleep_unless
from bot.runtime.metrics import RuntimeMetrics
from bot.runtime.streams import UpdateStreams

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Ingest:
    def __init__(self, bot: Bot, streams: UpdateStreams, metrics: RuntimeMetrics,
                 allowed_updates: list[str] | None = None) -> None:
        self._bot = bot
        self._streams = streams
        self._metrics = metrics
        self._allowed = allowed_updates

    async def keep(self, update: dict[str, Any]) -> bool:
        """Write one raw update to its stream; False for a re-delivery already kept."""
        added = await self._streams.add(update)
        (self._metrics.updates_received if added else self._metrics.updates_duplicate).inc()
        if not added:
            log.info("update %s delivered again; already kept", update.get("update_id"))
        return added

    async def _keep_until_written(self, update: dict[str, Any], stop: asyncio.Event) -> bool:
        delay = 0.1
        while not stop.is_set():
            try:
                await self.keep(update)
                return True
            except RedisError as exc:
                log.warning("cannot keep update %s (%s); trying again in %.1fs", update.get("update_id"),
                            exc, delay)
                await sleep_unless(stop, delay)
                delay = min(5.0, delay * 2)
        return False

    async def poll(self, stop: asyncio.Event, timeout: int = 10) -> None:
        """Long-poll Telegram until `stop`, keeping every update before asking for the next."""
        await self._bot.delete_webhook()
        offset: int | None = None
        backoff = 0.5
        while not stop.is_set():
            request = GetUpdates(offset=offset, timeout=timeout, allowed_updates=self._allowed)
            fetch = asyncio.ensure_future(self._bot(request))
            halt = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, halt}, return_when=asyncio.FIRST_COMPLETED)
            halt.cancel()
            if not fetch.done():
                fetch.cancel()  # unacknowledged: Telegram sends them again to the next poller
                break
            try:
                updates: list[Update] = fetch.result()
            except TelegramRetryAfter as exc:
                await sleep_unless(stop, exc.retry_after)
                continue
            except (TelegramNetworkError, TelegramServerError) as exc:
                log.warning("getUpdates failed (%s); again in %.1fs", exc, backoff)
                await sleep_unless(stop, backoff)
                backoff = min(30.0, backoff * 2)
                continue
            backoff = 0.5
            if not await self._keep_batch(updates, stop):
                return  # stopped before all were kept: not acknowledged, Telegram sends them again
            if updates:
                offset = updates[-1].update_id + 1

    async def _keep_batch(self, updates: list[Update], stop: asyncio.Event) -> bool:
        """Keep a getUpdates page: partitions written in parallel, each in order."""
        lanes: dict[int, list[dict[str, Any]]] = {}
        for update in updates:
            raw = update.model_dump(mode="json", exclude_unset=True, by_alias=True)
            if len(raw) <= 1:
                continue  # a malformed update, logged and blanked by the session: nothing to keep
            lanes.setdefault(self._streams.partition_for(raw), []).append(raw)

        async def lane(items: list[dict[str, Any]]) -> bool:
            for item in items:
                if not await self._keep_until_written(item, stop):
                    return False
            return True

        return all(await asyncio.gather(*(lane(items) for items in lanes.values())))

    def webhook_app(self, secret: str, path: str) -> web.Application:
        """The webhook endpoint: checks the secret, keeps the update, then answers 200."""

        async def receive(request: web.Request) -> web.Response:
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
                return web.Response(status=401)
            try:
                raw = await request.json(loads=json.loads)
                Update.model_validate(raw, context={"bot": self._bot})
            except (ValueError, ValidationError) as exc:
                log.warning("malformed webhook update skipped: %s", str(exc)[:200])
                return web.Response(status=200)
            try:
                await self.keep(raw)
            except RedisError as exc:
                log.warning("cannot keep webhook update %s (%s); Telegram will send it again",
                            raw.get("update_id"), exc)
                return web.Response(status=503)
            return web.Response(status=200)

        app = web.Application()
        app.router.add_post(path, receive)
        return app

    async def register_webhook(self, url: str, secret: str) -> None:
        await self._bot.set_webhook(url, secret_token=secret, allowed_updates=self._allowed, max_connections=1)
        log.info("webhook registered at %s (one connection at a time, in order)", url)
