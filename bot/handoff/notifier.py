"""What the handoff says, and to whom: a conversation's topic, or its buyer.

Every handoff piece speaks through this one small component, so templates are rendered
with the current knowledge snapshot and in the right locale (the agents' group in the
default locale, the buyer in theirs) in one place.

A topic is created in the background (the relay worker, at the agents' group's pace), so
a conversation may have none yet when something is to be said in it. What is said then
is held in Redis as a note relay, and the relay worker sends it once the topic exists, in
order after the buyer's messages relayed before it; it never lands in the group's
General thread, and nobody waits for the group's pace to say it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.answers.buttons import Button
from bot.answers.message import Message
from bot.config import Settings
from bot.handoff.model import Conversation
from bot.handoff.relay_store import RelayStore
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.runtime.effects import CURRENT_UPDATE
from bot.telegram.callback_answers import remove_markup
from bot.telegram.keyboards import keyboard
from bot.telegram.sending import Outbox, Outgoing


class Notifier:
    def __init__(self, settings: Settings, outbox: Outbox, holder: KnowledgeHolder, relays: RelayStore,
                 relays_due: asyncio.Event) -> None:
        self.settings = settings
        self.outbox = outbox
        self.holder = holder
        self._relays = relays
        self._relays_due = relays_due
        """The relay worker's wake-up (`RelayWorker.due`): a note was held for a topic."""

    @property
    def knowledge(self) -> Knowledge:
        return self.holder.current

    def agent_name(self, agent_id: int | None) -> str:
        staff = self.knowledge.catalog.staff.get(agent_id) if agent_id is not None else None
        return staff.name if staff else str(agent_id)

    def agent_names(self) -> dict[int, str]:
        return {s.id: s.name for s in self.knowledge.catalog.staff.values()}

    def render(self, message: Message, locale: str | None = None) -> str:
        """Render a contract's message (`bot.handoff.messages`), in the agents' locale by default."""
        knowledge = self.knowledge
        return knowledge.render_message(locale or knowledge.replies.default_locale, message)

    def agents_keyboard(self, buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
        """Buttons for the agents' group, all in one row, labelled in the default locale."""
        knowledge = self.knowledge
        return keyboard(knowledge, knowledge.replies.default_locale, buttons, per_row=max(1, len(buttons)))

    async def to_topic(self, conversation: Conversation, text: str,
                       markup: InlineKeyboardMarkup | None = None, *, here: bool = False) -> None:
        """Say `text` (HTML) in the conversation's topic: queued now when the topic exists
        (not awaited), else held as a note until the relay worker has created it.

        `here`: through this process's own queue (`Outbox.call`), beside the relays into the
        topic, rather than the shared send queue (the card, which must read before them)."""
        if conversation.topic_id is not None:
            item = Outgoing(self.settings.agents_chat_id, text, thread_id=conversation.topic_id,
                            markup=markup, purpose="agents")
            if here:
                self.outbox.call(item)
            else:
                self.outbox.send(item)
            return
        payload: dict[str, Any] = {"note": text}
        if markup is not None:
            payload["markup"] = markup.model_dump(mode="json", exclude_none=True)
        scope = CURRENT_UPDATE.get()
        # Handling an update twice holds its notes once, as the outbox sends its messages once.
        dedup = scope.effect_key(self.settings.agents_chat_id, "note") if scope is not None else None
        await self._relays.enqueue_note(conversation.id, payload, dedup=dedup)
        self._relays_due.set()

    async def to_topic_message(self, conversation: Conversation, message: Message) -> None:
        await self.to_topic(conversation, self.render(message))

    def to_buyer(self, conversation: Conversation, message: Message, buttons: Sequence[Button] = ()) -> None:
        """A message in the buyer's locale, with buttons (one row) labelled in it too."""
        knowledge = self.knowledge
        locale = knowledge.locale(conversation.language_code)
        text = self.render(message, locale)
        markup = keyboard(knowledge, locale, buttons, per_row=max(1, len(buttons)))
        self.outbox.send(Outgoing(conversation.buyer_id, text, markup=markup, purpose=message.template))

    def to_ops(self, message: Message) -> None:
        """A message to every ops account (settings and people.yaml), in the default locale:
        for what the agents' group itself could not be told."""
        text = self.render(message)
        for user_id in self.knowledge.catalog.ops_accounts(self.settings.ops_ids):
            self.outbox.send(Outgoing(user_id, text, purpose=message.template))

    def remove_buyer_buttons(self, conversation: Conversation, message_id: int | None) -> None:
        """Take buttons that no longer apply (取消排队 once an agent joined) off a buyer's message."""
        if message_id is not None:
            remove_markup(self.outbox, conversation.buyer_id, message_id)
