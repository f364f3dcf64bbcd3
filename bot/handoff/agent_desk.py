"""The agents' side of the handoff: take, reply, quick replies, transfer, finish, presence.

Agents' group handlers call this. An agent's message reaches the buyer only if it obeys
the service-language rules; it is logged with its relay before anything is sent (the
relay worker delivers it) and counted for the SLA.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import Any

from bot.answers.language import check, compliant_alternative
from bot.clock import Clock
from bot.handoff import messages
from bot.handoff.assignment import Assigner
from bot.handoff.incoming import Edit, Incoming
from bot.handoff.model import (
    CloseKind,
    Conversation,
    Direction,
    Presence,
    Role,
    Status,
    TakeOutcome,
    TakeResult,
    TransferOutcome,
)
from bot.handoff.notifier import Notifier
from bot.handoff.policy import may_act
from bot.handoff.relays import RelayWorker
from bot.handoff.stores import HandoffStores
from bot.handoff.views import survey_buttons
from bot.sla.recorder import SlaRecorder

log = logging.getLogger(__name__)


class AgentDesk:
    def __init__(self, stores: HandoffStores, sla: SlaRecorder, notifier: Notifier, assigner: Assigner,
                 relays: RelayWorker, clock: Clock) -> None:
        self._stores = stores
        self._sla = sla
        self._notifier = notifier
        self._assigner = assigner
        self._relays = relays
        self._clock = clock

    def agent_name(self, agent_id: int | None) -> str:
        return self._notifier.agent_name(agent_id)

    async def conversation_in_topic(self, thread_id: int | None) -> Conversation | None:
        return None if thread_id is None else await self._stores.conversations.for_topic(thread_id)

    async def conversation(self, conversation_id: int) -> Conversation | None:
        """The conversation a context card's button is about."""
        return await self._stores.conversations.get(conversation_id)

    async def _refused(self, conversation: Conversation, agent_id: int, reason: str,
                 target: str | None = None) -> None:
        """A polite refusal in the topic: the conversation stays as it is."""
        notifier = self._notifier
        shop = notifier.knowledge.catalog.shops.get(conversation.shop)
        log.info("agent %s refused on conversation %s (%s)", agent_id, conversation.id, reason)
        await notifier.to_topic_message(conversation, messages.not_allowed(
            reason, notifier.agent_name(agent_id), notifier.agent_name(conversation.agent_id), target,
            shop.name if shop else conversation.shop))

    async def _may_act(self, conversation: Conversation, agent_id: int) -> bool:
        """Holder or supervisor (see `policy.may_act`); refused in the topic otherwise."""
        if may_act(self._notifier.knowledge.catalog, conversation, agent_id):
            return True
        await self._refused(conversation, agent_id, "holder")
        return False

    async def take(self, conversation: Conversation, agent_id: int) -> TakeResult:
        if (conversation.is_open and conversation.agent_id != agent_id
                and not self._notifier.knowledge.catalog.serves(agent_id, conversation.shop)):
            await self._refused(conversation, agent_id, "shop")
            return TakeResult(TakeOutcome.not_serving, conversation, conversation.agent_id)
        result = await self._stores.conversations.take(conversation.id, agent_id, at=self._clock.now())
        notifier = self._notifier
        if result.outcome is TakeOutcome.taken and result.conversation is not None:
            agent = notifier.agent_name(agent_id)
            await notifier.to_topic_message(result.conversation, messages.taken(agent))
            notifier.to_buyer(result.conversation, messages.agent_joined(agent))
            notifier.remove_buyer_buttons(result.conversation,
                                          await self._stores.queue.take_cancel_message(result.conversation.id))
        elif result.outcome is TakeOutcome.held_by_other:
            await notifier.to_topic_message(conversation, messages.held_by_other(notifier.agent_name(result.holder)))
        elif result.outcome in (TakeOutcome.closed, TakeOutcome.not_found):
            await notifier.to_topic_message(conversation, messages.closed_already())
        return result

    async def agent_says(self, conversation: Conversation, agent_id: int, incoming: Incoming) -> bool:
        """Relay an agent's message to the buyer, unless it breaks the service-language rules."""
        notifier = self._notifier
        if not conversation.is_open:
            await notifier.to_topic_message(conversation, messages.closed_already())
            return False
        language = notifier.knowledge.language
        problems = check(incoming.text, language) if incoming.text else []
        if problems:
            log.info("agent %s message held in conversation %s: %s", agent_id, conversation.id,
                     "; ".join(map(str, problems)))
            await notifier.to_topic_message(conversation, messages.held_message([str(p) for p in problems], compliant_alternative(incoming.text, language)))
            return False
        held = await self._held_by(conversation, agent_id)
        if held is None:
            return False
        await self._reply_to_buyer(held, agent_id, incoming.text,
                                   {"from_chat_id": incoming.chat_id, "message_id": incoming.message_id},
                                   kind=incoming.kind, file_id=incoming.file_id,
                                   telegram_message_id=incoming.message_id)
        return True

    async def _held_by(self, conversation: Conversation, agent_id: int) -> Conversation | None:
        """The conversation held by this agent, taking it first if needed; None if someone else has it."""
        if conversation.agent_id == agent_id:
            return conversation
        result = await self.take(conversation, agent_id)
        return result.conversation if result.ok else None

    async def _reply_to_buyer(self, conversation: Conversation, agent_id: int, text: str,
                              payload: Mapping[str, Any], **logged: Any) -> bool:
        """Store an agent's reply with its relay to the buyer, and count it for the SLA;
        False (nothing done) when a redelivered update brought it again."""
        _, relay_id = await self._stores.messages.log_and_relay(conversation.id, Role.agent, agent_id, text,
                                                      Direction.to_buyer, payload, at=self._clock.now(), **logged)
        if relay_id is None:
            return False
        await self._sla.agent_reply(conversation.shop, str(conversation.id), agent_id,
                                    conversation.buyer_id, text, at=self._clock.now())
        if text:
            await self._stores.messages.note_history(conversation.buyer_id, Role.agent, text, at=self._clock.now())
        self._relays.wake()
        return True

    async def agent_edited(self, conversation: Conversation, edit: Edit) -> None:
        if check(edit.text, self._notifier.knowledge.language):
            return  # an edit into forbidden wording is not propagated
        await self._relays.propagate_edit(conversation, Role.agent, edit, conversation.buyer_id)

    async def quick_reply(self, conversation: Conversation, agent_id: int, text: str,
                          command_id: int | None = None) -> None:
        """A quick reply or the console's reply (plain text, as the buyer reads it), sent as the
        agent's message; once per /q command (`command_id`: its Telegram message id) even if
        the update comes again. The topic's copy is HTML, so it is escaped there."""
        held = await self._held_by(conversation, agent_id)
        if held is None:
            return
        dedup = f"q:{int(command_id)}" if command_id is not None else None
        if await self._reply_to_buyer(held, agent_id, text, {"text": text}, dedup=dedup):
            await self._notifier.to_topic(held, f"↪️ {html.escape(text, quote=False)}")

    async def transfer(self, conversation: Conversation, agent_id: int, target: str) -> bool:
        """To another agent (by id) or back to a shop's queue (by shop id); usage help otherwise."""
        notifier = self._notifier
        catalog = notifier.knowledge.catalog
        now = self._clock.now()
        to_agent = int(target) if target.isdigit() and catalog.is_agent(int(target)) else None
        if to_agent is None and target not in catalog.shops:
            await notifier.to_topic_message(conversation, messages.transfer_usage(catalog))
            return False
        if conversation.is_open and not await self._may_act(conversation, agent_id):
            return False
        # As its holder read here: the store refuses if someone else took it meanwhile.
        by = conversation.agent_id if conversation.agent_id is not None else agent_id
        if to_agent is not None:
            if conversation.is_open and not catalog.serves(to_agent, conversation.shop):
                await self._refused(conversation, agent_id, "target", notifier.agent_name(to_agent))
                return False
            result = await self._stores.conversations.transfer(conversation.id, by, to_agent=to_agent, at=now)
            label = notifier.agent_name(to_agent)
        else:
            result = await self._stores.conversations.transfer(conversation.id, by, to_shop=target, at=now)
            label = catalog.shops[target].name
        if result.outcome is TransferOutcome.held_by_other:
            await notifier.to_topic_message(conversation, messages.held_by_other(notifier.agent_name(result.previous_agent)))
            return False
        if result.outcome in (TransferOutcome.closed, TransferOutcome.not_found):
            await notifier.to_topic_message(conversation, messages.closed_already())
            return False
        if result.conversation is not None and result.conversation.shop != conversation.shop:
            await self._sla.move(conversation.shop, result.conversation.shop, str(conversation.id))
        await notifier.to_topic_message(conversation, messages.transferred(notifier.agent_name(agent_id), label))
        if result.conversation is not None and result.conversation.status is Status.queued:
            await self._assigner.auto_assign(result.conversation.shop)
        return True

    async def finish(self, conversation: Conversation, agent_id: int, kind: CloseKind) -> bool:
        """`/back` (silently to the bot) or `/close` (goodbye and the satisfaction survey)."""
        notifier = self._notifier
        if not conversation.is_open:
            await notifier.to_topic_message(conversation, messages.closed_already())
            return False
        if not await self._may_act(conversation, agent_id):
            return False
        now = self._clock.now()
        # Only as held when `may_act` decided: if someone took it meanwhile, nothing changes.
        closed = await self._stores.conversations.release(conversation.id, kind, by=agent_id, at=now,
                                           holder=conversation.agent_id)
        if closed is None:
            await notifier.to_topic_message(conversation, messages.closed_already())
            return False
        await self._sla.close(conversation.shop, str(conversation.id), conversation.agent_id or agent_id, at=now)
        name = notifier.agent_name(agent_id)
        if kind is CloseKind.closed:
            notifier.to_buyer(conversation, messages.goodbye(), buttons=survey_buttons(conversation.id))
            await notifier.to_topic_message(closed, messages.closed(name))
        else:
            await notifier.to_topic_message(closed, messages.back(name))
        await self._assigner.auto_assign(conversation.shop)
        return True

    async def set_presence(self, agent_id: int, presence: Presence) -> None:
        await self._stores.agents.set_presence(agent_id, presence)
        if presence is Presence.online:
            staff = self._notifier.knowledge.catalog.staff.get(agent_id)
            for shop in staff.shops if staff else ():
                await self._assigner.auto_assign(shop)
