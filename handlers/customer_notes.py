"""Agents tag and annotate the buyer of a topic: /tag WORD, /untag WORD, /note TEXT.

Tags and notes go on the buyer's customer record (shown by `livedesk customers show`
and meant for the context card); a command outside a conversation's topic is refused.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.config import Settings
from bot.customers.store import CustomerStore
from bot.handoff.desk import Desk
from bot.knowledge.snapshot import Knowledge
from bot.telegram.filters import FromAgent, InChat, InTopic
from bot.telegram.sending import Outbox, Outgoing


def make_router(settings: Settings) -> Router:
    router = Router(name="customer_notes")
    router.message.filter(InChat(settings.agents_chat_id))

    @router.message(Command("tag", "untag", "note"), FromAgent(), InTopic())
    async def on_record(message: Message, command: CommandObject, knowledge: Knowledge, desk: Desk,
                        customers: CustomerStore, outbox: Outbox) -> None:
        locale = knowledge.replies.default_locale
        conversation = await desk.conversation_in_topic(message.message_thread_id)
        words = (command.args or "").strip()
        if conversation is None or not words or message.from_user is None:
            template, context = "agents/record_usage", {}
        else:
            buyer = conversation.buyer_id
            if command.command == "tag":
                await customers.add_tag(buyer, words)
            elif command.command == "untag":
                await customers.remove_tag(buyer, words)
            else:
                await customers.add_note(buyer, message.from_user.id, words)
            template = "agents/record_saved"
            context = {"kind": command.command, "words": words, "tags": await customers.tags(buyer)}
        outbox.send(Outgoing(message.chat.id, knowledge.render(locale, template, context),
                             thread_id=message.message_thread_id, reply_to=message.message_id, purpose="agents"))

    return router
