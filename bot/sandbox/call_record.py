"""The record of the bot's Bot API calls, in order, and waits on it for tests.

"The bot sent" means a successful call of one of `SENDING_METHODS`; waits re-check on
every recorded call (event-driven), never after a fixed sleep.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.chats import as_chat_id
from bot.sandbox.errors import BotApiError
from bot.sandbox.notifier import Notifier
from bot.sandbox.page_feed import PageFeed
from bot.sandbox.stats import Stats

# Methods whose success puts a new message in a chat: what "the bot sent" means in tests.
SENDING_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendSticker", "copyMessage",
    "forwardMessage",
})


@dataclass
class BotCall:
    """One Bot API call as the emulator saw it; tests assert on these, in order."""

    seq: int
    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() when the call arrived
    wall: float  # time.time() when the call arrived
    result: Any = None
    error: BotApiError | None = None
    produced: dict[str, Any] | None = None  # the new Message when the result is less (copyMessage)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def chat_id(self) -> int | None:
        return as_chat_id(self.params.get("chat_id"))

    @property
    def message(self) -> dict[str, Any] | None:
        """The resulting Message when the call produced or edited one."""
        if self.produced is not None:
            return self.produced
        if isinstance(self.result, dict) and "chat" in self.result and "message_id" in self.result:
            return self.result
        return None

    @property
    def text(self) -> str | None:
        """Plain text of the resulting message (tags stripped), else the text parameter."""
        message = self.message
        if message is not None:
            return message.get("text") or message.get("caption")
        value = self.params.get("text")
        return value if isinstance(value, str) else None

    def to_view(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "method": self.method, "chat_id": self.chat_id, "at": self.wall,
            "ok": self.ok,
            "error": None if self.error is None else self.error.to_response(),
            "text": self.text,
        }



class CallRecord:
    """Every finished Bot API call, the dashboard's call counters, and waits for calls."""

    def __init__(self, stats: Stats, feed: PageFeed) -> None:
        self._stats = stats
        self._feed = feed
        self.calls: list[BotCall] = []
        self._record_epoch = 0  # bumped by reset_record so incremental waiters start over
        self._call_seq = itertools.count(1)
        self.changed = Notifier()

    def start_call(self, method: str, params: dict[str, Any]) -> BotCall:
        return BotCall(seq=next(self._call_seq), method=method, params=params,
                       at=time.perf_counter(), wall=time.time())

    def record(self, call: BotCall) -> None:
        """Keep the finished call for tests and the dashboard, and wake anyone waiting."""
        self.calls.append(call)
        self._stats.bot_calls += 1
        if call.ok and call.method in SENDING_METHODS:
            self._stats.bot_sends += 1
        if call.error is not None:
            self._note_error(call.method, call.error)
        self.changed.notify()
        self._feed.emit({"type": "call", "call": call.to_view()})

    def _note_error(self, method: str, error: BotApiError) -> None:
        self._stats.errors += 1
        self._stats.last_errors = (self._stats.last_errors + [
            {"method": method, "error_code": error.error_code,
             "description": error.description, "at": time.time()}])[-5:]

    def reset_record(self) -> None:
        """Forget recorded calls (not chats or updates), to assert on what follows."""
        self.calls.clear()
        self._record_epoch += 1
        self.changed.notify()

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[BotCall]:
        """Successful calls that put a message in a chat (or, with `method`, of that method)."""
        return [call for call in self.calls if _is_sent(call, method, chat_id)]

    async def wait_until(self, check: Callable[[], Any], timeout: float = 5.0,
                         what: str = "condition") -> Any:
        """Resolve with check()'s first truthy value, re-checked on every recorded bot call."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [f"{c.method}({c.chat_id}): {c.text!r}" for c in self.calls[-8:]]
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}; "
                                   f"last bot calls: {recent}")
            await self.changed.wait(remaining)

    async def wait_for(self, predicate: Callable[[BotCall], bool],
                       timeout: float = 5.0) -> BotCall:
        """The first recorded call (past or future) matching `predicate`."""
        def check() -> BotCall | None:
            return next((c for c in self.calls if predicate(c)), None)
        result: BotCall = await self.wait_until(check, timeout, "a matching bot call")
        return result

    async def wait_sent(self, count: int = 1, chat_id: int | None = None, *,
                        method: str | None = None, timeout: float = 5.0) -> list[BotCall]:
        """Wait until `sent(method, chat_id)` holds at least `count` calls; return them all.

        Only calls recorded since the last check are examined, so a benchmark waiting for
        thousands of sends stays linear.
        """
        found: list[BotCall] = []
        scanned = 0
        epoch = self._record_epoch

        def check() -> list[BotCall] | None:
            nonlocal scanned, found, epoch
            if epoch != self._record_epoch:  # reset_record() ran meanwhile
                scanned, found, epoch = 0, [], self._record_epoch
            found.extend(c for c in self.calls[scanned:] if _is_sent(c, method, chat_id))
            scanned = len(self.calls)
            return list(found) if len(found) >= count else None

        result: list[BotCall] = await self.wait_until(
            check, timeout, f"{count} sent message(s) to {chat_id if chat_id else 'any chat'}")
        return result


def _is_sent(call: BotCall, method: str | None, chat_id: int | None) -> bool:
    if not call.ok:
        return False
    if method is None and call.method not in SENDING_METHODS:
        return False
    if method is not None and call.method.lower() != method.lower():
        return False
    return chat_id is None or call.chat_id == chat_id
