"""What an update already made visible, so that handling it twice shows it once.

Updates are handled at least once (a worker killed mid-update, a retry after a Redis
error, two workers briefly both believing they own a partition). Every message the bot
sends while handling an update gets a key made of the update id, the chat, the purpose
and its rank among such sends. Before sending, the key is claimed ("sending", expiring
after `claim_seconds`); once Telegram accepted the message it is recorded under that key
for a day. Handling the update again produces the same keys: a recorded message is
returned instead of sending, and a claimed one is waited for, so two handlers running at
once still send once. What remains: a process killed after Telegram applied a message
and before it was recorded; its claim expires and the message is sent again.

The update being handled is carried in a ContextVar (the one process-wide object here):
the outbox is reached from deep inside services that never see the update, and a
ContextVar is exactly "per task" — tasks started while handling inherit it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from collections.abc import Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.types import Message, MessageId
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.runtime.keys import RuntimeKeys

log = logging.getLogger(__name__)

EFFECT_TTL_SECONDS = 24 * 3600


@dataclass
class UpdateScope:
    """The update being handled and the sends it queued (awaited before it is acknowledged)."""

    update_id: int
    _ranks: Counter[tuple[int, str]] = field(default_factory=Counter)
    sends: list[asyncio.Future[Any]] = field(default_factory=list)
    _writes: dict[int, asyncio.Task[None]] = field(default_factory=dict)

    def start_write(self, chat_id: int, write: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Start writing one of this update's sends to the send log (awaited before the
        acknowledgement). A chat's writes go one after another: concurrent XADDs travel on
        different pooled connections and can reach Redis swapped (答复0, 答复2, 答复1)."""
        previous = self._writes.get(chat_id)
        task = asyncio.get_running_loop().create_task(_after(previous, write) if previous else write)
        self._writes[chat_id] = task
        self.sends.append(task)
        return task

    def effect_key(self, chat_id: int, purpose: str) -> str:
        self._ranks[(chat_id, purpose)] += 1
        return f"u{self.update_id}:{purpose}:{self._ranks[(chat_id, purpose)]}"


async def _after(previous: asyncio.Task[None], write: Coroutine[Any, Any, None]) -> None:
    """`write` once `previous` has ended, whatever its outcome (its update handles that)."""
    await asyncio.wait([previous])
    await write


CURRENT_UPDATE: ContextVar[UpdateScope | None] = ContextVar("livedesk_current_update", default=None)


SENDING = b"sending"
WAIT_STEP_SECONDS = 0.2
RECORD_RETRY_SECONDS = 0.1
RECORD_PATIENCE_SECONDS = 120.0
"""How long a sent message's record is retried while Redis is away (then it is logged)."""


class SentEffects:
    """Sent messages by effect key, in Redis."""

    def __init__(self, redis: Redis, keys: RuntimeKeys, bot: Bot, claim_seconds: float = 10.0) -> None:
        self._redis = redis
        self._keys = keys
        self._bot = bot
        self._claim_ms = max(100, int(claim_seconds * 1000))

    async def claim(self, chat_id: int, key: str) -> Message | MessageId | None:
        """None when this process should send now (the key is claimed for it); else the
        message sent before under this key, waiting while another handler is sending it.

        Raises RedisError when Redis cannot say: sending anyway would show the message
        twice when another worker takes the same send once Redis is back (a paused Redis
        lets every lease lapse at once). The caller keeps the send for later instead."""
        name = self._keys.effect(chat_id, key)
        while True:
            if await self._redis.set(name, SENDING, nx=True, px=self._claim_ms):
                return None
            raw = await self._redis.get(name)
            if raw is None:
                continue  # the other claim just expired
            if raw in (SENDING, SENDING.decode()):
                await asyncio.sleep(WAIT_STEP_SECONDS)
                continue
            return self._parse(raw)

    async def unclaim(self, chat_id: int, key: str) -> None:
        """The send was given up: let a later handling try again."""
        name = self._keys.effect(chat_id, key)
        try:
            if await self._redis.get(name) in (SENDING, SENDING.decode()):
                await self._redis.delete(name)
        except RedisError as exc:
            log.warning("could not release the claim on %s to chat %s (%s)", key, chat_id, exc)

    def _parse(self, raw: bytes | str) -> Message | MessageId:
        data = json.loads(raw)
        kind = MessageId if data["t"] == "message_id" else Message
        return kind.model_validate(data["v"], context={"bot": self._bot})

    async def record(self, chat_id: int, key: str, sent: Message | MessageId) -> None:
        """Record a message Telegram accepted, trying again while Redis is away.

        Why keep trying: the claim expires after `claim_seconds`, and an update whose sends
        were not recorded is handled again once Redis is back (it could not be acknowledged
        meanwhile either); without the record the buyer would get the message twice. The
        caller (the chat's outbox lane, then the update's acknowledgement) waits for it.
        """
        data = {"t": "message_id" if isinstance(sent, MessageId) else "message",
                "v": sent.model_dump(mode="json", exclude_none=True, by_alias=True)}
        name, value = self._keys.effect(chat_id, key), json.dumps(data, ensure_ascii=False)
        deadline = time.monotonic() + RECORD_PATIENCE_SECONDS
        delay = RECORD_RETRY_SECONDS
        while True:
            try:
                await self._redis.set(name, value, ex=EFFECT_TTL_SECONDS)
                return
            except RedisError as exc:
                if time.monotonic() >= deadline:
                    log.error("sent %s to chat %s but could not record it for %.0fs (%s); handled again, "
                              "it would be sent again", key, chat_id, RECORD_PATIENCE_SECONDS, exc)
                    return
                if delay == RECORD_RETRY_SECONDS:
                    log.warning("sent %s to chat %s but cannot record it yet (%s); trying until Redis is back",
                                key, chat_id, exc)
                await asyncio.sleep(delay)
                delay = min(1.0, delay * 2)
