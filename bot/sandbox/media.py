"""Media objects as Telegram describes them (photo sizes, documents, recordings, polls,
stickers), built from a stored file, for what people send and what the bot sends."""

from __future__ import annotations

from typing import Any

from bot.sandbox.chat_log import StoredFile


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
