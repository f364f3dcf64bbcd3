"""Callback queries: the inline-button presses the bot was told of, answered at most once."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.page_feed import PageFeed


class CallbackQueries:
    """Each press gets a query id; answering an unknown or answered one fails as on Telegram."""

    def __init__(self, feed: PageFeed) -> None:
        self._feed = feed
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._callback_counter = itertools.count(1)

    def open(self, user: dict[str, Any], message: dict[str, Any], chat_id: int,
             data: str) -> dict[str, Any]:
        """A new CallbackQuery for a press of the button with `data` under `message`."""
        query_id = str(4_000_000_000_000_000 + next(self._callback_counter))
        query = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(chat_id) * 7919 % 10**12),
            "data": data,
        }
        self._callbacks[query_id] = {"query": query, "answered": False}
        return query

    def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        entry = self._callbacks.get(query_id)
        if entry is None or entry["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        entry["answered"] = True
        query = entry["query"]
        if text:
            self._feed.emit({"type": "toast", "chat_id": query["message"]["chat"]["id"],
                             "user_id": query["from"]["id"], "text": text, "show_alert": show_alert})
