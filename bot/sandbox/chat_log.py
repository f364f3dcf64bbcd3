"""What is in the emulated chats: messages (both sides), forum topics and files.

Message ids count per chat as on Telegram; a forum topic's id is the id of the service
message that opened it. The page sees every stored or changed message through the feed.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.chats import Chats
from bot.sandbox.errors import bad_request
from bot.sandbox.page_feed import PageFeed


@dataclass
class StoredMessage:
    """A message as Telegram keeps it, plus what only the sandbox page needs."""

    message: dict[str, Any]
    html: str | None = None  # what the bot sent, for parse_mode HTML
    keyboard: list[list[str]] | None = None  # a reply keyboard shown under the chat input
    deleted: bool = False
    created_at: float = 0.0  # perf_counter, for latency measurements

    @property
    def chat_id(self) -> int:
        return int(self.message["chat"]["id"])

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])

    @property
    def thread_id(self) -> int | None:
        return self.message.get("message_thread_id")


@dataclass
class Topic:
    """A forum topic; its id is the id of the service message that opened it, as in Telegram."""

    chat_id: int
    thread_id: int
    name: str
    icon_color: int = 0x6FB9F0
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        topic: dict[str, Any] = {"message_thread_id": self.thread_id, "name": self.name,
                                 "icon_color": self.icon_color}
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic

    def to_view(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "thread_id": self.thread_id, "name": self.name,
                "icon_color": self.icon_color, "closed": self.closed, "deleted": self.deleted}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    content: bytes | None = None
    file_name: str | None = None
    url: str | None = None

    @property
    def file_path(self) -> str:
        return f"{self.kind}s/{self.file_unique_id}{_suffix(self.file_name, self.kind)}"


def _suffix(name: str | None, kind: str) -> str:
    if name and "." in name:
        return "." + name.rsplit(".", 1)[1]
    return {"photo": ".jpg", "sticker": ".webp"}.get(kind, "")



def _strip_reply(message: dict[str, Any]) -> dict[str, Any]:
    """Telegram nests one level of reply_to_message only."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


class ChatLog:
    """Every chat's messages, the forum topics and the files people and the bot sent."""

    def __init__(self, chats: Chats, feed: PageFeed, now: Callable[[], int]) -> None:
        self._chats = chats
        self._feed = feed
        self._now = now
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self.topics: dict[tuple[int, int], Topic] = {}
        self.files: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)

    def topic(self, chat_id: int, thread_id: int) -> Topic | None:
        return self.topics.get((chat_id, thread_id))

    def live_topic(self, chat_id: int, thread_id: int) -> Topic:
        """The open-or-closed, not deleted topic, or Telegram's "message thread not found"."""
        topic = self.topics.get((chat_id, thread_id))
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return topic

    def next_message_id(self, chat_id: int) -> int:
        value = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = value + 1
        return value

    def stored(self, chat_id: int, message_id: int) -> StoredMessage | None:
        found = self._messages.get(chat_id, {}).get(message_id)
        return None if found is None or found.deleted else found

    def store(self, stored: StoredMessage) -> StoredMessage:
        stored.created_at = time.perf_counter()
        self._messages.setdefault(stored.chat_id, {})[stored.message_id] = stored
        self._feed.emit({"type": "message", "message": self.message_view(stored)})
        return stored

    def changed(self, stored: StoredMessage) -> None:
        """Tell the page a message was edited or deleted."""
        self._feed.emit({"type": "message", "message": self.message_view(stored)})

    def new_message(
        self,
        chat_id: int,
        sender: dict[str, Any],
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
        allow_missing_reply: bool = False,
    ) -> dict[str, Any]:
        """The common head of a message: ids, date, chat, sender, topic and reply.

        In a forum topic Telegram marks the message as a topic message and, when it
        replies to nothing in particular, makes it a reply to the topic's opening service
        message; handlers written against the real Telegram see the same here.
        """
        replied: StoredMessage | None = None
        if reply_to is not None:
            replied = self.stored(chat_id, reply_to)
            if replied is None and not allow_missing_reply:
                raise bad_request("message to be replied not found")
            if replied is not None and thread_id is None and self._chats.is_forum(chat_id):
                thread_id = replied.thread_id
        if thread_id is not None and self._chats.is_forum(chat_id):
            self.live_topic(chat_id, thread_id)
        elif thread_id is not None:
            thread_id = None  # only forum topics are emulated; Telegram ignores it elsewhere
        message: dict[str, Any] = {
            "message_id": self.next_message_id(chat_id),
            "from": sender,
            "chat": self._chats.chat_object(chat_id),
            "date": self._now(),
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            if replied is None:
                replied = self.stored(chat_id, thread_id)
        if replied is not None:
            message["reply_to_message"] = _strip_reply(replied.message)
        return message

    def messages(self, chat_id: int, thread_id: int | None = None, *,
                 include_deleted: bool = False) -> list[dict[str, Any]]:
        """The chat's history as the page shows it (both sides), oldest first.

        `thread_id` narrows a forum chat to one topic; None means the whole chat.
        """
        result = []
        for stored in self._messages.get(chat_id, {}).values():
            if stored.deleted and not include_deleted:
                continue
            if thread_id is not None and stored.thread_id != thread_id:
                continue
            result.append(self.message_view(stored))
        return result

    def raw_messages(self, chat_id: int) -> list[StoredMessage]:
        return [m for m in self._messages.get(chat_id, {}).values() if not m.deleted]

    def message_view(self, stored: StoredMessage) -> dict[str, Any]:
        """A flat, page-friendly form of a message; JS renders entities (UTF-16 offsets)."""
        msg = stored.message
        sender = msg.get("from") or {}
        view: dict[str, Any] = {
            "chat_id": stored.chat_id,
            "message_id": stored.message_id,
            "thread_id": stored.thread_id,
            "from_id": sender.get("id"),
            "from_name": sender.get("first_name", ""),
            "is_bot": bool(sender.get("is_bot")),
            "date": msg.get("date"),
            "text": msg.get("text") or msg.get("caption") or "",
            "entities": msg.get("entities") or msg.get("caption_entities") or [],
            "edited": "edit_date" in msg,
            "deleted": stored.deleted,
        }
        reply = msg.get("reply_to_message")
        if reply is not None and not _is_topic_root(reply):
            view["reply_to"] = {
                "message_id": reply["message_id"],
                "from_name": (reply.get("from") or {}).get("first_name", ""),
                "text": (reply.get("text") or reply.get("caption") or _media_label(reply))[:80],
            }
        markup = msg.get("reply_markup") or {}
        if markup.get("inline_keyboard"):
            view["buttons"] = [
                [{"text": b.get("text", ""), "data": b.get("callback_data"), "url": b.get("url")}
                 for b in row]
                for row in markup["inline_keyboard"]
            ]
        if stored.keyboard:
            view["keyboard"] = stored.keyboard
        media = _media_label(msg)
        if media:
            view["media"] = media
        if "forward_origin" in msg:
            origin = msg["forward_origin"]
            view["forwarded_from"] = (origin.get("sender_user") or {}).get(
                "first_name") or origin.get("sender_user_name", "")
        service = _service_label(msg)
        if service:
            view["service"] = service
        return view

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone deletes a topic by hand: later sends into it fail "message thread not found"."""
        topic = self.topics.get((chat_id, thread_id))
        if topic is None:
            raise LookupError(f"no topic {thread_id} in chat {chat_id}")
        topic.deleted = True
        for stored in self._messages.get(chat_id, {}).values():
            if stored.thread_id == thread_id and not stored.deleted:
                stored.deleted = True
        self._feed.emit({"type": "topic", "topic": topic.to_view()})

    def add_file(self, kind: str, *, content: bytes | None = None, file_name: str | None = None,
                 url: str | None = None) -> StoredFile:
        n = next(self._file_counter)
        stored = StoredFile(file_id=f"sandbox-{kind}-{n:06d}", file_unique_id=f"u{kind[:2]}{n:06d}",
                            kind=kind, content=content, file_name=file_name, url=url)
        self.files[stored.file_id] = stored
        return stored

    def next_number(self) -> int:
        """A fresh number for a generated object id (a poll's)."""
        return next(self._file_counter)


def _is_topic_root(message: dict[str, Any]) -> bool:
    return "forum_topic_created" in message


def _media_label(message: dict[str, Any]) -> str:
    if "photo" in message:
        return "[图片]"
    if "document" in message:
        return f"[文件 {message['document'].get('file_name') or ''}]".replace(" ]", "]")
    if "sticker" in message:
        return f"[贴纸 {message['sticker'].get('emoji', '')}]".replace(" ]", "]")
    return ""


def _service_label(message: dict[str, Any]) -> str:
    if "forum_topic_created" in message:
        return f"话题已创建：{message['forum_topic_created']['name']}"
    if "forum_topic_edited" in message:
        return f"话题已改名：{message['forum_topic_edited'].get('name', '')}"
    if "forum_topic_closed" in message:
        return "话题已关闭"
    if "forum_topic_reopened" in message:
        return "话题已重新打开"
    return ""
