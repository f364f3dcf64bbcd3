"""SLA alerts shown in the conversation's topic: ping, missed reply, holding reminder.

The SLA package decides when an alert is due (`bot.sla.alerts`); this presents it to the
agents, in the topic of the conversation it is about (creating the topic if needed).
"""

from __future__ import annotations

from bot.handoff.notifier import Notifier
from bot.handoff.store import HandoffStore
from bot.handoff.topics import Topics
from bot.sla.alerts import SlaAlert

TEMPLATES = {"ping": "agents/ping", "missed": "agents/missed", "hold": "agents/hold_reminder"}


class SlaAlertPresenter:
    def __init__(self, store: HandoffStore, topics: Topics, notifier: Notifier) -> None:
        self._store = store
        self._topics = topics
        self._notifier = notifier

    async def on_alert(self, alert: SlaAlert) -> None:
        conversation = await self._store.get(int(alert.conversation_id))
        if conversation is None or not conversation.is_open:
            return
        if conversation.topic_id is None:
            conversation = await self._topics.ensure_topic(conversation)
        agent = self._notifier.agent_name(int(alert.agent_id)) if alert.agent_id else None
        template = TEMPLATES.get(str(alert.kind))
        if template:
            self._notifier.to_topic_template(conversation, template, {
                "seconds": int(alert.waited_s), "minutes": max(1, int(alert.waited_s // 60)), "agent": agent})
