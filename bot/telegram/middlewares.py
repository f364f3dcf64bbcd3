"""Dispatcher middlewares: what every update gets before the routers see it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Message, TelegramObject

from bot.customers.started import StartedChats
from bot.handoff.buyer_desk import BuyerDesk
from bot.handoff.model import Role
from bot.knowledge.snapshot import KnowledgeHolder


class KnowledgeMiddleware(BaseMiddleware):
    """Hands each update one knowledge snapshot, so a reload mid-update changes nothing."""

    def __init__(self, holder: KnowledgeHolder) -> None:
        self._holder = holder

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        data["knowledge"] = self._holder.current
        return await handler(event, data)


class BuyerHistoryMiddleware(BaseMiddleware):
    """Stores what a buyer writes in private chat before any handler acts on it.

    This is the buyer's recent history (the agents' context card shows it); the desk logs
    messages of handed-off conversations on top of it, durably, before relaying them.
    """

    def __init__(self, desk: BuyerDesk) -> None:
        self._desk = desk

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and event.chat.type == ChatType.PRIVATE and event.from_user:
            text = event.text or event.caption
            if text:
                await self._desk.note(event.from_user.id, Role.buyer, text)
        return await handler(event, data)


class StartedChatMiddleware(BaseMiddleware):
    """Records that a buyer has a private chat with the bot (/start or any private message),
    so live-room answers about their own orders can be sent to them privately."""

    def __init__(self, started: StartedChats) -> None:
        self._started = started

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and event.chat.type == ChatType.PRIVATE and event.from_user:
            await self._started.mark(event.from_user.id)
        return await handler(event, data)
