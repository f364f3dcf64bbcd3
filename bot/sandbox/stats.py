"""The counters the sandbox page's dashboard strip shows, shared by the emulator's parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Counters for the page's dashboard strip."""

    updates: int = 0
    updates_delivered: int = 0
    polls: int = 0
    bot_calls: int = 0
    bot_sends: int = 0
    errors: int = 0
    last_errors: list[dict[str, Any]] = field(default_factory=list)
