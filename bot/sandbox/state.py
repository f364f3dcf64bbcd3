"""The emulated Telegram's memory: chats, people, messages, topics, updates and bot calls.

One object holds everything so the Bot API routes, the sandbox page and the tests see
the same world. Everything runs on one event loop and mutations are synchronous, so
there are no locks; the only waits are event-driven (`Notifier`), never sleep-polling,
which keeps tests fast and the benchmark honest.

People act through the control API (`user_sends`, `press_button`, ...); each action
stores a message and queues an Update exactly as Telegram would deliver it to a bot that
is admin in its groups (it sees every message, never its own).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.sandbox.errors import BotApiError, bad_request, chat_not_found
from bot.sandbox.faults import FaultRule
from bot.sandbox.formatting import user_entities
from bot.sandbox.world import DEFAULT_LANGUAGE, GroupChat, Person, World, demo_world

log = logging.getLogger(__name__)

# Methods whose success puts a new message in a chat: what "the bot sent" means in tests.
SENDING_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendSticker", "copyMessage",
    "forwardMessage",
})
UPDATE_TYPES = ("message", "edited_message", "callback_query")
_NEW_BUYER_NAMES = ("小陈", "小刘", "小杨", "小赵", "小黄", "小周", "小吴", "小徐", "小孙", "小马")
# A 1×1 PNG so a buyer's "photo" can be downloaded through getFile like a real one.
_TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f87f66e67f0008960364ff3a81f40000000049454e44ae426082"
)


class Notifier:
    """Wakes every waiter on the next change; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self.version = 0

    def notify(self) -> None:
        self.version += 1
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float) -> None:
        """Return on the next notify() or after `timeout` seconds, whichever is first."""
        if timeout <= 0:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            self._waiters.discard(waiter)
            if not waiter.done():
                waiter.cancel()


@dataclass
class BotCall:
    """One Bot API call as the emulator saw it; tests assert on these, in order."""

    seq: int
    method: str
    params: dict[str, Any]
    at: float  # time.perf_counter() when the call arrived
    wall: float  # time.time() when the call arrived
    result: Any = None
    error: BotApiError | None = None
    produced: dict[str, Any] | None = None  # the new Message when the result is less (copyMessage)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def chat_id(self) -> int | None:
        return as_chat_id(self.params.get("chat_id"))

    @property
    def message(self) -> dict[str, Any] | None:
        """The resulting Message when the call produced or edited one."""
        if self.produced is not None:
            return self.produced
        if isinstance(self.result, dict) and "chat" in self.result and "message_id" in self.result:
            return self.result
        return None

    @property
    def text(self) -> str | None:
        """Plain text of the resulting message (tags stripped), else the text parameter."""
        message = self.message
        if message is not None:
            return message.get("text") or message.get("caption")
        value = self.params.get("text")
        return value if isinstance(value, str) else None

    def to_view(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "method": self.method, "chat_id": self.chat_id, "at": self.wall,
            "ok": self.ok,
            "error": None if self.error is None else self.error.to_response(),
            "text": self.text,
        }


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


@dataclass
class Stats:
    """Counters for the page's dashboard strip."""

    updates: int = 0
    updates_delivered: int = 0
    polls: int = 0
    bot_calls: int = 0
    bot_sends: int = 0
    errors: int = 0
    last_errors: list[dict[str, Any]] = field(default_factory=list)


def as_chat_id(value: Any) -> int | None:
    """chat_id as Telegram accepts it (int or numeric string); None when absent or a @name."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _strip_reply(message: dict[str, Any]) -> dict[str, Any]:
    """Telegram nests one level of reply_to_message only."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


class TelegramState:
    """Chats, people, messages, topics, pending updates and the record of bot calls.

    `world` gives the starting chats and people (the demo shops by default); `clock`
    stamps message dates so sandbox time can match the bot's; `bot_username` is what
    getMe reports.
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        clock: Clock | None = None,
        bot_username: str = "livedesk_bot",
        bot_name: str = "livedesk",
        first_update_id: int = 1,
        feed_limit: int = 5000,
    ) -> None:
        world = world or demo_world()
        self._clock = clock
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.bot_id = 1  # replaced by the digits of the token the bot calls with
        self.groups: dict[int, GroupChat] = {g.id: copy.copy(g) for g in world.groups}
        self.people: dict[int, Person] = {p.id: copy.copy(p) for p in world.people}
        self._next_buyer_id = world.new_buyer_first_id
        self.blocked: set[int] = set()

        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self.topics: dict[tuple[int, int], Topic] = {}
        self.stalls_released = asyncio.Event()
        self.files: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)

        self._updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        """The offset of the bot's last getUpdates: every update before it is confirmed."""
        self._next_update_id = first_update_id
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self.webhook_url = ""
        self.closing = False

        self.calls: list[BotCall] = []
        self._record_epoch = 0  # bumped by reset_record so incremental waiters start over
        self._call_seq = itertools.count(1)
        self.faults: list[FaultRule] = []
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._callback_counter = itertools.count(1)
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.stats = Stats()

        self._feed: list[dict[str, Any]] = []
        self._feed_seq = 0
        self._feed_limit = feed_limit

        self.updates_changed = Notifier()
        self.calls_changed = Notifier()
        self.feed_changed = Notifier()

    # ------------------------------------------------------------------ basics

    def now(self) -> int:
        """Message `date`: the injected clock when given, so dates agree with the bot's."""
        if self._clock is not None:
            return int(self._clock.now().timestamp())
        return int(time.time())

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name,
                "username": self.bot_username}

    def bind_token(self, token: str) -> None:
        """The bot's id is the number before the colon, as in real tokens."""
        digits = token.split(":", 1)[0]
        if digits.isdigit():
            self.bot_id = int(digits)

    def person(self, user_id: int) -> Person:
        try:
            return self.people[user_id]
        except KeyError:
            raise LookupError(f"no such person {user_id} in the sandbox") from None

    def chat_object(self, chat_id: int) -> dict[str, Any]:
        """The Bot API `Chat` for a chat id, or BotApiError "chat not found"."""
        group = self.groups.get(chat_id)
        if group is not None:
            return group.to_chat()
        person = self.people.get(chat_id)
        if person is not None and not person.is_bot:
            chat: dict[str, Any] = {"id": person.id, "type": "private", "first_name": person.name}
            if person.username:
                chat["username"] = person.username
            return chat
        raise chat_not_found()

    def resolve_chat(self, value: Any) -> int:
        """A chat id the bot may write to: known group, or the private chat of a known person."""
        chat_id = as_chat_id(value)
        if chat_id is None and isinstance(value, str) and value.startswith("@"):
            wanted = value[1:].lower()
            chat_id = next((g.id for g in self.groups.values()
                            if (g.username or "").lower() == wanted), None)
        if chat_id is None:
            raise chat_not_found()
        self.chat_object(chat_id)
        if chat_id in self.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def is_forum(self, chat_id: int) -> bool:
        group = self.groups.get(chat_id)
        return group is not None and group.is_forum

    def topic(self, chat_id: int, thread_id: int) -> Topic | None:
        return self.topics.get((chat_id, thread_id))

    def live_topic(self, chat_id: int, thread_id: int) -> Topic:
        """The open-or-closed, not deleted topic, or Telegram's "message thread not found"."""
        topic = self.topics.get((chat_id, thread_id))
        if topic is None or topic.deleted:
            raise bad_request("message thread not found")
        return topic

    # ------------------------------------------------------------------ messages

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
        self.emit({"type": "message", "message": self.message_view(stored)})
        return stored

    def changed(self, stored: StoredMessage) -> None:
        """Tell the page a message was edited or deleted."""
        self.emit({"type": "message", "message": self.message_view(stored)})

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
            if replied is not None and thread_id is None and self.is_forum(chat_id):
                thread_id = replied.thread_id
        if thread_id is not None and self.is_forum(chat_id):
            self.live_topic(chat_id, thread_id)
        elif thread_id is not None:
            thread_id = None  # only forum topics are emulated; Telegram ignores it elsewhere
        message: dict[str, Any] = {
            "message_id": self.next_message_id(chat_id),
            "from": sender,
            "chat": self.chat_object(chat_id),
            "date": self.now(),
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

    # ------------------------------------------------------------------ updates

    def queue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._updates.append(update)
        self.stats.updates += 1
        self.updates_changed.notify()
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
            await self.updates_changed.wait(remaining)

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
        self.stats.polls += 1
        self._poll_generation += 1
        generation = self._poll_generation
        self.updates_changed.notify()  # ends an older waiting poll with 409
        limit = max(1, min(100, limit))
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            if generation != self._poll_generation:
                raise BotApiError(409, "Conflict: terminated by other getUpdates request; make "
                                       "sure that only one bot instance is running")
            ready = self._deliverable(limit)
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self.closing:
                self.stats.updates_delivered += len(ready)
                return copy.deepcopy(ready)
            await self.updates_changed.wait(remaining)

    # ------------------------------------------------------------------ what people do

    def new_buyer(self, language_code: str = DEFAULT_LANGUAGE, name: str | None = None) -> Person:
        """A buyer nobody has seen before: a fresh id from 710001 up and a generated name."""
        user_id = self._next_buyer_id
        while user_id in self.people:
            user_id += 1
        self._next_buyer_id = user_id + 1
        index = user_id - 710001
        generated = _NEW_BUYER_NAMES[index % len(_NEW_BUYER_NAMES)]
        if index >= len(_NEW_BUYER_NAMES):
            generated += str(index // len(_NEW_BUYER_NAMES) + 1)
        person = Person(id=user_id, name=name or generated, language_code=language_code)
        self.people[user_id] = person
        self.emit({"type": "person", "person": person.to_view()})
        return person

    def set_language(self, user_id: int, language_code: str) -> None:
        self.person(user_id).language_code = language_code
        self.emit({"type": "person", "person": self.person(user_id).to_view()})

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The buyer blocks the bot: sends to their private chat get 403 as on Telegram."""
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    def _check_user_can_post(self, chat_id: int, user_id: int) -> Person:
        person = self.person(user_id)
        if chat_id not in self.groups and chat_id != user_id:
            raise LookupError(f"{person.name} ({user_id}) cannot write in chat {chat_id}")
        if chat_id not in self.groups and chat_id not in self.people:
            raise LookupError(f"no such chat {chat_id}")
        return person

    def user_sends(
        self,
        chat_id: int,
        user_id: int,
        text: str = "",
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
        photo: bool = False,
        document: str | None = None,
        sticker: str | None = None,
        recording: str | None = None,
        location: tuple[float, float] | None = None,
        contact: tuple[str, str] | None = None,
        poll: tuple[str, tuple[str, ...]] | None = None,
    ) -> dict[str, Any]:
        """A person writes in a chat; returns the Message and queues its Update.

        `photo` sends a picture with `text` as caption; `document` a file of that name;
        `sticker` a sticker with that emoji; `recording` a "voice", "video" or
        "video_note" (voice and video carry `text` as caption); `location` a
        (latitude, longitude); `contact` a (phone number, first name); `poll` a
        (question, options). In a private chat, chat_id is the user id.
        """
        person = self._check_user_can_post(chat_id, user_id)
        try:
            message = self.new_message(chat_id, person.to_user(), thread_id=thread_id,
                                       reply_to=reply_to)
        except BotApiError as exc:
            raise LookupError(exc.description) from None
        if photo or document is not None:
            kind = "photo" if photo else "document"
            stored_file = self.add_file(kind, content=_TINY_PNG if photo else b"sandbox file",
                                        file_name=document)
            if photo:
                message["photo"] = photo_sizes(stored_file)
            else:
                message["document"] = document_object(stored_file)
            if text:
                message["caption"] = text
                if entities := user_entities(text):
                    message["caption_entities"] = entities
        elif sticker is not None:
            message["sticker"] = sticker_object(self.add_file("sticker"), sticker)
        elif recording is not None:
            stored_file = self.add_file(recording, content=b"sandbox " + recording.encode())
            message[recording] = recording_object(stored_file, recording)
            if text and recording != "video_note":
                message["caption"] = text
        elif location is not None:
            message["location"] = {"latitude": location[0], "longitude": location[1]}
        elif contact is not None:
            message["contact"] = {"phone_number": contact[0], "first_name": contact[1]}
        elif poll is not None:
            message["poll"] = poll_object(next(self._file_counter), *poll)
        else:
            if not text:
                raise ValueError("a text message needs text")
            message["text"] = text
            if entities := user_entities(text):
                message["entities"] = entities
        self.store(StoredMessage(message=message))
        self.queue_update("message", message)
        return copy.deepcopy(message)

    def edit_user_message(self, chat_id: int, message_id: int, text: str,
                          *, user_id: int | None = None) -> dict[str, Any]:
        """A person edits their message; the bot gets an edited_message update."""
        stored = self.stored(chat_id, message_id)
        if stored is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        sender = stored.message.get("from") or {}
        if sender.get("is_bot") or (user_id is not None and sender.get("id") != user_id):
            raise LookupError(f"message {message_id} was not written by {user_id}")
        message = stored.message
        key = "caption" if "text" not in message else "text"
        message[key] = text
        entities = user_entities(text)
        entities_key = "entities" if key == "text" else "caption_entities"
        if entities:
            message[entities_key] = entities
        else:
            message.pop(entities_key, None)
        message["edit_date"] = self.now()
        self.changed(stored)
        self.queue_update("edited_message", message)
        return copy.deepcopy(message)

    def press_button(self, chat_id: int, user_id: int, message_id: int,
                     data: str) -> dict[str, Any]:
        """A person taps an inline button; the bot gets a callback_query update.

        Only buttons the bot really shows can be pressed, so a test fails when the bot
        forgot or changed the button.
        """
        person = self.person(user_id)
        stored = self.stored(chat_id, message_id)
        if stored is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        rows = (stored.message.get("reply_markup") or {}).get("inline_keyboard") or []
        offered = [b.get("callback_data") for row in rows for b in row]
        if data not in offered:
            raise LookupError(f"message {message_id} has no button with data {data!r}; "
                              f"it offers {offered}")
        query_id = str(4_000_000_000_000_000 + next(self._callback_counter))
        query = {
            "id": query_id,
            "from": person.to_user(),
            "message": copy.deepcopy(stored.message),
            "chat_instance": str(abs(chat_id) * 7919 % 10**12),
            "data": data,
        }
        self._callbacks[query_id] = {"query": query, "answered": False}
        self.emit({"type": "press", "chat_id": chat_id, "user_id": user_id,
                   "message_id": message_id, "data": data})
        self.queue_update("callback_query", query)
        return copy.deepcopy(query)

    def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        entry = self._callbacks.get(query_id)
        if entry is None or entry["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        entry["answered"] = True
        query = entry["query"]
        if text:
            self.emit({"type": "toast", "chat_id": query["message"]["chat"]["id"],
                       "user_id": query["from"]["id"], "text": text, "show_alert": show_alert})

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone deletes a topic by hand: later sends into it fail "message thread not found"."""
        topic = self.topics.get((chat_id, thread_id))
        if topic is None:
            raise LookupError(f"no topic {thread_id} in chat {chat_id}")
        topic.deleted = True
        for stored in self._messages.get(chat_id, {}).values():
            if stored.thread_id == thread_id and not stored.deleted:
                stored.deleted = True
        self.emit({"type": "topic", "topic": topic.to_view()})

    # ------------------------------------------------------------------ files

    def add_file(self, kind: str, *, content: bytes | None = None, file_name: str | None = None,
                 url: str | None = None) -> StoredFile:
        n = next(self._file_counter)
        stored = StoredFile(file_id=f"sandbox-{kind}-{n:06d}", file_unique_id=f"u{kind[:2]}{n:06d}",
                            kind=kind, content=content, file_name=file_name, url=url)
        self.files[stored.file_id] = stored
        return stored

    # ------------------------------------------------------------------ faults

    def fail_next(self, method: str, error_code: int = 429, *, retry_after: int | None = None,
                  description: str | None = None, times: int = 1,
                  chat_id: int | None = None) -> FaultRule:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error.

        429 gets "Too Many Requests: retry after N" and parameters.retry_after, so the
        bot's outbound queue has to wait and send again.
        """
        rule = FaultRule(method=method, error_code=error_code, retry_after=retry_after,
                         description=description, times=times, chat_id=chat_id)
        self.faults.append(rule)
        return rule

    def stall_next(self, method: str, *, times: int = 1, chat_id: int | None = None) -> FaultRule:
        """Let the next matching calls hang unapplied until `release_stalls()`, like a request
        lost when the bot's process dies mid-call: it never reaches the chat."""
        rule = FaultRule(method=method, times=times, chat_id=chat_id, stall=True)
        self.faults.append(rule)
        return rule

    def release_stalls(self) -> None:
        self.stalls_released.set()

    def clear_faults(self) -> None:
        self.faults.clear()

    def take_fault(self, method: str, params: dict[str, Any]) -> BotApiError | FaultRule | None:
        """The error to answer with, or the stalling rule itself, or None to run the call."""
        chat_id = as_chat_id(params.get("chat_id"))
        for rule in self.faults:
            if rule.matches(method, chat_id):
                rule.hits.append(params)
                return rule if rule.stall else rule.error()
        return None

    # ------------------------------------------------------------------ record

    def start_call(self, method: str, params: dict[str, Any]) -> BotCall:
        return BotCall(seq=next(self._call_seq), method=method, params=params,
                       at=time.perf_counter(), wall=time.time())

    def record(self, call: BotCall) -> None:
        """Keep the finished call for tests and the dashboard, and wake anyone waiting."""
        self.calls.append(call)
        self.stats.bot_calls += 1
        if call.ok and call.method in SENDING_METHODS:
            self.stats.bot_sends += 1
        if call.error is not None:
            self.note_error(call.method, call.error)
        self.calls_changed.notify()
        self.emit({"type": "call", "call": call.to_view()})

    def note_error(self, method: str, error: BotApiError) -> None:
        self.stats.errors += 1
        self.stats.last_errors = (self.stats.last_errors + [
            {"method": method, "error_code": error.error_code,
             "description": error.description, "at": time.time()}])[-5:]

    def reset_record(self) -> None:
        """Forget recorded calls (not chats or updates), to assert on what follows."""
        self.calls.clear()
        self._record_epoch += 1
        self.calls_changed.notify()

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[BotCall]:
        """Successful calls that put a message in a chat (or, with `method`, of that method)."""
        return [call for call in self.calls if _is_sent(call, method, chat_id)]

    async def wait_until(self, check: Callable[[], Any], timeout: float = 5.0,
                         what: str = "condition") -> Any:
        """Resolve with check()'s first truthy value, re-checked on every recorded bot call."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [f"{c.method}({c.chat_id}): {c.text!r}" for c in self.calls[-8:]]
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}; "
                                   f"last bot calls: {recent}")
            await self.calls_changed.wait(remaining)

    async def wait_for(self, predicate: Callable[[BotCall], bool],
                       timeout: float = 5.0) -> BotCall:
        """The first recorded call (past or future) matching `predicate`."""
        def check() -> BotCall | None:
            return next((c for c in self.calls if predicate(c)), None)
        result: BotCall = await self.wait_until(check, timeout, "a matching bot call")
        return result

    async def wait_sent(self, count: int = 1, chat_id: int | None = None, *,
                        method: str | None = None, timeout: float = 5.0) -> list[BotCall]:
        """Wait until `sent(method, chat_id)` holds at least `count` calls; return them all.

        Only calls recorded since the last check are examined, so a benchmark waiting for
        thousands of sends stays linear.
        """
        found: list[BotCall] = []
        scanned = 0
        epoch = self._record_epoch

        def check() -> list[BotCall] | None:
            nonlocal scanned, found, epoch
            if epoch != self._record_epoch:  # reset_record() ran meanwhile
                scanned, found, epoch = 0, [], self._record_epoch
            found.extend(c for c in self.calls[scanned:] if _is_sent(c, method, chat_id))
            scanned = len(self.calls)
            return list(found) if len(found) >= count else None

        result: list[BotCall] = await self.wait_until(
            check, timeout, f"{count} sent message(s) to {chat_id if chat_id else 'any chat'}")
        return result

    # ------------------------------------------------------------------ page feed

    def emit(self, event: dict[str, Any]) -> None:
        """Append to the page's event feed; the page long-polls it with a `since` cursor."""
        self._feed_seq += 1
        event["seq"] = self._feed_seq
        self._feed.append(event)
        if len(self._feed) > self._feed_limit:
            del self._feed[: len(self._feed) - self._feed_limit]
        self.feed_changed.notify()

    @property
    def feed_seq(self) -> int:
        return self._feed_seq

    def events_since(self, since: int) -> tuple[list[dict[str, Any]], bool]:
        """Events after `since`, and whether the page fell too far behind (must reload)."""
        if since > self._feed_seq or (self._feed and since < self._feed[0]["seq"] - 1):
            return [], True  # a page from an earlier run, or one that fell behind
        start = max(0, len(self._feed) - (self._feed_seq - since))
        return self._feed[start:], False

    def close(self) -> None:
        """Release every long poll now, so a server can stop without waiting them out."""
        self.closing = True
        self.stalls_released.set()
        self.updates_changed.notify()
        self.feed_changed.notify()
        self.calls_changed.notify()


def _is_sent(call: BotCall, method: str | None, chat_id: int | None) -> bool:
    if not call.ok:
        return False
    if method is None and call.method not in SENDING_METHODS:
        return False
    if method is not None and call.method.lower() != method.lower():
        return False
    return chat_id is None or call.chat_id == chat_id


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


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    size = len(stored.content or b"")
    return [
        {"file_id": stored.file_id + "-s", "file_unique_id": stored.file_unique_id + "s",
         "width": 90, "height": 90, "file_size": size},
        {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
         "width": 800, "height": 800, "file_size": size},
    ]


def document_object(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {"file_id": stored.file_id,
                                "file_unique_id": stored.file_unique_id,
                                "file_size": len(stored.content or b"")}
    if stored.file_name:
        document["file_name"] = stored.file_name
    return document


RECORDINGS = ("voice", "video", "video_note")


def recording_object(stored: StoredFile, kind: str) -> dict[str, Any]:
    """A voice message, video or round video note, as Telegram describes each."""
    if kind not in RECORDINGS:
        raise ValueError(f"a recording is one of {RECORDINGS}, not {kind!r}")
    recording: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                 "duration": 3, "file_size": len(stored.content or b"")}
    if kind == "video":
        recording.update(width=640, height=360)
    elif kind == "video_note":
        recording["length"] = 240
    else:
        recording["mime_type"] = "audio/ogg"
    return recording


def poll_object(number: int, question: str, options: tuple[str, ...]) -> dict[str, Any]:
    return {"id": f"sandbox-poll-{number:06d}", "question": question,
            "options": [{"persistent_id": f"{number}-{i}", "text": option, "voter_count": 0}
                        for i, option in enumerate(options)],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
            "members_only": False}


def sticker_object(stored: StoredFile, emoji: str | None) -> dict[str, Any]:
    sticker: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                               "type": "regular", "width": 512, "height": 512,
                               "is_animated": False, "is_video": False}
    if emoji:
        sticker["emoji"] = emoji
    return sticker
