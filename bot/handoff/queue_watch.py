"""Watching the queue: assign whom an agent can take, tell waiting buyers when their place
moves materially, and tell them once if nobody comes."""

from __future__ import annotations

from bot.clock import Clock
from bot.handoff import messages
from bot.handoff.assignment import Assigner
from bot.handoff.notifier import Notifier
from bot.handoff.policy import is_material_change
from bot.handoff.store import HandoffStore


class QueueWatcher:
    def __init__(self, store: HandoffStore, notifier: Notifier, assigner: Assigner, clock: Clock) -> None:
        self._store = store
        self._notifier = notifier
        self._assigner = assigner
        self._clock = clock

    async def watch_queue(self) -> None:
        """One look at every shop's queue (the background runs it every few seconds)."""
        store = self._store
        settings = store.settings
        for shop in await store.queued_shops():
            await self._assigner.auto_assign(shop)
            for index, conversation in enumerate(await store.queue(shop), start=1):
                minutes = await self._assigner.eta(index, shop)
                if is_material_change(conversation.told_position, conversation.told_eta_minutes,
                                      index, minutes, settings):
                    await store.set_told_position(conversation.id, index, minutes)
                    self._notifier.to_buyer(conversation, messages.position(index, minutes))
        for conversation in await store.waiting_longer_than(settings.no_agent_after_s, at=self._clock.now()):
            if await store.mark_told_no_agent(conversation.id):
                self._notifier.to_buyer(conversation, messages.no_agent())
