"""Async aiogram filters for routing.

aiogram runs synchronous filters (including `F` magic filters) in a thread pool, which
costs about a tenth of throughput under a comment storm, so the routing filters used on
every update are small async classes instead.
"""

from __future__ import annotations

from typing import Any

from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject


class InChat(Filter):
    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id

    async def __call__(self, event: TelegramObject) -> bool:
        chat = event.chat if isinstance(event, Message) else (
            event.message.chat if isinstance(event, CallbackQuery) and event.message else None)
        return chat is not None and chat.id == self.chat_id


class PrivateChat(Filter):
    async def __call__(self, event: TelegramObject) -> bool:
        if isinstance(event, Message):
            return event.chat.type == ChatType.PRIVATE
        if isinstance(event, CallbackQuery):
            return event.message is not None and event.message.chat.type == ChatType.PRIVATE
        return False


class HasText(Filter):
    """A message with text that is not a command (commands have their own handlers)."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        text = message.text or message.caption
        if not text or text.startswith("/"):
            return False
        return {"text": text}


class HasMedia(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.photo or message.document or message.sticker or message.voice
                    or message.video or message.video_note or message.location or message.contact
                    or message.poll)


class FromAgent(Filter):
    """The sender is a configured agent (staff with the agent role)."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        user = getattr(event, "from_user", None)
        return user is not None and data["knowledge"].catalog.is_agent(user.id)


class InTopic(Filter):
    """A message inside a forum topic (not the General thread)."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.is_topic_message and message.message_thread_id)


class FromOps(Filter):
    """The sender is an ops account: staff with the ops role, or listed in OPS_IDS."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool:
        user = getattr(event, "from_user", None)
        if user is None:
            return False
        settings = data["settings"]
        return user.id in settings.ops_ids or data["knowledge"].catalog.is_ops(user.id)
