"""A buyer who asked something in the live room, as a gathered answer names them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoomAsker:
    user_id: int
    name: str
    message_id: int
    """Their comment: the gathered answer replies to the first asker's."""
