"""Ops edit data files (promotion rules, answer templates) from the console, safely.

A draft is checked by loading a copy of the whole folder with the draft in place, through
the same loaders the bot and the CLI use, so the errors are exactly `livedesk promo check`'s
and the lint's. A draft with errors is never written. A sound draft replaces the live file
atomically (write beside it, then rename), and the edit is recorded (who, when, what
changed). The running bot's file watcher picks the new file up; its own reload keeps the
last good data if anything else is wrong.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from redis.asyncio import Redis

from bot.datafiles import DataError
from bot.web import keys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One error, with the file named as ops know it (relative to the edited folder)."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"


def editable_files(folder: Path, suffixes: tuple[str, ...]) -> list[str]:
    """Relative names of the files ops may edit in `folder`, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.suffix in suffixes and not p.name.startswith("."))


def resolve(folder: Path, name: str, suffixes: tuple[str, ...]) -> Path | None:
    """The file `name` inside `folder`, only if it is one of the editable files (no escaping)."""
    return folder / name if name in editable_files(folder, suffixes) else None


@contextmanager
def draft_folder(folder: Path, name: str, text: str) -> Iterator[Path]:
    """A throwaway copy of `folder` with `name` replaced by the draft."""
    with tempfile.TemporaryDirectory(prefix="livedesk-draft-") as tmp:
        copy = Path(tmp) / folder.name
        shutil.copytree(folder, copy)
        (copy / name).write_text(text, encoding="utf-8")
        yield copy


def problems_in(errors: list[DataError], copy: Path) -> list[Problem]:
    out = []
    for error in errors:
        try:
            shown = str(Path(error.file).resolve().relative_to(copy.resolve()))
        except ValueError:
            shown = str(error.file)
        reason = error.reason.replace(str(copy), "")
        out.append(Problem(shown, error.line, reason))
    return out


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def diff_of(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))


class EditLog:
    """Who saved what, when (newest first)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._key = keys.edits(prefix)

    async def record(self, who: int, name: str, kind: str, at: datetime, diff: str) -> None:
        entry = json.dumps({"who": who, "file": name, "kind": kind, "at": at.isoformat(), "diff": diff},
                           ensure_ascii=False)
        pipe = self._redis.pipeline(transaction=True)
        pipe.lpush(self._key, entry)
        pipe.ltrim(self._key, 0, keys.EDITS_CAP - 1)
        await pipe.execute()
        log.info("web: %s %s saved by %s", kind, name, who)

    async def recent(self, n: int = 20) -> list[dict[str, object]]:
        return [json.loads(raw) for raw in await self._redis.lrange(self._key, 0, n - 1)]

    async def save(self, path: Path, text: str, *, who: int, name: str, kind: str, at: datetime) -> None:
        """Replace a checked draft's live file atomically and record the change."""
        before = path.read_text(encoding="utf-8")
        write_atomically(path, text)
        await self.record(who, name, kind, at, diff_of(before, text, name))
