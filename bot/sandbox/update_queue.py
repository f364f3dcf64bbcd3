"""The updates waiting for the bot, and getUpdates long polling with Telegram's semantics.

A bot that polls and handles updates one after another (livedesk does) asks for the next
offset only once the previous updates were handled, so "every update confirmed" is the
emulator's half of "the bot is idle".
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable
from typing import Any

from bot.sandbox.errors import BotApiError
from bot.sandbox.notifier import Notifier
from bot.sandbox.stats import Stats


class UpdateQueue:
    """Pending updates, the confirmed offset, the webhook URL and the polls waiting."""

    def __init__(self, stats: Stats, first_update_id: int = 1) -> None:
        self._stats = stats
        self._updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        """The offset of the bot's last getUpdates: every update before it is confirmed."""
        self._next_update_id = first_update_id
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self.webhook_url = ""
        self.closing = False
        self.changed = Notifier()

    def queue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self._stats.updates += 1
        self.changed.notify()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (an offset past them)."""
        return list(self._updates)

    @property
    def updates_confirmed(self) -> bool:
        """Every update queued so far was handed out by getUpdates and confirmed by a later
        getUpdates offset.

        A bot that polls and handles updates one after another (livedesk does:
        `handle_as_tasks=False`) asks for the next offset only once the previous updates
        were handled, so this is the emulator's half of "the bot is idle": nothing users
        did is still waiting or being handled. (The bot's half is its outbox being idle.)
        """
        return not self._updates

    async def wait_updates_confirmed(self, timeout: float = 5.0) -> None:
        """Return as soon as `updates_confirmed` holds; re-checked on every queue and poll."""
        deadline = time.monotonic() + timeout
        while self._updates:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ids = [u["update_id"] for u in self._updates]
                raise TimeoutError(f"timed out after {timeout}s waiting for the bot to confirm "
                                   f"updates {ids}; it last asked for offset {self.confirmed_offset}")
            await self.changed.wait(remaining)

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    def _confirm(self, offset: int) -> None:
        self.confirmed_offset = offset
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        if self._allowed_updates is not None:
            # Telegram never creates updates of types the bot did not ask for.
            self._updates = [u for u in self._updates
                             if any(k in self._allowed_updates for k in u if k != "update_id")]
        return self._updates[:limit]

    async def get_updates(self, offset: int = 0, limit: int = 100, timeout: float = 0.0,
                          allowed_updates: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Long polling with Telegram's semantics.

        An offset confirms every update before it; `timeout` waits for the first new
        update; a newer poll ends an older one with 409 Conflict, as Telegram does when
        two bot instances poll the same token.
        """
        if self.webhook_url:
            raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                   "active; use deleteWebhook to delete the webhook first")
        if allowed_updates is not None:
            allowed = set(allowed_updates)
            self._allowed_updates = allowed or None
        self._confirm(offset)
        self._stats.polls += 1
        self._poll_generation += 1
        generation = self._poll_generation
        self.changed.notify()  # ends an older waiting poll with 409
        limit = max(1, min(100, limit))
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            if generation != self._poll_generation:
                raise BotApiError(409, "Conflict: terminated by other getUpdates request; make "
                                       "sure that only one bot instance is running")
            ready = self._deliverable(limit)
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self.closing:
                self._stats.updates_delivered += len(ready)
                return copy.deepcopy(ready)
            await self.changed.wait(remaining)

    def close(self) -> None:
        """End every waiting poll now."""
        self.closing = True
        self.changed.notify()
