"""Who is served first, by which shop, how long a buyer will wait, when to tell them again, who is next.

All pure: the store feeds these with what it read from Redis, and the Lua scripts only
enforce decisions made here (the queue score formula is the one exception, mirrored in
`common.lua` through `PRIORITY_STEP`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.handoff.model import Conversation, Presence, Priority
from bot.handoff.settings import HandoffSettings
from bot.shop.catalog import Catalog

# Epoch milliseconds stay below 10**13 until the year 2286, so priority * STEP + queued_ms
# orders by priority first and waiting time second, and stays an exact double (< 2**53).
PRIORITY_STEP = 10**13


def to_ms(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError("handoff instants must be timezone-aware")
    return round(instant.timestamp() * 1000)


def queue_score(priority: Priority, queued_at: datetime) -> int:
    """The sorted-set score of a queued conversation: lower is served first."""
    return int(priority) * PRIORITY_STEP + to_ms(queued_at)


def eta_minutes(position: int, online_agents: int, settings: HandoffSettings) -> int | None:
    """Estimated wait for the buyer at `position` (1-based), in whole minutes, rounded up.

    position × average handling time ÷ online agents: each agent works through its share
    of the people ahead, the buyer included. None when no agent is online (no honest
    estimate exists); at least 1 so nobody is promised "0 minutes".
    """
    if position < 1:
        raise ValueError("positions start at 1")
    if online_agents <= 0:
        return None
    return max(1, math.ceil(position * settings.avg_handling_minutes / online_agents))


def is_material_change(told_position: int | None, told_eta: int | None,
                       position: int, eta: int | None, settings: HandoffSettings) -> bool:
    """Whether the buyer should hear about their place in line again.

    Yes when never told, on reaching the head of the line, when the position improved by
    `material_position_step` or more, or when the estimate moved (either way, or between
    known and unknown) by `material_eta_minutes` or more. Small shuffles stay quiet so a
    busy queue does not spam every waiting buyer.
    """
    if told_position is None:
        return True
    if position == 1 and told_position != 1:
        return True
    if told_position - position >= max(1, settings.material_position_step):
        return True
    if (told_eta is None) != (eta is None):
        return True
    if told_eta is not None and eta is not None:
        return abs(told_eta - eta) >= max(1, settings.material_eta_minutes)
    return False


def next_agent(candidates: Sequence[int], open_counts: Mapping[int, int], cap: int,
               last: int | None, presence: Mapping[int, Presence] | None = None) -> int | None:
    """Round robin: the first eligible agent after `last` in ascending id order, wrapping.

    Eligible = below `cap` open conversations and, when `presence` is given, online.
    Ordering by id (not by the caller's list order) keeps the rotation stable however the
    caller builds the list; `last` need not be a candidate any more (went offline).
    """
    ordered = sorted(set(candidates))
    if not ordered:
        return None
    start = 0 if last is None else next((i for i, a in enumerate(ordered) if a > last), 0)
    for step in range(len(ordered)):
        agent = ordered[(start + step) % len(ordered)]
        if open_counts.get(agent, 0) >= cap:
            continue
        if presence is not None and presence.get(agent, Presence.offline) is not Presence.online:
            continue
        return agent
    return None


def tier_of(catalog: Catalog, buyer_id: int) -> str:
    buyer = catalog.buyers.get(buyer_id)
    return str(buyer.tier) if buyer else "normal"


def priority_for(catalog: Catalog, buyer_id: int, reason: str) -> Priority:
    """Complaints first, then VIP buyers, then everyone else."""
    if reason == "complaint":
        return Priority.complaint
    return Priority.vip if tier_of(catalog, buyer_id) == "vip" else Priority.normal


def shop_for(catalog: Catalog, sku: str | None, order_id: str | None, buyer_id: int) -> str:
    """The shop whose product is discussed: the product, else the order, else the first shop."""
    if sku and sku in catalog.products:
        return catalog.products[sku].shop
    order = catalog.order_for(order_id, buyer_id) if order_id else None
    if order is not None:
        return order.shop
    return next(iter(catalog.shops))


def may_act(catalog: Catalog, conversation: Conversation, agent_id: int) -> bool:
    """Whether `agent_id` may close, hand back or transfer the conversation.

    Its holder may, and a supervisor may act on anyone's; a conversation nobody holds yet
    (queued) may be handled by an agent of its shop, who could take it anyway. Everyone
    else would be changing a colleague's conversation behind their back.
    """
    if catalog.is_supervisor(agent_id):
        return True
    if conversation.agent_id is not None:
        return conversation.agent_id == agent_id
    return catalog.serves(agent_id, conversation.shop)
