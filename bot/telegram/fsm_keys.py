"""Redis keys of aiogram's FSM storage (per-chat conversation state and data).

  {prefix}:{chat:<chat_id>}:fsm:<bot_id>:<user_id>[:<thread_id>]:<destiny>:<part>
      part = state | data | lock; they expire after CONVERSATION_TTL of inactivity

Hash-tagged by chat so one conversation's keys live in one Redis Cluster slot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from aiogram.fsm.storage.base import KeyBuilder, StorageKey

CONVERSATION_TTL = timedelta(days=7)


class ConversationKeyBuilder(KeyBuilder):
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def build(self, key: StorageKey, part: Literal["data", "state", "lock"] | None = None) -> str:
        parts = [f"{self.prefix}:{{chat:{key.chat_id}}}:fsm", str(key.bot_id), str(key.user_id)]
        if key.thread_id is not None:
            parts.append(str(key.thread_id))
        if key.business_connection_id:
            parts.append(key.business_connection_id)
        parts.append(key.destiny)
        if part:
            parts.append(part)
        return ":".join(parts)
