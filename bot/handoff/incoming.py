"""A message as the handoff needs it, parsed by the Telegram edge (`bot.telegram.incoming`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.handoff.model import MessageKind


@dataclass(frozen=True)
class Incoming:
    """A buyer's or agent's message: where it is (to copy it) and what it says (to log and check it)."""

    chat_id: int
    message_id: int
    sender_id: int
    text: str
    kind: MessageKind = MessageKind.text
    file_id: str | None = None
    dedup: str | None = None
    """For what has no Telegram message of its own (message_id 0: a question asked before a
    button was pressed): a key unique to the update, so a redelivery is not relayed twice."""


@dataclass(frozen=True)
class Edit:
    """A message edited by its sender; the relayed copy is edited the same way."""

    message_id: int
    text: str
    is_caption: bool
    """The edit changed a caption (photo, document), not a text message."""
