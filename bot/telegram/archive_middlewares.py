"""Feeding the chat archive: what buyers write, and what the bot and agents send them.

Incoming: a Dispatcher middleware on private messages. Outgoing: a session middleware on
the Bot, so every message that reaches a buyer is archived whichever code sent it, once
Telegram accepted it. Relayed agent messages are told from bot answers by how the desk
sends them (plain text without parse mode, or a copy from the agents' group). Archiving
never blocks service: a Redis failure is logged and the message goes on.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.enums import ChatType
from aiogram.methods import CopyMessage, SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Message, TelegramObject
from redis.exceptions import RedisError

from bot.customers.archive import Author, ChatArchive

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A bot answer's HTML as the words the buyer read."""
    return html.unescape(_TAG.sub("", text))


class BuyerArchiveMiddleware(BaseMiddleware):
    def __init__(self, archive: ChatArchive) -> None:
        self._archive = archive

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and event.chat.type == ChatType.PRIVATE and event.from_user:
            kind = "photo" if event.photo else "document" if event.document else "sticker" if event.sticker else "text"
            text = event.text or event.caption or ""
            try:
                await self._archive.record(event.from_user.id, Author.buyer, text, kind)
            except RedisError as exc:  # Redis away: one line, not a traceback per message
                log.warning("chat archive: could not record a message of buyer %s (%s)", event.from_user.id, exc)
        return await handler(event, data)


class OutgoingArchiveMiddleware(BaseRequestMiddleware):
    def __init__(self, archive: ChatArchive, agents_chat_id: int) -> None:
        self._archive = archive
        self._agents_chat_id = agents_chat_id

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        response = await make_request(bot, method)  # raises when Telegram refused it
        entry = self._entry(method)
        if entry is not None:
            buyer, author, text, kind = entry
            try:
                await self._archive.record(buyer, author, text, kind)
            except RedisError as exc:  # Redis away: one line, not a traceback per message sent
                log.warning("chat archive: could not record a message to buyer %s (%s)", buyer, exc)
        return response

    def _entry(self, method: TelegramMethod[Any]) -> tuple[int, Author, str, str] | None:
        chat_id = getattr(method, "chat_id", None)
        if not isinstance(chat_id, int) or chat_id <= 0:
            return None  # groups (the live room, the agents' group) are not a buyer's chat
        if isinstance(method, SendMessage):
            relayed = method.parse_mode is None
            return chat_id, Author.agent if relayed else Author.bot, method.text if relayed else plain(method.text), "text"
        if isinstance(method, CopyMessage):
            author = Author.agent if method.from_chat_id == self._agents_chat_id else Author.bot
            return chat_id, author, plain(method.caption or ""), "copy"
        if isinstance(method, SendPhoto):
            return chat_id, Author.bot, plain(method.caption or ""), "photo"
        return None
