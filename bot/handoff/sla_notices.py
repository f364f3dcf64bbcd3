"""SLA alerts shown in the conversation's topic: ping, missed reply, holding reminder.

The SLA package decides when an alert is due (`bot.sla.alerts`); this presents it to the
agents, in the topic of the conversation it is about (held until the relay worker has created
the topic, when it has none yet: the sweep never waits for the agents' group's pace).
"""

from __future__ import annotations

from bot.handoff.notifier import Notifier
from bot.handoff.stores import HandoffStores
from bot.sla import messages as sla_messages
from bot.sla.alerts import SlaAlert


class SlaAlertPresenter:
    def __init__(self, stores: HandoffStores, notifier: Notifier) -> None:
        self._stores = stores
        self._notifier = notifier

    async def on_alert(self, alert: SlaAlert) -> None:
        conversation = await self._stores.conversations.get(int(alert.conversation_id))
        if conversation is None or not conversation.is_open:
            return
        agent = self._notifier.agent_name(int(alert.agent_id)) if alert.agent_id else None
        message = sla_messages.alert(alert.kind, alert.waited_s, agent)
        if message is not None:
            await self._notifier.to_topic_message(conversation, message)
