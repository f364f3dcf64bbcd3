"""Contracts of every handoff text: to the buyer (`handoff/*`), to the agents' topic
(`agents/*`) and the agents' quick replies (`quick/*`).

One function per template builds its context. The desk pieces (notifier users) and the
agents' handlers send what these return; `livedesk templates lint` renders the same
functions' results for every buyer, agent and shop of the loaded catalogue (`samples`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bot.aftersales.cases import Case
from bot.aftersales.decision import Kind, Why
from bot.aftersales.views import case_view
from bot.answers.composer import Handoff
from bot.answers.lint import Sample
from bot.answers.lint_samples import SampleData
from bot.answers.message import Message
from bot.customers.card import CARD_CASES, OPEN_STATES
from bot.customers.views import CARD_NOTES
from bot.handoff.model import Conversation, HistoryEntry, Presence, Role, Status
from bot.handoff.policy import priority_for
from bot.handoff.views import RATINGS, card_view
from bot.shop.catalog import Catalog, Shop, Tier

QUICK_FOLDER = "quick"


# -- to the buyer -------------------------------------------------------------------------

def queued(position: int, eta_minutes: int | None) -> Message:
    """Where the buyer is in the queue (position 1 = next); eta None when nobody is online."""
    return Message("handoff/queued", {"ahead": position - 1, "eta_minutes": eta_minutes})


def position(position: int, eta_minutes: int | None) -> Message:
    """The buyer's place moved materially since they were last told."""
    return Message("handoff/position", {"position": position, "eta_minutes": eta_minutes})


def no_agent() -> Message:
    return Message("handoff/no_agent")


def buyer_cancelled() -> Message:
    return Message("handoff/cancelled")


def nothing_to_cancel() -> Message:
    return Message("handoff/nothing_to_cancel")


def goodbye() -> Message:
    """Sent with the satisfaction survey's buttons when an agent closes."""
    return Message("handoff/goodbye")


def agent_joined(agent: str) -> Message:
    return Message("handoff/agent_joined", {"agent": agent})


def buyer_rated(rating: str) -> Message:
    return Message("handoff/rated", {"rating": rating})


# -- to the agents' topic -----------------------------------------------------------------

def card(card: dict[str, Any]) -> Message:
    """`card` is `bot.handoff.views.card_view` of the conversation."""
    return Message("agents/card", {"card": card})


def topic_name(card: dict[str, Any]) -> Message:
    return Message("agents/topic_name", {"card": card})


def taken(agent: str) -> Message:
    return Message("agents/taken", {"agent": agent})


def assigned(agent: str) -> Message:
    return Message("agents/assigned", {"agent": agent})


def back(agent: str) -> Message:
    return Message("agents/back", {"agent": agent})


def closed(agent: str) -> Message:
    return Message("agents/closed", {"agent": agent})


def held_by_other(holder: str) -> Message:
    return Message("agents/held_by_other", {"holder": holder})


def closed_already() -> Message:
    return Message("agents/closed_already")


def agents_cancelled() -> Message:
    """The buyer left the queue (or the agent)."""
    return Message("agents/cancelled")


def agents_rated(rating: str) -> Message:
    return Message("agents/rated", {"rating": rating})


def held_message(problems: Sequence[str], alternative: str) -> Message:
    """An agent's message broke the service-language rules and was not sent."""
    return Message("agents/held_message", {"problems": list(problems), "alternative": alternative})


def transferred(by: str, target: str) -> Message:
    return Message("agents/transferred", {"by": by, "target": target})


def not_allowed(reason: str, agent: str, holder: str, target: str | None, shop: str) -> Message:
    """A polite refusal in the topic; `reason`: holder (someone else holds it), shop (the
    agent does not serve the conversation's shop) or target (the transfer target does not)."""
    return Message("agents/not_allowed", {"reason": reason, "agent": agent, "holder": holder,
                                          "target": target, "shop": shop})


def relay_set_aside(conversation: Conversation, to_buyer: bool, reason: str) -> Message:
    """A relay Telegram refused, kept aside: told in the topic (a copy the buyer did not get)
    or to ops (the agents' group itself refused)."""
    return Message("agents/relay_set_aside", {"buyer": conversation.buyer_name, "buyer_id": conversation.buyer_id,
                                              "conversation": conversation.id, "to_buyer": to_buyer,
                                              "reason": reason})


def transfer_usage(catalog: Catalog) -> Message:
    """The agents and shops a conversation can be transferred to."""
    return Message("agents/transfer_usage", {
        "agents": [{"id": s.id, "name": s.name} for s in catalog.staff.values() if catalog.is_agent(s.id)],
        "shops": [{"id": s.id, "name": s.name} for s in catalog.shops.values()]})


def not_in_conversation() -> Message:
    return Message("agents/not_in_conversation")


def agents_help() -> Message:
    return Message("agents/help")


def presence(agent: str, presence: Presence) -> Message:
    return Message("agents/presence", {"agent": agent, "presence": presence.value})


def quick_keys(template_names: Iterable[str]) -> list[str]:
    """The quick replies there are: the templates in the quick/ folder."""
    prefix = f"{QUICK_FOLDER}/"
    return [name.removeprefix(prefix) for name in template_names if name.startswith(prefix)]


def quick_list(keys: Sequence[str]) -> Message:
    return Message("agents/quick_list", {"keys": list(keys)})


def quick_unknown(key: str, keys: Sequence[str]) -> Message:
    return Message("agents/quick_unknown", {"key": key, "keys": list(keys)})


def quick_reply(key: str, agent: str, conversation: Conversation, shop: Shop | None) -> Message:
    """A quick reply, sent to the buyer as the agent's own message."""
    return Message(f"{QUICK_FOLDER}/{key}", {
        "agent": agent,
        "buyer": {"name": conversation.buyer_name, "id": conversation.buyer_id},
        "shop": {"name": shop.name, "ships_within_hours": shop.ships_within_hours, "courier": shop.courier}
        if shop else None,
    })


# -- lint samples -------------------------------------------------------------------------

def _conversation(data: SampleData, buyer_id: int, name: str, shop: str, reason: str,
                  agent_id: int | None) -> Conversation:
    """A conversation as the store would return it."""
    at = data.at
    return Conversation(id=1, buyer_id=buyer_id, buyer_name=name, language_code="", shop=shop, reason=reason,
                        priority=priority_for(data.catalog, buyer_id, reason),
                        status=Status.queued if agent_id is None else Status.held,
                        agent_id=agent_id, topic_id=None, created_at=at, queued_at=at)


def _customers(data: SampleData) -> Iterator[dict[str, Any]]:
    """Customer records and open after-sales cases as `CardRecords.facts` returns them: every
    tier, agents' tags and notes (long ones too), and every kind, state and reason of a case
    on an order of the catalogue."""
    catalog = data.catalog
    notes = [{"by": 0, "text": text, "at": data.at}
             for text in ("老客户，喜欢宽松款", "上次发错颜色，已补偿" * 6, "电话联系前先发消息")][:CARD_NOTES]
    record = {"spend": 0, "paid_orders": 0, "auto_tags": [], "tags": ["老客户", "爱买裙子" * 8], "notes": notes}
    orders = [o for o in catalog.orders.values() if o.items and o.items[0].sku in catalog.products]
    for tier in Tier:
        yield {"record": {**record, "tier": str(tier), "tags": [], "notes": []}, "cases": []}
    if not orders:
        return
    order = orders[0]
    item = order.items[0]
    cases = [case_view(catalog, Case(buyer=order.buyer, order=order.id, shop=order.shop, sku=item.sku,
                                     size=item.size, qty=item.qty, kind=str(kind), reason="quality", outcome="accept",
                                     why=str(why), state=state, id=f"AS{n:06d}", created_at=data.at,
                                     updated_at=data.at))
             for n, (kind, why, state) in enumerate((k, w, s) for k in Kind for w in Why for s in sorted(OPEN_STATES))]
    for start in range(0, len(cases), CARD_CASES):
        yield {"record": {**record, "tier": str(Tier.vip)}, "cases": cases[start:start + CARD_CASES]}


def samples(data: SampleData, quick: Sequence[str]) -> Iterator[Sample]:
    """Every handoff contract with values from the catalogue; `quick` are the quick-reply keys."""
    catalog = data.catalog
    agents = data.agents
    names = data.agent_names
    first, last = names[0], names[-1]
    history = [HistoryEntry(Role.buyer, data.questions[0].text, data.at),
               HistoryEntry(Role.bot, data.room_answer, data.at)]
    agent_names = {s.id: s.name for s in agents}
    products = list(catalog.products)
    shops = list(catalog.shops)
    agent_ids = [None, *(s.id for s in agents[:1])]
    n = 0
    for asker in data.askers:
        for reason in Handoff:
            # every buyer with every reason; shops, agents and products on stage taken in turn
            shop = shops[n % len(shops)]
            conversation = _conversation(data, asker.user_id, asker.name, shop, str(reason),
                                         agent_ids[n % len(agent_ids)])
            sku = products[n % len(products)] if products else None
            other = next((s for s in products if s != sku), None)
            for asked, stage in ((None, None), (sku, None), (None, sku), (sku, sku), (sku, other)):
                view = card_view(catalog, conversation, history, asked, agent_names, on_stage_sku=stage)
                origin = f"card of {asker.user_id} ({reason}, {shop}, asked {asked}, stage {stage})"
                yield Sample(card(view), origin)
                yield Sample(topic_name(view), origin)
            n += 1
        if asker == data.askers[0]:
            conversation = _conversation(data, asker.user_id, asker.name, shops[0], "complaint", None)
            for customer in _customers(data):
                view = card_view(catalog, conversation, history, None, agent_names, customer=customer)
                yield Sample(card(view), f"card of {asker.user_id} with a customer record and cases")
        for key in quick:
            for shop_data in catalog.shops.values():
                conversation = _conversation(data, asker.user_id, asker.name, shop_data.id, "requested", None)
                yield Sample(quick_reply(key, first, conversation, shop_data), f"/q {key}")
    for ahead_eta in ((1, 1), (3, 10), (4, None)):
        yield Sample(queued(*ahead_eta), "queued")
        yield Sample(position(*ahead_eta), "position")
    for message in (no_agent(), buyer_cancelled(), nothing_to_cancel(), goodbye(), closed_already(),
                    agents_cancelled(), not_in_conversation(), agents_help()):
        yield Sample(message, message.template)
    for name in names:
        for contract in (agent_joined, taken, assigned, back, closed, held_by_other):
            yield Sample(contract(name), contract.__name__)
        for state in Presence:
            yield Sample(presence(name, state), f"/{state}")
    for rating in RATINGS:
        yield Sample(buyer_rated(rating), "rating")
        yield Sample(agents_rated(rating), "rating")
    some_conversation = _conversation(data, data.askers[0].user_id, data.askers[0].name, shops[0], "requested",
                                      None)
    for to_buyer in (True, False):
        yield Sample(relay_set_aside(some_conversation, to_buyer, "refused: Bad Request"), "set aside")
    for refusal in ("holder", "shop", "target"):
        yield Sample(not_allowed(refusal, first, last, last, catalog.shops[shops[0]].name), f"not allowed ({refusal})")
    yield Sample(transferred(first, last), "transfer to an agent")
    for shop_data in catalog.shops.values():
        yield Sample(transferred(first, shop_data.name), "transfer to a shop")
    yield Sample(transfer_usage(catalog), "/transfer")
    yield Sample(held_message(["a forbidden word"], data.questions[0].text), "held message")
    yield Sample(quick_list(quick), "/q")
    yield Sample(quick_unknown(f"{quick[0] if quick else 'key'}-unknown", quick), "/q unknown")
