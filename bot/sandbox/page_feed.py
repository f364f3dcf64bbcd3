"""The sandbox page's event feed: every change the page shows, with a cursor to poll from."""

from __future__ import annotations

from typing import Any

from bot.sandbox.notifier import Notifier


class PageFeed:
    """A bounded list of events with increasing `seq`; the page long-polls `events_since`."""

    def __init__(self, limit: int = 5000) -> None:
        self._feed: list[dict[str, Any]] = []
        self._seq = 0
        self._limit = limit
        self.changed = Notifier()

    def emit(self, event: dict[str, Any]) -> None:
        """Append to the page's event feed; the page long-polls it with a `since` cursor."""
        self._seq += 1
        event["seq"] = self._seq
        self._feed.append(event)
        if len(self._feed) > self._limit:
            del self._feed[: len(self._feed) - self._limit]
        self.changed.notify()

    @property
    def seq(self) -> int:
        return self._seq

    def events_since(self, since: int) -> tuple[list[dict[str, Any]], bool]:
        """Events after `since`, and whether the page fell too far behind (must reload)."""
        if since > self._seq or (self._feed and since < self._feed[0]["seq"] - 1):
            return [], True  # a page from an earlier run, or one that fell behind
        start = max(0, len(self._feed) - (self._seq - since))
        return self._feed[start:], False
