"""Every handoff action the console performs, in ONE adapter over the `AgentDesk`.

The console never calls the desk or the store's writing methods anywhere else. Each action is the same one the
agent performs in the Telegram topic (the desk also posts it into the topic), so both
places show the same conversation.

Permission rules live here too, because they are about acting: an agent may act only on a
conversation that is waiting or that they hold; supervisors and ops may act on any.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from bot.answers.language import check, compliant_alternative
from bot.handoff.agent_desk import AgentDesk
from bot.handoff.model import CloseKind, Conversation, TakeOutcome
from bot.knowledge.snapshot import Knowledge, KnowledgeHolder
from bot.web.auth import Person

log = logging.getLogger(__name__)

QUICK_FOLDER = "quick"


class Outcome(StrEnum):
    done = "done"
    held = "held"                  # the text breaks the service-language rules: not sent
    not_yours = "not_yours"        # another agent holds it
    closed = "closed"
    refused = "refused"            # e.g. unknown transfer target or quick reply


@dataclass(frozen=True)
class ActionResult:
    outcome: Outcome
    problems: list[str] = field(default_factory=list)
    alternative: str | None = None
    holder: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.done


def may_act(person: Person, conversation: Conversation) -> bool:
    """Agents act on waiting conversations and their own; supervisors and ops on any."""
    if person.sees_everyone or conversation.agent_id == person.user_id:
        return True  # including one transferred to them from another shop
    return conversation.agent_id is None and conversation.shop in person.shops


def quick_keys(knowledge: Knowledge) -> list[str]:
    prefix = f"{QUICK_FOLDER}/"
    return [name.removeprefix(prefix) for name in knowledge.replies.template_names(knowledge.replies.default_locale)
            if name.startswith(prefix)]


class DeskActions:
    def __init__(self, desk: AgentDesk, holder: KnowledgeHolder) -> None:
        self._desk = desk
        self._holder = holder

    @property
    def knowledge(self) -> Knowledge:
        return self._holder.current

    def _guard(self, person: Person, conversation: Conversation) -> ActionResult | None:
        if not conversation.is_open:
            return ActionResult(Outcome.closed)
        if not may_act(person, conversation):
            return ActionResult(Outcome.not_yours, holder=conversation.agent_id)
        return None

    async def take(self, person: Person, conversation: Conversation) -> ActionResult:
        refused = self._guard(person, conversation)
        if refused:
            return refused
        result = await self._desk.take(conversation, person.user_id)
        if result.outcome is TakeOutcome.held_by_other:
            return ActionResult(Outcome.not_yours, holder=result.holder)
        if not result.ok:
            return ActionResult(Outcome.closed)
        return ActionResult(Outcome.done)

    def language_check(self, text: str) -> ActionResult | None:
        """The service-language check the topic applies, before anything is sent."""
        language = self.knowledge.language
        problems = check(text, language)
        if problems:
            return ActionResult(Outcome.held, [str(p) for p in problems], compliant_alternative(text, language))
        return None

    async def reply(self, person: Person, conversation: Conversation, text: str) -> ActionResult:
        """The agent's own words to the buyer (taking the conversation first if it waits)."""
        refused = self._guard(person, conversation) or self.language_check(text)
        if refused:
            if refused.outcome is Outcome.held:
                log.info("web: agent %s reply held in conversation %s", person.user_id, conversation.id)
            return refused
        return await self._send(person, conversation, text)

    async def _send(self, person: Person, conversation: Conversation, text: str) -> ActionResult:
        await self._desk.quick_reply(conversation, person.user_id, text)
        fresh = await self._desk.conversation(conversation.id)
        if fresh is not None and fresh.agent_id not in (None, person.user_id):
            return ActionResult(Outcome.not_yours, holder=fresh.agent_id)
        return ActionResult(Outcome.done)

    def render_quick(self, person: Person, conversation: Conversation, key: str) -> str | None:
        knowledge = self.knowledge
        if key not in quick_keys(knowledge):
            return None
        shop = knowledge.catalog.shops.get(conversation.shop)
        return knowledge.render(knowledge.locale(conversation.language_code), f"{QUICK_FOLDER}/{key}", {
            "agent": self._desk.agent_name(person.user_id),
            "buyer": {"name": conversation.buyer_name, "id": conversation.buyer_id},
            "shop": {"name": shop.name, "ships_within_hours": shop.ships_within_hours, "courier": shop.courier}
            if shop else None,
        })

    async def quick_reply(self, person: Person, conversation: Conversation, key: str) -> ActionResult:
        refused = self._guard(person, conversation)
        if refused:
            return refused
        text = self.render_quick(person, conversation, key)
        if text is None:
            return ActionResult(Outcome.refused, [f"no quick reply {key!r}"])
        return await self._send(person, conversation, text)

    async def transfer(self, person: Person, conversation: Conversation, target: str) -> ActionResult:
        refused = self._guard(person, conversation)
        if refused:
            return refused
        ok = await self._desk.transfer(conversation, person.user_id, target)
        return ActionResult(Outcome.done if ok else Outcome.refused)

    async def hand_back(self, person: Person, conversation: Conversation) -> ActionResult:
        return await self._finish(person, conversation, CloseKind.back)

    async def close(self, person: Person, conversation: Conversation) -> ActionResult:
        """Close with the goodbye and the satisfaction survey, as /close does."""
        return await self._finish(person, conversation, CloseKind.closed)

    async def _finish(self, person: Person, conversation: Conversation, kind: CloseKind) -> ActionResult:
        refused = self._guard(person, conversation)
        if refused:
            return refused
        ok = await self._desk.finish(conversation, person.user_id, kind)
        return ActionResult(Outcome.done if ok else Outcome.closed)
