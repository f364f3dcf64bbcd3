"""What agents and buyers are shown about a handed-off conversation (pure).

The context card, the topic's name and the buttons (card actions, leaving the queue, the
satisfaction survey) are built here from plain data (catalogue, conversation, history) so
they render the same in the bot, in the lint and in tests; their wording stays in
templates and their labels in labels.yaml.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from bot.answers.buttons import Button, ButtonKind
from bot.answers.composer import order_view
from bot.handoff.model import Conversation, HistoryEntry
from bot.handoff.policy import tier_of
from bot.shop.catalog import Catalog, OrderStatus

TOPIC_NAME_LIMIT = 128
RATINGS = ("satisfied", "neutral", "dissatisfied")


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


def card_buttons(conversation_id: int) -> tuple[Button, ...]:
    """The context card's actions: take the buyer, hand them back to the bot, close."""
    return tuple(Button(kind, label_key=f"card.{kind}", conversation_id=conversation_id)
                 for kind in (ButtonKind.take, ButtonKind.back, ButtonKind.close))


def cancel_buttons() -> tuple[Button, ...]:
    """The queued buyer's way back to the bot."""
    return (Button(ButtonKind.cancel_handoff, label_key="handoff.cancel"),)


def survey_buttons(conversation_id: int) -> tuple[Button, ...]:
    """The satisfaction survey sent with the goodbye."""
    return tuple(Button(ButtonKind.rate, rating, label_key=f"rating.{rating}", conversation_id=conversation_id)
                 for rating in RATINGS)


def _product(catalog: Catalog, sku: str | None) -> dict[str, str] | None:
    product = catalog.products.get(sku) if sku else None
    return {"sku": product.sku, "name": product.name} if product else None


def card_view(catalog: Catalog, conversation: Conversation, history: Sequence[HistoryEntry],
              asked_sku: str | None, agent_names: dict[int, str],
              on_stage_sku: str | None = None, customer: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context card. `asked_sku`: the product the buyer last asked about (kept on the
    conversation); `on_stage_sku`: what the live room is presenting now. They differ when a
    buyer asks about an earlier product, so the card names both, each for what it is.
    `customer`: `bot.customers.card.CardRecords.facts` (the customer record: tier by the
    rules, agents' tags and notes; the open after-sales cases), None where no records are kept."""
    buyer = catalog.buyers.get(conversation.buyer_id)
    return {
        "id": conversation.id,
        "buyer": {"id": conversation.buyer_id, "name": buyer.name if buyer else conversation.buyer_name,
                  "tier": tier_of(catalog, conversation.buyer_id), "known": buyer is not None},
        "tags": buyer_tags(catalog, conversation.buyer_id),
        "orders": [order_view(catalog, o) for o in catalog.orders_of(conversation.buyer_id)][-5:],
        "messages": [{"role": str(h.role), "text": h.text, "at": h.at.astimezone(catalog.timezone)}
                     for h in history][-10:],
        "stage": _product(catalog, on_stage_sku),
        "asked": _product(catalog, asked_sku),
        "reason": conversation.reason,
        "priority": conversation.priority.name,
        "shop": catalog.shops[conversation.shop].name if conversation.shop in catalog.shops else conversation.shop,
        "agent": agent_names.get(conversation.agent_id) if conversation.agent_id else None,
        "record": customer["record"] if customer else None,
        "cases": list(customer["cases"]) if customer else [],
    }


def topic_name(rendered: str) -> str:
    """The topic's name as plain text: Telegram shows it as typed (no HTML), so the entities
    the template's autoescape wrote (a buyer called `A&B` → `A&amp;B`) are decoded. Telegram
    limits topic names to 128 characters."""
    return html.unescape(rendered).strip().replace("\n", " ")[:TOPIC_NAME_LIMIT]

