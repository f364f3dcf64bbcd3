"""Reading Telegram messages into the handoff's plain `Incoming` and `Edit`."""

from __future__ import annotations

from aiogram.types import Message

from bot.handoff.incoming import Edit, Incoming
from bot.handoff.model import MessageKind


def kind_of(message: Message) -> tuple[MessageKind, str | None, str]:
    """What a Telegram message carries: (kind, file id, text or caption)."""
    if message.photo:
        return MessageKind.photo, message.photo[-1].file_id, message.caption or ""
    if message.document:
        return MessageKind.document, message.document.file_id, message.caption or ""
    if message.sticker:
        return MessageKind.sticker, message.sticker.file_id, message.sticker.emoji or ""
    # Relayed by copyMessage like the rest; the text is only what the history shows.
    if message.voice:
        return MessageKind.voice, message.voice.file_id, message.caption or ""
    if message.video:
        return MessageKind.video, message.video.file_id, message.caption or ""
    if message.video_note:
        return MessageKind.video_note, message.video_note.file_id, ""
    if message.location:
        return MessageKind.location, None, ""
    if message.contact:
        return MessageKind.contact, None, ""
    if message.poll:
        return MessageKind.poll, None, message.poll.question
    return MessageKind.text, None, message.text or ""


def incoming_from(message: Message) -> Incoming:
    kind, file_id, text = kind_of(message)
    return Incoming(message.chat.id, message.message_id, message.from_user.id if message.from_user else 0,
                    text, kind, file_id)


def edit_from(message: Message) -> Edit:
    return Edit(message.message_id, message.text or message.caption or "", is_caption=message.text is None)
