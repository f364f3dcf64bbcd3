"""Who and where in the emulated Telegram: the bot's own user, the groups, the people
(with the buyers who arrive during a run) and who blocked the bot."""

from __future__ import annotations

import copy
from typing import Any

from bot.sandbox.errors import BotApiError, chat_not_found
from bot.sandbox.page_feed import PageFeed
from bot.sandbox.world import DEFAULT_LANGUAGE, GroupChat, Person, World

_NEW_BUYER_NAMES = ("小陈", "小刘", "小杨", "小赵", "小黄", "小周", "小吴", "小徐", "小孙", "小马")


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


class Chats:
    """The bot's identity, the groups and people, and which chats the bot may write to."""

    def __init__(self, world: World, feed: PageFeed, *, bot_username: str, bot_name: str) -> None:
        self._feed = feed
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.bot_id = 1  # replaced by the digits of the token the bot calls with
        self.groups: dict[int, GroupChat] = {g.id: copy.copy(g) for g in world.groups}
        self.people: dict[int, Person] = {p.id: copy.copy(p) for p in world.people}
        self._next_buyer_id = world.new_buyer_first_id
        self.blocked: set[int] = set()

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
        self._feed.emit({"type": "person", "person": person.to_view()})
        return person

    def set_language(self, user_id: int, language_code: str) -> None:
        self.person(user_id).language_code = language_code
        self._feed.emit({"type": "person", "person": self.person(user_id).to_view()})

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The buyer blocks the bot: sends to their private chat get 403 as on Telegram."""
        (self.blocked.add if blocked else self.blocked.discard)(user_id)

    def check_user_can_post(self, chat_id: int, user_id: int) -> Person:
        person = self.person(user_id)
        if chat_id not in self.groups and chat_id != user_id:
            raise LookupError(f"{person.name} ({user_id}) cannot write in chat {chat_id}")
        if chat_id not in self.groups and chat_id not in self.people:
            raise LookupError(f"no such chat {chat_id}")
        return person
