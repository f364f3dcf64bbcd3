"""The one error shape the Bot API returns, so every handler fails the Telegram way."""

from __future__ import annotations

from typing import Any


class BotApiError(Exception):
    """An `{"ok": false, ...}` answer: error_code doubles as the HTTP status, like Telegram."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    def __repr__(self) -> str:
        return f"BotApiError({self.error_code}, {self.description!r})"


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")


def chat_not_found() -> BotApiError:
    return bad_request("chat not found")
