"""Giving queued buyers to online agents, and estimating how long the rest will wait."""

from __future__ import annotations

from bot.clock import Clock
from bot.handoff import messages
from bot.handoff.notifier import Notifier
from bot.handoff.policy import eta_minutes
from bot.handoff.stores import HandoffStores


class Assigner:
    def __init__(self, stores: HandoffStores, notifier: Notifier, clock: Clock) -> None:
        self._stores = stores
        self._notifier = notifier
        self._clock = clock

    def staff_shops(self) -> dict[int, tuple[str, ...]]:
        """Each agent's shops, from the current catalogue."""
        catalog = self._notifier.knowledge.catalog
        return {s.id: s.shops for s in catalog.staff.values() if catalog.is_agent(s.id)}

    async def eta(self, position: int, shop: str) -> int | None:
        """Minutes to wait, from the shop's online agents; None when nobody is online."""
        online = await self._stores.agents.agents_online(shop, self.staff_shops())
        return eta_minutes(position, len(online), self._stores.settings)

    async def auto_assign(self, shop: str) -> None:
        """Give queued conversations to online agents of the shop, round robin, within the cap."""
        staff_shops = self.staff_shops()
        notifier = self._notifier
        while True:
            online = await self._stores.agents.agents_online(shop, staff_shops)
            if not online:
                return
            assigned = await self._stores.agents.assign_next(shop, online, self._stores.settings.agent_cap,
                                                     at=self._clock.now())
            if assigned is None:
                return
            conversation, agent_id = assigned
            # No topic yet (created in the background): the notice is held until it exists.
            agent = notifier.agent_name(agent_id)
            await notifier.to_topic_message(conversation, messages.assigned(agent))
            notifier.to_buyer(conversation, messages.agent_joined(agent))
            notifier.remove_buyer_buttons(conversation, await self._stores.queue.take_cancel_message(conversation.id))
