"""The handoff domain's plain data: what a conversation, a logged message and a relay are.

Frozen dataclasses and string enums only, so handlers, policy and tests can build and
compare them without Redis; `codec` turns them into Redis fields and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any


class Priority(IntEnum):
    """Lower is served first: complaints, then VIP buyers, then everyone else."""

    complaint = 0
    vip = 1
    normal = 2


class Status(StrEnum):
    queued = "queued"
    held = "held"
    closed = "closed"


class Presence(StrEnum):
    """`on_break` is stored as "break": no new conversations, open ones continue."""

    online = "online"
    on_break = "break"
    offline = "offline"


class CloseKind(StrEnum):
    closed = "closed"        # an agent closed it (goodbye + survey)
    back = "back"            # handed back to the bot (no survey)
    cancelled = "cancelled"  # the buyer cancelled while waiting


class Role(StrEnum):
    buyer = "buyer"
    agent = "agent"
    bot = "bot"
    system = "system"


class MessageKind(StrEnum):
    text = "text"
    photo = "photo"
    document = "document"
    sticker = "sticker"
    voice = "voice"
    video = "video"
    video_note = "video_note"
    location = "location"
    contact = "contact"
    poll = "poll"


class Direction(StrEnum):
    to_agents = "to_agents"  # buyer message -> the conversation's topic
    to_buyer = "to_buyer"    # agent message in the topic -> the buyer's private chat


@dataclass(frozen=True)
class Conversation:
    id: int
    buyer_id: int
    buyer_name: str
    language_code: str
    shop: str
    reason: str
    priority: Priority
    status: Status
    agent_id: int | None
    topic_id: int | None
    created_at: datetime
    queued_at: datetime
    taken_at: datetime | None = None
    closed_at: datetime | None = None
    close_kind: CloseKind | None = None
    closed_by: int | None = None
    stage_sku: str | None = None
    told_no_agent: bool = False
    told_position: int | None = None
    told_eta_minutes: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is not Status.closed


@dataclass(frozen=True)
class LoggedMessage:
    id: int
    conversation_id: int
    role: Role
    sender_id: int
    text: str
    kind: MessageKind
    file_id: str | None
    telegram_message_id: int | None
    at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a buyer's recent history, kept before and outside any handoff."""

    role: Role
    text: str
    at: datetime


@dataclass(frozen=True)
class Relay:
    """A message waiting to be copied to the other side (at-least-once).

    `message_id` is the id of the `LoggedMessage` being relayed; `payload` is whatever the
    sender needs to send it (chat, thread, text, file id…), JSON-serialisable.
    """

    id: int
    conversation_id: int
    direction: Direction
    message_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    attempts: int = 0


class TakeOutcome(StrEnum):
    taken = "taken"                  # now held by the asking agent
    already_yours = "already_yours"  # the asking agent held it already (no-op success)
    held_by_other = "held_by_other"  # another agent holds it; `holder` says who
    closed = "closed"
    not_found = "not_found"
    not_serving = "not_serving"      # the agent does not serve the conversation's shop


@dataclass(frozen=True)
class TakeResult:
    outcome: TakeOutcome
    conversation: Conversation | None = None
    holder: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (TakeOutcome.taken, TakeOutcome.already_yours)


class TransferOutcome(StrEnum):
    transferred = "transferred"
    unchanged = "unchanged"          # to the agent who already holds it
    held_by_other = "held_by_other"  # held by someone other than `by_agent`
    closed = "closed"
    not_found = "not_found"


@dataclass(frozen=True)
class TransferResult:
    outcome: TransferOutcome
    conversation: Conversation | None = None
    previous_agent: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (TransferOutcome.transferred, TransferOutcome.unchanged)
