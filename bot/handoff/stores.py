"""The handoff stores together, built on one backend: what the desks and the console use.

A plain bundle, so assembly builds the handoff state once and each service keeps the
stores it needs; the stores themselves are in `conversations`, `queue_store`, `agents`,
`message_log` and `relay_store`, all over one `backend.HandoffBackend`.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from bot.clock import Clock
from bot.handoff.agents import AgentStore
from bot.handoff.backend import HandoffBackend
from bot.handoff.conversations import ConversationStore
from bot.handoff.message_log import MessageLog
from bot.handoff.queue_store import QueueStore
from bot.handoff.relay_store import RelayStore
from bot.handoff.settings import HandoffSettings


@dataclass(frozen=True)
class HandoffStores:
    conversations: ConversationStore
    queue: QueueStore
    agents: AgentStore
    messages: MessageLog
    relays: RelayStore
    settings: HandoffSettings


def handoff_stores(redis: Redis, prefix: str, clock: Clock,
                   settings: HandoffSettings | None = None) -> HandoffStores:
    """Every handoff store over one backend (the scripts registered once)."""
    backend = HandoffBackend(redis, prefix, clock, settings)
    return HandoffStores(ConversationStore(backend), QueueStore(backend), AgentStore(backend),
                         MessageLog(backend), RelayStore(backend), backend.settings)
