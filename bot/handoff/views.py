"""What agents and buyers are shown about a handed-off conversation (pure).

The context card, the topic's name and the queue messages are built here from plain data
(catalogue, conversation, history) so they render the same in the bot, in the lint and
in tests, and their wording stays in templates.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.answers.composer import order_view
from bot.shop.catalog import Catalog, OrderStatus
from bot.handoff.model import Conversation, HistoryEntry, Priority

TOPIC_NAME_LIMIT = 128


def tier_of(catalog: Catalog, buyer_id: int) -> str:
    buyer = catalog.buyers.get(buyer_id)
    return str(buyer.tier) if buyer else "normal"


def priority_for(catalog: Catalog, buyer_id: int, reason: str) -> Priority:
    """Complaints first, then VIP buyers, then everyone else."""
    if reason == "complaint":
        return Priority.complaint
    return Priority.vip if tier_of(catalog, buyer_id) == "vip" else Priority.normal


def buyer_tags(catalog: Catalog, buyer_id: int) -> list[dict[str, Any]]:
    """已购 (with the amount paid) or 未购, and 咨询: the buyer is asking now."""
    bought = [o for o in catalog.orders_of(buyer_id) if o.status is not OrderStatus.unpaid]
    tags: list[dict[str, Any]] = []
    if bought:
        tags.append({"kind": "bought", "orders": len(bought),
                     "amount": sum(o.paid_fen for o in bought if o.paid_fen is not None)})
    else:
        tags.append({"kind": "not_bought"})
    tags.append({"kind": "asking"})
    return tags


def shop_for(catalog: Catalog, sku: str | None, order_id: str | None, buyer_id: int) -> str:
    """The shop whose product is discussed: the product, else the order, else the first shop."""
    if sku and sku in catalog.products:
        return catalog.products[sku].shop
    order = catalog.order_for(order_id, buyer_id) if order_id else None
    if order is not None:
        return order.shop
    return next(iter(catalog.shops))


def card_view(catalog: Catalog, conversation: Conversation, history: Sequence[HistoryEntry],
              stage_sku: str | None, agent_names: dict[int, str]) -> dict[str, Any]:
    buyer = catalog.buyers.get(conversation.buyer_id)
    stage = catalog.products.get(stage_sku) if stage_sku else None
    return {
        "id": conversation.id,
        "buyer": {"id": conversation.buyer_id, "name": buyer.name if buyer else conversation.buyer_name,
                  "tier": tier_of(catalog, conversation.buyer_id), "known": buyer is not None},
        "tags": buyer_tags(catalog, conversation.buyer_id),
        "orders": [order_view(catalog, o) for o in catalog.orders_of(conversation.buyer_id)][-5:],
        "messages": [{"role": str(h.role), "text": h.text, "at": h.at.astimezone(catalog.timezone)}
                     for h in history][-10:],
        "stage": {"sku": stage.sku, "name": stage.name} if stage else None,
        "reason": conversation.reason,
        "priority": conversation.priority.name,
        "shop": catalog.shops[conversation.shop].name if conversation.shop in catalog.shops else conversation.shop,
        "agent": agent_names.get(conversation.agent_id) if conversation.agent_id else None,
    }


def topic_name(rendered: str) -> str:
    """The topic's name as plain text: Telegram shows it as typed (no HTML), so the entities
    the template's autoescape wrote (a buyer called `A&B` → `A&amp;B`) are decoded. Telegram
    limits topic names to 128 characters."""
    return html.unescape(rendered).strip().replace("\n", " ")[:TOPIC_NAME_LIMIT]


def sample_conversation(catalog: Catalog, at: datetime, buyer_id: int, reason: str) -> Conversation:
    """A conversation as the store would return it, for template lint samples."""
    from bot.handoff.model import Status

    return Conversation(id=1, buyer_id=buyer_id, buyer_name="买家", language_code="zh-hans",
                        shop=next(iter(catalog.shops)), reason=reason,
                        priority=priority_for(catalog, buyer_id, reason), status=Status.queued,
                        agent_id=None, topic_id=None, created_at=at, queued_at=at)
