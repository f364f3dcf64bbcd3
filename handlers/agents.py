"""The agents' group: one forum topic per handed-off conversation.

Only configured agents are served here; anyone else's messages are ignored (and logged).
In a topic: /take, /transfer AGENT_ID|SHOP_ID, /back, /close, /q [KEY], or any text,
photo or document, which goes to the buyer (taking the conversation if nobody holds it).
Anywhere in the group: /online, /break, /offline, /sla, /help.
"""

from __future__ import annotations

import html
import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.handoff import messages
from bot.handoff.agent_desk import AgentDesk
from bot.handoff.model import CloseKind, Conversation, Presence
from bot.knowledge.snapshot import Knowledge
from bot.sla.posting import SlaReportPoster
from bot.telegram.callback_answers import answer_quietly
from bot.telegram.callbacks import CardButton
from bot.telegram.filters import FromAgent, InChat, InTopic
from bot.telegram.incoming import edit_from, incoming_from
from bot.telegram.sending import Outbox, Outgoing

log = logging.getLogger(__name__)

def _note(outbox: Outbox, message: Message, text: str) -> None:
    outbox.send(Outgoing(message.chat.id, text, thread_id=message.message_thread_id,
                         reply_to=message.message_id, purpose="agents"))


async def _conversation(message: Message, desk: AgentDesk, knowledge: Knowledge,
                        outbox: Outbox) -> Conversation | None:
    conversation = await desk.conversation_in_topic(message.message_thread_id)
    if conversation is None:
        _note(outbox, message, knowledge.render_message(knowledge.replies.default_locale,
                                                        messages.not_in_conversation()))
    return conversation


def make_router(settings: Settings) -> Router:
    router = Router(name="agents")
    router.message.filter(InChat(settings.agents_chat_id))
    router.edited_message.filter(InChat(settings.agents_chat_id))
    router.callback_query.filter(InChat(settings.agents_chat_id))

    @router.message(Command("online", "break", "offline"), FromAgent())
    async def on_presence(message: Message, command: CommandObject, agent_desk: AgentDesk, knowledge: Knowledge,
                          outbox: Outbox) -> None:
        assert message.from_user is not None
        presence = {"online": Presence.online, "break": Presence.on_break, "offline": Presence.offline}[
            command.command]
        await agent_desk.set_presence(message.from_user.id, presence)
        _note(outbox, message, knowledge.render_message(knowledge.replies.default_locale, messages.presence(
            agent_desk.agent_name(message.from_user.id), presence)))

    @router.message(Command("sla"), FromAgent())
    async def on_sla(message: Message, sla_reports: SlaReportPoster, outbox: Outbox) -> None:
        _note(outbox, message, await sla_reports.current_text())

    @router.message(Command("help"), FromAgent())
    async def on_help(message: Message, knowledge: Knowledge, outbox: Outbox) -> None:
        _note(outbox, message, knowledge.render_message(knowledge.replies.default_locale,
                                                        messages.agents_help()))

    @router.message(Command("take", "back", "close"), FromAgent(), InTopic())
    async def on_conversation_command(message: Message, command: CommandObject, agent_desk: AgentDesk,
                                      knowledge: Knowledge, outbox: Outbox) -> None:
        assert message.from_user is not None
        conversation = await _conversation(message, agent_desk, knowledge, outbox)
        if conversation is None:
            return
        if command.command == "take":
            await agent_desk.take(conversation, message.from_user.id)
        else:
            kind = CloseKind.back if command.command == "back" else CloseKind.closed
            await agent_desk.finish(conversation, message.from_user.id, kind)

    @router.message(Command("transfer"), FromAgent(), InTopic())
    async def on_transfer(message: Message, command: CommandObject, agent_desk: AgentDesk, knowledge: Knowledge,
                          outbox: Outbox) -> None:
        assert message.from_user is not None
        conversation = await _conversation(message, agent_desk, knowledge, outbox)
        if conversation is not None:
            await agent_desk.transfer(conversation, message.from_user.id, (command.args or "").strip())

    @router.message(Command("q"), FromAgent(), InTopic())
    async def on_quick_reply(message: Message, command: CommandObject, agent_desk: AgentDesk, knowledge: Knowledge,
                             outbox: Outbox) -> None:
        assert message.from_user is not None
        conversation = await _conversation(message, agent_desk, knowledge, outbox)
        if conversation is None:
            return
        locale = knowledge.replies.default_locale
        keys = messages.quick_keys(knowledge.replies.template_names(locale))
        key = (command.args or "").strip()
        if not key:
            _note(outbox, message, knowledge.render_message(locale, messages.quick_list(keys)))
            return
        if key not in keys:
            _note(outbox, message, knowledge.render_message(locale, messages.quick_unknown(key, keys)))
            return
        # Rendered with autoescape, but sent to the buyer as plain text (the agent's words):
        # decode the entities, so a name like "A&B" does not arrive as "A&amp;B".
        text = html.unescape(knowledge.render_message(knowledge.locale(conversation.language_code),
                                                      messages.quick_reply(
            key, agent_desk.agent_name(message.from_user.id), conversation,
            knowledge.catalog.shops.get(conversation.shop))))
        await agent_desk.quick_reply(conversation, message.from_user.id, text, message.message_id)

    @router.message(FromAgent(), InTopic())
    async def on_agent_message(message: Message, agent_desk: AgentDesk) -> None:
        if message.from_user is None or (message.text or "").startswith("/"):
            return
        conversation = await agent_desk.conversation_in_topic(message.message_thread_id)
        if conversation is None:
            return  # a topic that is not a conversation (e.g. a notes topic)
        await agent_desk.agent_says(conversation, message.from_user.id, incoming_from(message))

    @router.edited_message(FromAgent(), InTopic())
    async def on_agent_edit(message: Message, agent_desk: AgentDesk) -> None:
        conversation = await agent_desk.conversation_in_topic(message.message_thread_id)
        if conversation is not None and conversation.is_open:
            await agent_desk.agent_edited(conversation, edit_from(message))

    @router.callback_query(CardButton.filter(), FromAgent())
    async def on_card_button(query: CallbackQuery, callback_data: CardButton, agent_desk: AgentDesk) -> None:
        await answer_quietly(query)
        conversation = await agent_desk.conversation(callback_data.conversation_id)
        if conversation is None:
            return
        action = callback_data.action
        if action == "take":
            await agent_desk.take(conversation, query.from_user.id)
        elif action in ("back", "close"):
            await agent_desk.finish(conversation, query.from_user.id,
                              CloseKind.back if action == "back" else CloseKind.closed)

    @router.message()
    async def on_stranger(message: Message) -> None:
        log.info("ignored a message in the agents' group from %s (not an agent, or outside a topic)",
                 message.from_user.id if message.from_user else None)

    @router.callback_query()
    async def on_stranger_button(query: CallbackQuery) -> None:
        await answer_quietly(query)
        log.info("ignored a button press from non-agent %s in the agents' group", query.from_user.id)

    return router
