"""Redis going away mid-burst loses nothing and shows nothing twice.

Real processes (`python -m bot ingest`, two `python -m bot worker`) run against the
emulator and a redis-server of the test's own: a free loopback port, its own directory,
`appendonly yes` with `appendfsync always` (what the README asks of production). In the
middle of a burst of buyers' questions and of handed-off buyers' messages (relays to the
agents' topics) the server is restarted, stopped for 10 s, or paused for 10 s (SIGSTOP:
a hung Redis that accepts connections and never answers). Afterwards every buyer has
exactly one answer and every handed-off buyer's message is in its topic exactly once.

"Afterwards" is a positive signal, never a sleep: the update streams are empty (every
update handled and acknowledged; handling waits for the update's sends) and no relay is
due or set aside in the relay store.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.handoff import keys as handoff_keys
from bot.runtime.keys import RuntimeKeys
from bot.runtime.redis_connection import connect
from bot.runtime.streams import UpdateStreams
from bot.sandbox.emulator import Emulator
from tests.e2e.harness import AGENTS, eventually
from tests.e2e.worker_processes import FAST, QUESTION, Process, answers_to, streams_drained

# Not marked `redis`: these tests start their own redis-server (scripts/test installs it)
# and never use LIVEDESK_TEST_REDIS_URL, so the Redis Cluster pass would only repeat them.
pytestmark = pytest.mark.e2e

OUTAGE_SECONDS = 10.0
QUESTIONS = 16  # buyers asking a question, half before the fault and half during it
HANDED_OFF = 4  # buyers talking to the agents, two messages before the fault and two during it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server of this test alone, durable like production: every write is in the
    append-only file before the client gets its reply."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def ready(self, timeout: float = 20.0) -> None:
        """Return once the server answers PING (it has loaded its append-only file by then)."""
        deadline = time.monotonic() + timeout
        while True:
            probe = Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
            try:
                if await probe.ping():
                    return
            except RedisError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
            finally:
                await probe.aclose()

    def stop(self) -> None:
        """SIGTERM: the server finishes its append-only file and exits, as on a restart."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    assert shutil.which("redis-server"), "redis-server is installed by scripts/test"
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    try:
        await server.ready()
        yield server
    finally:
        server.kill()


@dataclass
class Buyers:
    """Who wrote what: question buyers' message ids, handed-off buyers' message ids."""

    asked: dict[int, int]
    relayed: dict[int, list[int]]


def copies_in_agents(emulator: Emulator, buyer: int, message_id: int) -> list[int | None]:
    """The topics the buyer's message was copied into (one entry per copy)."""
    return [c.params.get("message_thread_id") for c in emulator.record.sent("copyMessage", AGENTS)
            if int(c.params.get("from_chat_id", 0)) == buyer and int(c.params.get("message_id", 0)) == message_id]


async def settled(streams: UpdateStreams, key_prefix: str) -> bool:
    """Every update handled and acknowledged, and no relay due or set aside."""
    if not await streams_drained(streams):
        return False
    return not (await streams.redis.zcard(handoff_keys.relays_due(key_prefix))
                or await streams.redis.llen(handoff_keys.relays_aside(key_prefix)))


async def burst_through(outage: Callable[[RedisServer, Callable[[], None]], Awaitable[None]],
                        server: RedisServer, key_prefix: str, tmp_path: Path) -> None:
    """Hand buyers off, start a burst, run `outage` in its middle (it sends the rest of the
    burst through the callback it is given), then check every answer and every relay."""
    client = connect(server.url)
    streams = UpdateStreams(client, RuntimeKeys(key_prefix, FAST["stream_partitions"]))
    async with Emulator() as emulator:
        names = ("ingest", "w1", "w2")
        logs = {name: tmp_path / f"{name}.log" for name in names}
        processes = [Process("ingest" if name == "ingest" else "worker", emulator, key_prefix, logs[name],
                             redis_url=server.url) for name in names]
        try:
            await eventually(lambda: emulator.stats.polls > 0, timeout=120, what="ingest to poll")
            deadline = time.monotonic() + 120
            while len({await client.get(streams.keys.partition_lease(p)) for p in streams.partitions} - {None}) < 2:
                assert time.monotonic() < deadline, "the two workers never both took partitions"
                await asyncio.sleep(0.05)
            talking = [emulator.chats.new_buyer().id for _ in range(HANDED_OFF)]
            handed = {b: emulator.user_sends(b, b, "转人工")["message_id"] for b in talking}
            await eventually(lambda: all(copies_in_agents(emulator, b, m) for b, m in handed.items()),
                             timeout=120, what="every handed-off buyer in a topic")
            topic = {b: copies_in_agents(emulator, b, m)[0] for b, m in handed.items()}
            buyers = Buyers(asked={}, relayed={b: [] for b in talking})

            def send_half(half: int) -> None:
                for _ in range(QUESTIONS // 2):
                    asker = emulator.chats.new_buyer().id
                    buyers.asked[asker] = emulator.user_sends(asker, asker, QUESTION)["message_id"]
                for b in talking:
                    for line in (1, 2):
                        text = f"第{half * 2 + line}条：快递到哪了"
                        buyers.relayed[b].append(emulator.user_sends(b, b, text)["message_id"])

            def progress() -> int:
                return (sum(1 for b, m in buyers.asked.items() if answers_to(emulator, b, m))
                        + sum(1 for b, ms in buyers.relayed.items() for m in ms if copies_in_agents(emulator, b, m)))

            send_half(0)
            await eventually(lambda: progress() > 0, timeout=30, what="the burst under way")
            await outage(server, lambda: send_half(1))

            total = QUESTIONS + HANDED_OFF * 4
            await eventually(lambda: progress() == total, timeout=90,
                             what=f"every answer and relay after the outage ({progress()} of {total} so far)")
            deadline = time.monotonic() + 60
            while not await settled(streams, key_prefix):
                assert time.monotonic() < deadline, "updates or relays still waiting a minute after the outage"
                await asyncio.sleep(0.1)

            answers = {b: len(answers_to(emulator, b, m)) for b, m in buyers.asked.items()}
            assert set(answers.values()) == {1}, {b: n for b, n in answers.items() if n != 1}
            for b, message_ids in buyers.relayed.items():
                copies = {m: copies_in_agents(emulator, b, m) for m in message_ids}
                assert all(c == [topic[b]] for c in copies.values()), (b, topic[b], copies)
            assert len(set(topic.values())) == HANDED_OFF  # each buyer has a topic of their own
        finally:
            for process in processes:
                process.stop()
            await client.aclose()


async def test_redis_restarted_mid_burst_loses_and_duplicates_nothing(
        redis_server: RedisServer, key_prefix: str, tmp_path: Path) -> None:
    async def restart(server: RedisServer, rest_of_burst: Callable[[], None]) -> None:
        server.stop()
        rest_of_burst()
        server.start()
        await server.ready()

    await burst_through(restart, redis_server, key_prefix, tmp_path)


@pytest.mark.parametrize("how", ["stopped", "paused"])
async def test_redis_unreachable_for_ten_seconds_delivers_everything_after_once(
        how: str, redis_server: RedisServer, key_prefix: str, tmp_path: Path) -> None:
    """Stopped: connections are refused. Paused (SIGSTOP): connections are accepted and
    nothing answers, which only the client's socket timeout can tell."""
    async def unreachable(server: RedisServer, rest_of_burst: Callable[[], None]) -> None:
        if how == "stopped":
            server.stop()
        else:
            server.pause()
        rest_of_burst()
        await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself, not a wait for a result
        if how == "stopped":
            server.start()
            await server.ready()
        else:
            server.resume()

    await burst_through(unreachable, redis_server, key_prefix, tmp_path)
