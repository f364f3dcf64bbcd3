"""The real bot, end to end: emulator + Dispatcher + templates + real Redis, in one loop.

Tests read like a session: a buyer says something, the test waits for the bot's next
message in that chat and asserts on it. Every bot call is recorded by the emulator, and
`idle` knows when the bot is done (updates confirmed, outbox drained), so `expect_silence`
can prove the bot said nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.runtime.app import Runtime, build_runtime, make_bot
from bot.sandbox.call_record import BotCall
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator

LIVE_ROOM = -1001000000100
AGENTS = -1001000000900
XIAO_WANG, XIAO_LI, XIAO_ZHANG = 700001, 700002, 700003
NANA, AMING = 900001, 900002
LAOZHOU = 900003  # beishang agent and supervisor


async def eventually(check: Callable[[], Any], timeout: float = 5.0, what: str = "the condition") -> None:
    """Poll `check` until it is true. For states that are not bot calls (fetched updates,
    polls), which the emulator's call-driven `wait_until` would only notice at its timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Session:
    emulator: Emulator
    runtime: Runtime
    settings: Settings
    redis: Redis
    clock: Clock

    def _seen(self, chat_id: int) -> int:
        return len(self.emulator.record.sent("sendMessage", chat_id))

    async def say(self, chat_id: int, user_id: int, text: str, *, timeout: float = 5.0,
                  **kwargs: Any) -> BotCall:
        """The user writes; returns the bot's next message in that chat."""
        before = self._seen(chat_id)
        self.emulator.user_sends(chat_id, user_id, text, **kwargs)
        calls = await self.emulator.record.wait_sent(before + 1, chat_id, method="sendMessage", timeout=timeout)
        return calls[before]

    async def private(self, user_id: int, text: str, **kwargs: Any) -> BotCall:
        return await self.say(user_id, user_id, text, **kwargs)

    async def room(self, user_id: int, text: str, **kwargs: Any) -> BotCall:
        return await self.say(LIVE_ROOM, user_id, text, **kwargs)

    async def press(self, reply: BotCall, user_id: int, data: str, *, timeout: float = 5.0) -> BotCall:
        message = reply.message
        assert message is not None
        chat_id = message["chat"]["id"]
        before = self._seen(chat_id)
        self.emulator.press_button(chat_id, user_id, message["message_id"], data)
        calls = await self.emulator.record.wait_sent(before + 1, chat_id, method="sendMessage", timeout=timeout)
        return calls[before]

    async def expect_silence(self, chat_id: int, user_id: int, text: str) -> None:
        """The user writes and the bot sends nothing at all to that chat, now or later.

        Checked once the bot is idle (see `idle`), so a slow machine cannot make a late
        answer look like silence; and nothing may be gathered for a later room post.
        """
        before = len(self.emulator.record.calls)
        self.emulator.user_sends(chat_id, user_id, text)
        await self.idle()
        after = [c for c in self.emulator.record.calls[before:] if c.chat_id == chat_id]
        assert not after, f"bot answered {text!r} with {[(c.method, c.text) for c in after]}"
        assert await self.runtime.burst.waiting() == 0, f"bot is gathering an answer to {text!r} to post later"

    async def idle(self, timeout: float = 5.0) -> None:
        """Wait until the bot is done with everything users did so far, with no fixed sleep.

        Idle means: every update the emulator queued was handed out and confirmed by a
        later getUpdates offset (the bot handles updates one after another and asks for
        the next offset only after handling, so confirmed means handled); on a ManualClock,
        every task its last advance woke (gathering windows, queue watch, SLA alerts,
        weekly report) is back asleep or done; and the outbox has sent everything queued.
        Not covered: the relay worker, which wakes on its own event rather than the clock;
        wait for what it sends, as the tests do.
        """
        manual = self.clock if isinstance(self.clock, ManualClock) else None
        while True:
            if manual is not None:
                await manual.settled(timeout)
            await self.emulator.updates.wait_updates_confirmed(timeout)
            await self.runtime.outbox.drain(timeout)
            if (self.emulator.updates.updates_confirmed and self.runtime.outbox.idle
                    and (manual is None or manual.settled_now)):
                return

    def buttons(self, reply: BotCall) -> list[str]:
        message = reply.message or {}
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [b["callback_data"] for row in rows for b in row]

    def html(self, reply: BotCall) -> str:
        value = reply.params.get("text")
        return value if isinstance(value, str) else ""

    def replied_to(self, reply: BotCall) -> int | None:
        target = (reply.message or {}).get("reply_to_message") or {}
        return target.get("message_id")


def demo_settings(key_prefix: str, **overrides: Any) -> Settings:
    """Demo settings with fast pacing (the pacing itself is tested on the Outbox)."""
    values: dict[str, Any] = dict(redis_prefix=key_prefix, burst_gather_seconds=0.3,
                                  burst_repeat_seconds=2.0, private_messages_per_second=100.0,
                                  group_messages_per_minute=6000)
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, redis: Redis, knowledge: Knowledge,
                      clock: Clock | None = None) -> AsyncIterator[Session]:
    clock = clock or SystemClock()
    emulator = Emulator()
    base = await emulator.start()
    bot = make_bot(SANDBOX_TOKEN, base)
    holder = KnowledgeHolder(settings, clock, knowledge)
    runtime = build_runtime(settings, bot=bot, redis=redis, clock=clock, holder=holder)
    polling = asyncio.create_task(runtime.start_polling(polling_timeout=1))
    try:
        await eventually(lambda: emulator.stats.polls > 0, what="the first getUpdates")
        yield Session(emulator, runtime, settings, redis, clock)
    finally:
        with contextlib.suppress(RuntimeError):
            await runtime.dp.stop_polling()
        await asyncio.gather(polling, return_exceptions=True)
        await runtime.close()
        await emulator.stop()
