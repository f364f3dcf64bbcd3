"""A Redis hiccup is retried: a restarted server costs a delay, not a lost command."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.redis_connection import connect


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayRedis:
    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    assert shutil.which("redis-server"), "redis-server is installed by scripts/test"
    redis = ThrowawayRedis(_free_port(), tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


async def test_a_command_during_a_restart_succeeds_once_the_server_is_back(server: ThrowawayRedis) -> None:
    client = connect(f"redis://127.0.0.1:{server.port}/0")
    for _ in range(50):
        try:
            await client.ping()
            break
        except OSError:
            await asyncio.sleep(0.1)
    await client.set("k", "before")
    server.stop()

    async def come_back() -> None:
        await asyncio.sleep(0.8)
        server.start()

    restart = asyncio.create_task(come_back())
    await client.set("k", "after")  # issued while the server is down
    await restart
    assert await client.get("k") == b"after"
    await client.aclose()
