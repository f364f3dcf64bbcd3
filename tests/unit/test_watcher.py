"""Watching the data folders: changes are seen, and a reload starts once, after they settle."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.knowledge.watcher import snapshot, watch

INTERVAL = 0.05


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    (folder / "nested").mkdir(parents=True)
    (folder / "products.yaml").write_text("products: []\n", encoding="utf-8")
    (folder / "nested" / "rule.yaml").write_text("id: x\n", encoding="utf-8")
    return folder


def test_snapshot_lists_every_regular_file(data) -> None:
    assert set(snapshot([data])) == {data / "products.yaml", data / "nested" / "rule.yaml"}


def test_snapshot_ignores_hidden_files_and_missing_folders(data, tmp_path) -> None:
    (data / ".products.yaml.swp").write_text("editor scratch", encoding="utf-8")
    assert set(snapshot([data, tmp_path / "does-not-exist"])) == {data / "products.yaml",
                                                                 data / "nested" / "rule.yaml"}


def test_snapshot_covers_several_folders(data, tmp_path) -> None:
    other = tmp_path / "templates"
    other.mkdir()
    (other / "price.j2").write_text("亲", encoding="utf-8")
    assert other / "price.j2" in snapshot([data, other])
    assert data / "products.yaml" in snapshot([data, other])


def test_snapshot_sees_a_new_file(data) -> None:
    before = snapshot([data])
    (data / "orders.yaml").write_text("orders: []\n", encoding="utf-8")
    after = snapshot([data])
    assert set(after) - set(before) == {data / "orders.yaml"}


def test_snapshot_sees_a_changed_file(data) -> None:
    before = snapshot([data])
    path = data / "products.yaml"
    path.write_text("products: [x]\n", encoding="utf-8")
    after = snapshot([data])
    assert after != before and after[path] != before[path]


def test_snapshot_sees_a_same_size_edit_by_its_time(data) -> None:
    path = data / "products.yaml"
    before = snapshot([data])
    path.write_text("products: {}\n", encoding="utf-8")  # same length as before
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, before[path][0] + 1_000_000_000))
    assert snapshot([data])[path] != before[path]


def test_snapshot_sees_a_removed_file(data) -> None:
    before = snapshot([data])
    (data / "nested" / "rule.yaml").unlink()
    after = snapshot([data])
    assert set(before) - set(after) == {data / "nested" / "rule.yaml"}


def test_unchanged_folder_gives_an_equal_snapshot(data) -> None:
    assert snapshot([data]) == snapshot([data])


class Reloads:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1


@pytest.fixture
async def watching(data) -> AsyncIterator[Callable[[float], Awaitable[Reloads]]]:
    tasks: list[asyncio.Task[None]] = []

    async def start(interval: float = INTERVAL) -> Reloads:
        reloads = Reloads()
        tasks.append(asyncio.create_task(watch([data], reloads, interval=interval)))
        await asyncio.sleep(interval * 3)  # let it take its first snapshot
        return reloads

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def wait_for_count(reloads: Reloads, count: int, timeout: float = 5.0) -> None:
    async def reached() -> None:
        while reloads.count < count:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(reached(), timeout)


async def test_no_change_no_reload(watching) -> None:
    reloads = await watching()
    await asyncio.sleep(INTERVAL * 8)
    assert reloads.count == 0


async def test_one_change_gives_exactly_one_reload(watching, data) -> None:
    reloads = await watching()
    (data / "products.yaml").write_text("products: [changed]\n", encoding="utf-8")
    await wait_for_count(reloads, 1)
    await asyncio.sleep(INTERVAL * 10)
    assert reloads.count == 1  # not again while nothing else changes


async def test_added_and_removed_files_trigger_a_reload(watching, data) -> None:
    reloads = await watching()
    (data / "orders.yaml").write_text("orders: []\n", encoding="utf-8")
    await wait_for_count(reloads, 1)
    (data / "nested" / "rule.yaml").unlink()
    await wait_for_count(reloads, 2)
    await asyncio.sleep(INTERVAL * 6)
    assert reloads.count == 2


async def test_reload_waits_until_changes_settle(watching, data) -> None:
    interval = 0.1
    reloads = await watching(interval)
    path = data / "products.yaml"
    for i in range(40):  # an editor saving in many small steps, faster than the interval
        path.write_text("products: []\n" + "#" * i, encoding="utf-8")
        await asyncio.sleep(0.01)
        assert reloads.count == 0, f"reloaded while files were still changing (step {i})"
    await wait_for_count(reloads, 1)
    await asyncio.sleep(interval * 6)
    assert reloads.count == 1


async def test_reload_comes_no_sooner_than_one_quiet_interval(watching, data) -> None:
    interval = 0.2
    reloads = await watching(interval)
    loop = asyncio.get_running_loop()
    (data / "products.yaml").write_text("products: [changed]\n", encoding="utf-8")
    changed_at = loop.time()
    await wait_for_count(reloads, 1)
    assert loop.time() - changed_at >= interval  # seen on one poll, reloaded on the next
