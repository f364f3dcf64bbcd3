"""Which product is on stage in each live room (set by `/now SKU`), kept in Redis.

Keys (all under the configured prefix, hash-tagged by room so a room's keys share a slot):
  {prefix}:{room:<chat_id>}:stage   string, the SKU on stage; no expiry (until changed)
"""

from __future__ import annotations

from redis.asyncio import Redis


def stage_key(prefix: str, room_id: int) -> str:
    return f"{prefix}:{{room:{room_id}}}:stage"


class StageStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def get(self, room_id: int) -> str | None:
        value = await self._redis.get(stage_key(self._prefix, room_id))
        return value.decode() if isinstance(value, bytes) else value

    async def set(self, room_id: int, sku: str) -> None:
        await self._redis.set(stage_key(self._prefix, room_id), sku)


class LiveStage:
    """The product on stage in the shop's live room: what handlers ask and set (`/now`).

    Handlers use this service, not the store, and never need the room's chat id.
    """

    def __init__(self, store: StageStore, room_id: int) -> None:
        self._store = store
        self._room_id = room_id

    async def current(self) -> str | None:
        """The SKU on stage, if any: what a question without a product name is about."""
        return await self._store.get(self._room_id)

    async def put_on_stage(self, sku: str) -> None:
        await self._store.set(self._room_id, sku)
