"""Watching the ops-edited data folders and reloading when a file changes.

Polling modification times every few seconds is enough for files edited by hand, needs
no extra dependency, and works on every file system (including network mounts where
inotify does not). Changes are debounced: a reload starts once the files have been
quiet for one interval, so an editor's save-in-two-steps does not trigger two reloads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

log = logging.getLogger(__name__)

Snapshot = dict[Path, tuple[int, int]]


def snapshot(folders: Iterable[Path]) -> Snapshot:
    """(mtime_ns, size) of every regular file under the folders."""
    files: Snapshot = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                files[path] = (stat.st_mtime_ns, stat.st_size)
    return files


async def watch(folders: list[Path], on_change: Callable[[], Awaitable[None]], interval: float = 2.0) -> None:
    """Run until cancelled; call `on_change` after files changed and then stayed quiet."""
    last = await asyncio.to_thread(snapshot, folders)
    pending = False
    while True:
        await asyncio.sleep(interval)
        current = await asyncio.to_thread(snapshot, folders)
        if current != last:
            changed = sorted(str(p) for p in set(current) ^ set(last) | {
                p for p in current.keys() & last.keys() if current[p] != last[p]})
            log.info("data files changed: %s", ", ".join(changed[:5]))
            last = current
            pending = True
            continue
        if pending:
            pending = False
            try:
                await on_change()
            except Exception:  # noqa: BLE001 - a failed reload must not stop watching
                log.exception("reloading after a file change failed; still watching")
