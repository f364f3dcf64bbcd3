"""Watching the queue: assign whom an agent can take, tell waiting buyers when their place
moves materially, and tell them once if nobody comes."""

from __future__ import annotations

from bot.clock import Clock
from bot.handoff import messages
from bot.handoff.assignment import Assigner
from bot.handoff.notifier import Notifier
from bot.handoff.policy import is_material_change
from bot.handoff.stores import HandoffStores


class QueueWatcher:
    def __init__(self, stores: HandoffStores, notifier: Notifier, assigner: Assigner, clock: Clock) -> None:
        self._stores = stores
        self._notifier = notifier
        self._assigner = assigner
        self._clock = clock

    async def watch_queue(self) -> None:
        """One look at every shop's queue (the background runs it every few seconds)."""
        stores = self._stores
        settings = stores.settings
        for shop in await stores.queue.queued_shops():
            await self._assigner.auto_assign(shop)
            for index, conversation in enumerate(await stores.queue.queue(shop), start=1):
                minutes = await self._assigner.eta(index, shop)
                if is_material_change(conversation.told_position, conversation.told_eta_minutes,
                                      index, minutes, settings):
                    await stores.queue.set_told_position(conversation.id, index, minutes)
                    self._notifier.to_buyer(conversation, messages.position(index, minutes))
        for conversation in await stores.queue.waiting_longer_than(settings.no_agent_after_s, at=self._clock.now()):
            if await stores.queue.mark_told_no_agent(conversation.id):
                self._notifier.to_buyer(conversation, messages.no_agent())
