"""Running the multi-process runtime in tests: real `python -m bot ingest|worker` processes
against the emulator, or ingest and workers as tasks of this process (`serving`), with
timings short enough for a test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from redis.asyncio import Redis

from bot.clock import SystemClock
from bot.config import Settings
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.runtime.app import Runtime, build_runtime, make_bot
from bot.runtime.process import Roles, serve
from bot.runtime.streams import UpdateStreams
from bot.sandbox.emulator import SANDBOX_TOKEN, Emulator
from tests.conftest import ROOT, TEST_REDIS_URL

QUESTION = "什么时候发货"
FAST = dict(lease_seconds=1.5, claim_idle_seconds=1.0, handle_max_attempts=3, handle_retry_seconds=0.05,
            stream_partitions=8)


def answers_to(emulator: Emulator, chat_id: int, message_id: int) -> list[str]:
    """The bot's messages in a private chat after the buyer's message `message_id`."""
    return [c.text or "" for c in emulator.record.sent("sendMessage", chat_id)
            if (c.message or {}).get("message_id", 0) > message_id]


async def streams_drained(streams: UpdateStreams) -> bool:
    for partition in streams.partitions:
        stats = await streams.stats(partition)
        if stats.length:
            return False
    return True


class Process:
    """`python -m bot <role>` as a child process against the emulator, its stderr in `log_path`.

    Started at once; `kill` is a crash (SIGKILL), `start` again a restart with the same
    settings, `stop` a clean end. `fast` gives it FAST's short leases and idle periods.
    `client` names it to the emulator, whose faults can then target this process alone.
    """

    def __init__(self, role: str, emulator: Emulator, prefix: str, log_path: Path,
                 redis_url: str = TEST_REDIS_URL, fast: bool = True, client: str | None = None) -> None:
        self.role = role
        self.log_path = log_path
        api_base = emulator.base_url if client is None else f"{emulator.base_url}/c/{client}"
        self.env = {**os.environ, "BOT_TOKEN": SANDBOX_TOKEN, "TELEGRAM_API_BASE": api_base,
                    "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "LOG_LEVEL": "INFO",
                    "PRIVATE_MESSAGES_PER_SECOND": "100", "GROUP_MESSAGES_PER_MINUTE": "6000",
                    **({k.upper(): str(v) for k, v in FAST.items()} if fast else {})}
        self.process: subprocess.Popen[bytes]
        self.start()

    def start(self) -> None:
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen([sys.executable, "-m", "bot", self.role], cwd=ROOT, env=self.env,
                                            stdout=subprocess.DEVNULL, stderr=log)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextlib.asynccontextmanager
async def serving(settings: Settings, redis: Redis, knowledge: Knowledge,
                  roles: Roles) -> AsyncIterator[tuple[Emulator, Runtime]]:
    async with Emulator() as emulator:
        clock = SystemClock()
        bot = make_bot(SANDBOX_TOKEN, emulator.base_url)
        runtime = build_runtime(settings, bot=bot, redis=redis, clock=clock,
                                holder=KnowledgeHolder(settings, clock, knowledge))
        stop = asyncio.Event()
        ready = asyncio.Event()
        task = asyncio.create_task(serve(runtime, roles, stop, on_ready=lambda _: ready.set()))
        await asyncio.wait({task, asyncio.ensure_future(ready.wait())}, return_when=asyncio.FIRST_COMPLETED)
        try:
            yield emulator, runtime
        finally:
            stop.set()
            await asyncio.gather(task, return_exceptions=True)
            await runtime.close()
            if task.done() and task.exception():
                raise task.exception()  # type: ignore[misc]
