"""The emulated Telegram: its parts, and what people do in it.

The parts each hold one concern, with their own state: `chats` (the bot's identity,
groups, people), `chat_log` (messages, forum topics, files), `updates` (the update queue
and getUpdates), `callbacks` (button presses and their answers), `faults` (planned
failures), `record` (the bot's calls, and waits on them) and `feed` (the page's event
feed). The Bot API routes, the sandbox page and the tests all see the same parts.
Everything runs on one event loop and mutations are synchronous, so there are no locks;
the only waits are event-driven (`Notifier`), never sleep-polling, which keeps tests fast
and the benchmark honest.

People act through this class (`user_sends`, `press_button`, `edit_user_message`); each
action stores a message and queues an Update exactly as Telegram would deliver it to a
bot that is admin in its groups (it sees every message, never its own).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from bot.clock import Clock
from bot.sandbox.call_record import CallRecord
from bot.sandbox.callbacks import CallbackQueries
from bot.sandbox.chat_log import ChatLog, StoredMessage
from bot.sandbox.chats import Chats
from bot.sandbox.errors import BotApiError
from bot.sandbox.faults import Faults
from bot.sandbox.formatting import user_entities
from bot.sandbox.media import (
    document_object,
    photo_sizes,
    poll_object,
    recording_object,
    sticker_object,
)
from bot.sandbox.page_feed import PageFeed
from bot.sandbox.stats import Stats
from bot.sandbox.update_queue import UpdateQueue
from bot.sandbox.world import World, demo_world

# A 1×1 PNG so a buyer's "photo" can be downloaded through getFile like a real one.
_TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f87f66e67f0008960364ff3a81f40000000049454e44ae426082"
)


class TelegramState:
    """The emulated Telegram's parts, and people acting in it.

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
        self._clock = clock
        self.stats = Stats()
        self.feed = PageFeed(feed_limit)
        self.chats = Chats(world or demo_world(), self.feed, bot_username=bot_username, bot_name=bot_name)
        self.chat_log = ChatLog(self.chats, self.feed, self.now)
        self.updates = UpdateQueue(self.stats, first_update_id)
        self.callbacks = CallbackQueries(self.feed)
        self.faults = Faults()
        self.record = CallRecord(self.stats, self.feed)
        self.commands: dict[str, list[dict[str, Any]]] = {}
        """What setMyCommands set, by scope."""

    def now(self) -> int:
        """Message `date`: the injected clock when given, so dates agree with the bot's."""
        if self._clock is not None:
            return int(self._clock.now().timestamp())
        return int(time.time())

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
        person = self.chats.check_user_can_post(chat_id, user_id)
        try:
            message = self.chat_log.new_message(chat_id, person.to_user(), thread_id=thread_id,
                                       reply_to=reply_to)
        except BotApiError as exc:
            raise LookupError(exc.description) from None
        if photo or document is not None:
            kind = "photo" if photo else "document"
            stored_file = self.chat_log.add_file(kind, content=_TINY_PNG if photo else b"sandbox file",
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
            message["sticker"] = sticker_object(self.chat_log.add_file("sticker"), sticker)
        elif recording is not None:
            stored_file = self.chat_log.add_file(recording, content=b"sandbox " + recording.encode())
            message[recording] = recording_object(stored_file, recording)
            if text and recording != "video_note":
                message["caption"] = text
        elif location is not None:
            message["location"] = {"latitude": location[0], "longitude": location[1]}
        elif contact is not None:
            message["contact"] = {"phone_number": contact[0], "first_name": contact[1]}
        elif poll is not None:
            message["poll"] = poll_object(self.chat_log.next_number(), *poll)
        else:
            if not text:
                raise ValueError("a text message needs text")
            message["text"] = text
            if entities := user_entities(text):
                message["entities"] = entities
        self.chat_log.store(StoredMessage(message=message))
        self.updates.queue_update("message", message)
        return copy.deepcopy(message)

    def edit_user_message(self, chat_id: int, message_id: int, text: str,
                          *, user_id: int | None = None) -> dict[str, Any]:
        """A person edits their message; the bot gets an edited_message update."""
        stored = self.chat_log.stored(chat_id, message_id)
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
        self.chat_log.changed(stored)
        self.updates.queue_update("edited_message", message)
        return copy.deepcopy(message)

    def press_button(self, chat_id: int, user_id: int, message_id: int,
                     data: str) -> dict[str, Any]:
        """A person taps an inline button; the bot gets a callback_query update.

        Only buttons the bot really shows can be pressed, so a test fails when the bot
        forgot or changed the button.
        """
        person = self.chats.person(user_id)
        stored = self.chat_log.stored(chat_id, message_id)
        if stored is None:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        rows = (stored.message.get("reply_markup") or {}).get("inline_keyboard") or []
        offered = [b.get("callback_data") for row in rows for b in row]
        if data not in offered:
            raise LookupError(f"message {message_id} has no button with data {data!r}; "
                              f"it offers {offered}")
        query = self.callbacks.open(person.to_user(), stored.message, chat_id, data)
        self.feed.emit({"type": "press", "chat_id": chat_id, "user_id": user_id,
                   "message_id": message_id, "data": data})
        self.updates.queue_update("callback_query", query)
        return copy.deepcopy(query)

    def close(self) -> None:
        """Release every long poll now, so a server can stop without waiting them out."""
        self.updates.close()
        self.faults.stalls_released.set()
        self.feed.changed.notify()
        self.record.changed.notify()
