"""With Redis away the chat archive cannot record, and service goes on: the buyer's
message is still handled, the bot's answer still sent, and the log gets one line per
message instead of a traceback (during an outage a traceback per message buried the log)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from aiogram.enums import ChatType
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, User
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.customers.archive import Author
from bot.telegram.archive_middlewares import BuyerArchiveMiddleware, OutgoingArchiveMiddleware

BUYER = 700001


class UnreachableArchive:
    async def record(self, buyer: int, author: Author, text: str, kind: str = "text") -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.telegram.archive_middlewares"]


async def test_an_answer_to_a_buyer_is_sent_and_logged_in_one_line_when_the_archive_is_away(
        caplog: pytest.LogCaptureFixture) -> None:
    middleware = OutgoingArchiveMiddleware(UnreachableArchive(), agents_chat_id=-1001000000900)  # type: ignore[arg-type]

    async def telegram(bot: Any, method: Any) -> str:
        return "sent"

    with caplog.at_level(logging.WARNING):
        assert await middleware(telegram, None, SendMessage(chat_id=BUYER, text="亲，今天发货")) == "sent"  # type: ignore[arg-type]
    [line] = outage_lines(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert str(BUYER) in line.getMessage() and "Connection refused" in line.getMessage()


async def test_a_buyers_message_is_handled_and_logged_in_one_line_when_the_archive_is_away(
        caplog: pytest.LogCaptureFixture) -> None:
    middleware = BuyerArchiveMiddleware(UnreachableArchive())  # type: ignore[arg-type]
    message = Message(message_id=1, date=datetime(2026, 12, 1), text="在吗",
                      chat=Chat(id=BUYER, type=ChatType.PRIVATE), from_user=User(id=BUYER, is_bot=False, first_name="小王"))
    handled: list[str] = []

    async def handler(event: Any, data: dict[str, Any]) -> str:
        handled.append(event.text)
        return "answered"

    with caplog.at_level(logging.WARNING):
        assert await middleware(handler, message, {}) == "answered"
    assert handled == ["在吗"]
    [line] = outage_lines(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
