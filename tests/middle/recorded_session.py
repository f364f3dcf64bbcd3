"""A Bot API session that records every call instead of talking to Telegram.

The middle test layer runs the real Dispatcher, handlers, desk and outbox, and puts this
session under the real `aiogram.Bot`. Every call the bot makes is recorded with its
method name and parameters; its response comes from the test (`respond`) or from a
plausible default for the methods the bot uses (sendMessage, copyMessage,
createForumTopic...). A method with no default and no queued response is refused with a
400 and still recorded, so it shows up as unexpected.

Tests consume recorded calls with `take`/`only`; the fixture checks at teardown that every
call was consumed, so a message the test did not expect fails the test.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.base import BaseSession
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import TelegramMethod
from aiogram.types import Chat, ForumTopic, Message, MessageId, User

BOT_USER = User(id=42, is_bot=True, first_name="livedesk", username="livedesk_bot")
BOT_TOKEN = f"{BOT_USER.id}:middle-test-token"

Response = Any
"""A result to return (Message, True...) or an exception to raise."""


@dataclass
class Held:
    """A call kept on its way until `release()` (a copy waiting for the agents' group's pace,
    a slow Telegram); then it gets `response`, or the default one."""

    response: Response = None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the bot made the call."""
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class Call:
    """One Bot API call the bot made."""

    method: str
    """The Bot API name, e.g. "sendMessage"."""
    params: dict[str, Any]
    result: Any = None
    consumed: bool = False

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def thread_id(self) -> int | None:
        return self.params.get("message_thread_id")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button, row by row."""
        rows = (self.params.get("reply_markup") or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data") or "") for row in rows for b in row]

    def __str__(self) -> str:
        shown = {k: v for k, v in self.params.items() if k not in ("reply_markup",)}
        return f"{self.method}({shown})"


def _resolve(value: Any, bot: Bot) -> Any:
    """Bot defaults (parse_mode=HTML...) as Telegram would apply them."""
    if isinstance(value, Default):
        return bot.default[value.name]
    if isinstance(value, dict):
        return {k: _resolve(v, bot) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, bot) for v in value]
    return value


@dataclass
class Chats:
    """Message and topic ids per chat, shared by the test's updates and the bot's messages."""

    forums: frozenset[int] = frozenset()
    _ids: defaultdict[int, itertools.count[int]] = field(
        default_factory=lambda: defaultdict(lambda: itertools.count(1)))

    def next_id(self, chat_id: int) -> int:
        return next(self._ids[chat_id])

    def chat(self, chat_id: int) -> Chat:
        if chat_id > 0:
            return Chat(id=chat_id, type=ChatType.PRIVATE)
        return Chat(id=chat_id, type=ChatType.SUPERGROUP, title=str(chat_id),
                    is_forum=True if chat_id in self.forums else None)


class RecordedSession(BaseSession):
    def __init__(self, chats: Chats, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.chats = chats
        self._now = now
        self.calls: list[Call] = []
        self._queued: defaultdict[str, deque[Response]] = defaultdict(deque)

    # -- what the test controls -------------------------------------------------------

    def respond(self, method: str, response: Response) -> None:
        """The next `method` call gets `response` (a result, or an exception to raise)."""
        self._queued[method].append(response)

    def hold(self, method: str) -> Held:
        """The next `method` call waits until the returned `Held` is released."""
        held = Held()
        self.respond(method, held)
        return held

    @property
    def unconsumed(self) -> list[Call]:
        return [c for c in self.calls if not c.consumed]

    def take(self, method: str, chat_id: int | None = None, *,
             where: Callable[[Call], bool] | None = None) -> Call:
        """Consume the oldest unconsumed call of `method` (to `chat_id`); fail if there is none."""
        for call in self.calls:
            if (not call.consumed and call.method == method
                    and (chat_id is None or call.chat_id == chat_id) and (where is None or where(call))):
                call.consumed = True
                return call
        raise AssertionError(f"expected a {method} call to chat {chat_id}; unconsumed calls: "
                             f"{[str(c) for c in self.unconsumed] or 'none'}")

    def only(self, method: str, chat_id: int | None = None) -> Call:
        """Consume the one call that is left, which must be `method` (to `chat_id`)."""
        left = self.unconsumed
        assert len(left) == 1, (f"expected exactly one call ({method} to {chat_id}), "
                                f"got {[str(c) for c in left]}")
        return self.take(method, chat_id)

    def assert_nothing_more(self) -> None:
        left = self.unconsumed
        assert not left, f"the bot made calls the test did not expect: {[str(c) for c in left]}"

    # -- BaseSession ----------------------------------------------------------------------

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        name = method.__api_method__
        params = _resolve(method.model_dump(exclude_none=True, exclude_defaults=False), bot)
        params = {k: v for k, v in params.items() if v is not None}
        call = Call(name, params)
        self.calls.append(call)
        queued = self._queued.get(name)
        response = queued.popleft() if queued else self._default(method, call)
        if isinstance(response, Held):
            response.reached.set()
            await response.released.wait()
            response = response.response if response.response is not None else self._default(method, call)
        if isinstance(response, BaseException):
            raise response
        call.result = response
        return response

    def _default(self, method: TelegramMethod[Any], call: Call) -> Response:
        name, params = call.method, call.params
        if name == "getMe":
            return BOT_USER
        if name in ("answerCallbackQuery", "deleteWebhook", "editMessageText", "editMessageCaption",
                    "editMessageReplyMarkup"):
            return True
        if name == "sendMessage":
            chat_id = int(params["chat_id"])
            return Message(message_id=self.chats.next_id(chat_id), date=self._now(),
                           chat=self.chats.chat(chat_id), from_user=BOT_USER, text=params.get("text"),
                           message_thread_id=params.get("message_thread_id"),
                           is_topic_message=True if params.get("message_thread_id") else None,
                           reply_markup=params.get("reply_markup"))
        if name == "copyMessage":
            return MessageId(message_id=self.chats.next_id(int(params["chat_id"])))
        if name == "createForumTopic":
            thread = self.chats.next_id(int(params["chat_id"]))
            return ForumTopic(message_thread_id=thread, name=params["name"], icon_color=0x6FB9F0)
        return TelegramBadRequest(method=method,
                                  message=f"no response for {name} (the test did not expect it)")

    async def close(self) -> None:
        return None

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None,
                             timeout: int = 30, chunk_size: int = 65536,
                             raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        raise AssertionError(f"the bot tried to download {url}; the middle layer has no files")
        yield b""  # pragma: no cover - makes this an async generator
