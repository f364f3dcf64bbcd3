"""Requests for a human agent, recorded durably before the buyer is told "a colleague will help".

This is the seam the handoff queue builds on: each request is appended to a Redis stream
(at-least-once consumption by agents' tooling, nothing lost if the process dies after
the buyer was answered).

Keys:
  {prefix}:{handoff}:requests   stream of requests; fields: buyer, chat, reason, text, at
                                (capped at about `MAX_LEN` entries)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

MAX_LEN = 100_000


def requests_key(prefix: str) -> str:
    return f"{prefix}:{{handoff}}:requests"


@dataclass(frozen=True)
class HandoffRequest:
    buyer_id: int
    chat_id: int
    reason: str
    text: str
    at: datetime


class HandoffRequests:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def record(self, request: HandoffRequest) -> str:
        entry_id = await self._redis.xadd(
            requests_key(self._prefix),
            {"buyer": request.buyer_id, "chat": request.chat_id, "reason": request.reason,
             "text": request.text, "at": request.at.isoformat()},
            maxlen=MAX_LEN, approximate=True,
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def recent(self, count: int = 50) -> list[HandoffRequest]:
        rows = await self._redis.xrevrange(requests_key(self._prefix), count=count)
        out = []
        for _, fields in rows:
            f = {k.decode() if isinstance(k, bytes) else k: v.decode() if isinstance(v, bytes) else v
                 for k, v in fields.items()}
            out.append(HandoffRequest(int(f["buyer"]), int(f["chat"]), f["reason"], f["text"],
                                      datetime.fromisoformat(f["at"])))
        return out
