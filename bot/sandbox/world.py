"""Who and what exists in the emulated Telegram: people, chats and the bot itself.

The demo world mirrors ../shared/demo-shops.md (live room, agents' forum group, three
buyers, two staff) but is plain data passed to the emulator, so tests and the sandbox can
build other worlds (other chat ids from settings, people from `shop/people.yaml`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DEMO_LIVE_ROOM_ID = -1001000000100
DEMO_AGENTS_CHAT_ID = -1001000000900
DEFAULT_LANGUAGE = "zh-hans"


@dataclass
class Person:
    """A Telegram user the sandbox can act as. `roles` only drives the page's labels."""

    id: int
    name: str
    language_code: str = DEFAULT_LANGUAGE
    username: str | None = None
    roles: tuple[str, ...] = ()
    is_bot: bool = False

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    def to_user(self) -> dict[str, Any]:
        """The Bot API `User` object as Telegram would put it in `from`."""
        user: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.name}
        if self.username:
            user["username"] = self.username
        if self.language_code and not self.is_bot:
            user["language_code"] = self.language_code
        return user

    def to_view(self) -> dict[str, Any]:
        """What the sandbox page needs to offer this person in its selectors."""
        return {
            "id": self.id,
            "name": self.name,
            "language_code": self.language_code,
            "username": self.username,
            "roles": list(self.roles),
            "is_staff": self.is_staff,
        }


@dataclass
class GroupChat:
    """A supergroup; `is_forum` makes it accept forum topics (the agents' group)."""

    id: int
    title: str
    is_forum: bool = False
    username: str | None = None
    role: str = ""  # "live_room" or "agents": lets the page place the chat in its pane

    def to_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "supergroup", "title": self.title}
        if self.username:
            chat["username"] = self.username
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass
class World:
    """The initial population; the emulator copies it and grows it (new buyers)."""

    groups: list[GroupChat] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    new_buyer_first_id: int = 710001

    @property
    def live_room(self) -> GroupChat | None:
        return next((g for g in self.groups if g.role == "live_room"), None)

    @property
    def agents_chat(self) -> GroupChat | None:
        return next((g for g in self.groups if g.role == "agents"), None)


DEMO_PEOPLE: tuple[tuple[int, str, str, tuple[str, ...]], ...] = (
    (700001, "小王", "xiaowang", ()),
    (700002, "小李", "xiaoli", ()),
    (700003, "小张", "xiaozhang", ()),
    (900001, "娜娜", "nana_cs", ("agent", "ops")),
    (900002, "阿明", "aming_cs", ("agent",)),
)


def demo_world(
    live_room_id: int = DEMO_LIVE_ROOM_ID,
    agents_chat_id: int = DEMO_AGENTS_CHAT_ID,
    people: Iterable[Person] | None = None,
) -> World:
    """The bundled demo shops' chats and people; chat ids come from settings when they differ."""
    population = list(people) if people is not None else [
        Person(id=pid, name=name, username=username, roles=roles)
        for pid, name, username, roles in DEMO_PEOPLE
    ]
    return World(
        groups=[
            GroupChat(id=live_room_id, title="直播间", role="live_room"),
            GroupChat(id=agents_chat_id, title="客服组", is_forum=True, role="agents"),
        ],
        people=population,
    )


def people_from_records(buyers: Iterable[Any], staff: Iterable[Any]) -> list[Person]:
    """People from `shop/people.yaml` records (anything with .id, .name and, for staff, .roles).

    Lets the sandbox follow the shop's data instead of the hard-coded demo list, without
    the emulator depending on the catalogue's types.
    """
    result = [Person(id=int(b.id), name=str(b.name)) for b in buyers]
    for s in staff:
        roles = tuple(str(getattr(r, "value", r)) for r in getattr(s, "roles", ("agent",)))
        result.append(Person(id=int(s.id), name=str(s.name), roles=roles or ("agent",)))
    return result
