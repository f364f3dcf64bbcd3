"""What was said: each conversation's message log, and each buyer's recent history.

A logged message and its relay (the copy to the other side) are written by one script
(`log.lua`), so a stored message always has its relay even if the process dies right
after. The buyer's history (their messages and the bot's answers, kept before and
outside any handoff, for the context card) is a capped list with its own hash tag.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.handoff import keys
from bot.handoff.backend import ConversationNotFound, HandoffBackend, opt_int
from bot.handoff.codec import history_from, history_json, message_from, message_json, payload_json
from bot.handoff.codec import text as as_str
from bot.handoff.model import Direction, HistoryEntry, LoggedMessage, MessageKind, Role
from bot.handoff.policy import to_ms
from bot.handoff.scripts import LOG

log = logging.getLogger(__name__)


class MessageLog:
    """Conversation logs (with their relays) and buyer histories."""

    def __init__(self, backend: HandoffBackend) -> None:
        self._backend = backend

    async def log(self, conversation_id: int, role: Role | str, sender_id: int, text: str,
                  kind: MessageKind | str = MessageKind.text, file_id: str | None = None,
                  telegram_message_id: int | None = None, at: datetime | None = None) -> LoggedMessage:
        """Append to the conversation's log (capped at settings.log_cap) and return it with
        its id. Raises ConversationNotFound for an unknown conversation."""
        message, _ = await self._log(conversation_id, role, sender_id, text, kind, file_id,
                                     telegram_message_id, at, None, None)
        return message

    async def log_and_relay(self, conversation_id: int, role: Role | str, sender_id: int,
                            text: str, direction: Direction | str, payload: Mapping[str, Any],
                            kind: MessageKind | str = MessageKind.text, file_id: str | None = None,
                            telegram_message_id: int | None = None,
                            at: datetime | None = None, dedup: str | None = None
                            ) -> tuple[LoggedMessage, int | None]:
        """`log` and `RelayStore.enqueue_relay` in one atomic step: a stored message always
        has its relay, even if the process dies right after. Returns (message, relay id).

        A message whose Telegram id (or `dedup` key, for what has no Telegram message of its
        own: a /q reply, a button-started handoff) was logged before is not logged or
        relayed again: relay id None, the first message's id. Check and write are atomic."""
        message, relay_id = await self._log(conversation_id, role, sender_id, text, kind,
                                            file_id, telegram_message_id, at,
                                            Direction(direction), payload, dedup)
        return message, relay_id

    async def _log(self, conversation_id: int, role: Role | str, sender_id: int, body: str,
                   kind: MessageKind | str, file_id: str | None, telegram_message_id: int | None,
                   at: datetime | None, direction: Direction | None,
                   payload: Mapping[str, Any] | None, dedup: str | None = None
                   ) -> tuple[LoggedMessage, int | None]:
        role, kind = Role(role), MessageKind(kind)
        when = at or self._backend.clock.now()
        body_json = message_json(conversation_id, role, sender_id, body, kind, file_id,
                                 telegram_message_id, when)
        if dedup is not None:
            if dedup.isdigit():
                raise ValueError("a dedup key must not look like a Telegram message id")
            index = f"{role.value}:{dedup}"
        else:
            index = "" if telegram_message_id is None else f"{role.value}:{int(telegram_message_id)}"
        reply = await self._backend.run(LOG, int(conversation_id), body_json, index,
                                        "" if direction is None else direction.value,
                                        payload_json(payload or {}), to_ms(when))
        status = as_str(reply[0])
        if status == "not_found":
            raise ConversationNotFound(f"handoff conversation {conversation_id} does not exist")
        message = LoggedMessage(int(reply[1]), int(conversation_id), role, int(sender_id), body,
                                kind, file_id, telegram_message_id, when)
        if status == "seen":
            log.info("handoff message %s seen before in conversation %s: not logged or relayed again",
                     index, conversation_id)
            return message, None
        return message, opt_int(reply[2])

    async def last_messages(self, conversation_id: int, n: int = 10) -> list[LoggedMessage]:
        """The conversation's last `n` logged messages, oldest first."""
        if n <= 0:
            return []
        raw = await self._backend.redis.lrange(
            keys.conversation_log(self._backend.prefix, conversation_id), -n, -1)
        return [message_from(r) for r in raw]

    async def message_for_telegram(self, conversation_id: int, role: Role | str,
                                   telegram_message_id: int) -> int | None:
        """The logged message id of a Telegram message (role buyer: the buyer's private chat,
        agent: the topic), e.g. to find the copy of an edited message."""
        raw = await self._backend.redis.hget(keys.telegram_index(self._backend.prefix, conversation_id),
                                             f"{Role(role).value}:{int(telegram_message_id)}")
        return opt_int(raw)

    async def note_history(self, buyer_id: int, role: Role | str, text: str,
                           at: datetime | None = None) -> None:
        """Remember one line of the buyer's chat (their messages and the bot's answers),
        capped at settings.history_cap and expiring after settings.history_ttl_s idle."""
        settings = self._backend.settings
        key = keys.history(self._backend.prefix, buyer_id)
        pipe = self._backend.redis.pipeline(transaction=True)
        pipe.rpush(key, history_json(Role(role), text, at or self._backend.clock.now()))
        pipe.ltrim(key, -settings.history_cap, -1)
        pipe.expire(key, settings.history_ttl_s)
        await pipe.execute()

    async def history(self, buyer_id: int, n: int = 10) -> list[HistoryEntry]:
        """The buyer's last `n` history lines, oldest first."""
        if n <= 0:
            return []
        raw = await self._backend.redis.lrange(keys.history(self._backend.prefix, buyer_id), -n, -1)
        return [history_from(r) for r in raw]
