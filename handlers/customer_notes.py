"""Agents tag and annotate the buyer of a topic: /tag WORD, /untag WORD, /note TEXT.

Tags and notes go on the buyer's customer record (shown by `livedesk customers show`
and meant for the context card); a command outside a conversation's topic is refused.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.config import Settings
from bot.customers.records import CustomerRecords
from bot.handoff.agent_desk import AgentDesk
from bot.knowledge.snapshot import Knowledge
from bot.telegram.filters import FromAgent, InChat, InTopic
from bot.telegram.sending import Outbox, Outgoing


def make_router(settings: Settings) -> Router:
    router = Router(name="customer_notes")
    router.message.filter(InChat(settings.agents_chat_id))

    @router.message(Command("tag", "untag", "note"), FromAgent(), InTopic())
    async def on_record(message: Message, command: CommandObject, knowledge: Knowledge, agent_desk: AgentDesk,
                        customers: CustomerRecords, outbox: Outbox) -> None:
        locale = knowledge.replies.default_locale
        conversation = await agent_desk.conversation_in_topic(message.message_thread_id)
        words = (command.args or "").strip()
        if conversation is None or not words or message.from_user is None:
            template, context = "agents/record_usage", {}
        else:
            tags = await customers.annotate(conversation.buyer_id, command.command, words, message.from_user.id)
            template = "agents/record_saved"
            context = {"kind": command.command, "words": words, "tags": tags}
        outbox.send(Outgoing(message.chat.id, knowledge.render(locale, template, context),
                             thread_id=message.message_thread_id, reply_to=message.message_id, purpose="agents"))

    return router
