"""Planned failures, so tests can prove the bot survives what Telegram really does.

Telegram answers bursts with 429 and `retry_after`, refuses blocked users with 403 and
sometimes fails with 5xx; the outbound queue must wait, retry or log. A FaultRule makes
the emulator answer the next matching calls with such an error before doing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.errors import BotApiError

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error: injected failure",
    502: "Bad Gateway",
}


@dataclass
class FaultRule:
    """Answer the next `times` calls of `method` (optionally only to `chat_id`) with an error."""

    method: str
    error_code: int = 429
    retry_after: int | None = None
    description: str | None = None
    times: int = 1
    chat_id: int | None = None
    stall: bool = False
    """Hang the call without applying it (a request lost in flight) instead of failing it."""
    hits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.times - len(self.hits)

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.remaining <= 0 or self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> BotApiError:
        if self.error_code == 429:
            wait = self.retry_after if self.retry_after is not None else 1
            return BotApiError(429, self.description or f"Too Many Requests: retry after {wait}",
                               retry_after=wait)
        description = self.description or _DEFAULT_DESCRIPTIONS.get(
            self.error_code, f"Error {self.error_code}: injected failure")
        return BotApiError(self.error_code, description, retry_after=self.retry_after)
