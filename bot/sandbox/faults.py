"""Planned failures, so tests can prove the bot survives what Telegram really does.

Telegram answers bursts with 429 and `retry_after`, refuses blocked users with 403 and
sometimes fails with 5xx; the outbound queue must wait, retry or log. A FaultRule makes
the emulator answer the next matching calls with such an error before doing anything.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.chats import as_chat_id
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
    client: str | None = None
    """Only calls from this client: a process whose API base ends in `/c/<client>`, so a test
    can fail one of several processes that share the bot's token."""
    stall: bool = False
    """Hang the call without applying it (a request lost in flight) instead of failing it."""
    hits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.times - len(self.hits)

    def matches(self, method: str, chat_id: int | None, client: str | None = None) -> bool:
        if self.remaining <= 0 or self.method.lower() != method.lower():
            return False
        if self.client is not None and self.client != client:
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


class Faults:
    """The planned failures and stalls, matched in order against each Bot API call."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.stalls_released = asyncio.Event()

    def fail_next(self, method: str, error_code: int = 429, *, retry_after: int | None = None,
                  description: str | None = None, times: int = 1,
                  chat_id: int | None = None) -> FaultRule:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error.

        429 gets "Too Many Requests: retry after N" and parameters.retry_after, so the
        bot's outbound queue has to wait and send again.
        """
        rule = FaultRule(method=method, error_code=error_code, retry_after=retry_after,
                         description=description, times=times, chat_id=chat_id)
        self.rules.append(rule)
        return rule

    def stall_next(self, method: str, *, times: int = 1, chat_id: int | None = None,
                   client: str | None = None) -> FaultRule:
        """Let the next matching calls hang unapplied until `release_stalls()`, like a request
        lost when the bot's process dies mid-call: it never reaches the chat. Once released,
        a call the rule still matches fails at once, unapplied."""
        rule = FaultRule(method=method, times=times, chat_id=chat_id, client=client, stall=True)
        self.rules.append(rule)
        return rule

    def release_stalls(self) -> None:
        self.stalls_released.set()

    def clear_faults(self) -> None:
        self.rules.clear()

    def drop(self, rule: FaultRule) -> None:
        """Stop applying one rule (the others stay)."""
        self.rules.remove(rule)

    def take_fault(self, method: str, params: dict[str, Any],
                   client: str | None = None) -> BotApiError | FaultRule | None:
        """The error to answer with, or the stalling rule itself, or None to run the call."""
        chat_id = as_chat_id(params.get("chat_id"))
        for rule in self.rules:
            if rule.matches(method, chat_id, client):
                rule.hits.append(params)
                return rule if rule.stall else rule.error()
        return None
