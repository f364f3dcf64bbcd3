"""A customer record as the agents' context card shows it (tier, tags, notes, cases).

Plain data for a template; the card itself (bot/handoff/views.py, agents/card.j2) adds it
where it lists the buyer.
"""

from __future__ import annotations

from typing import Any

from bot.customers.records import Record

CARD_NOTES = 3
"""The newest notes shown on the card; `livedesk customers show` lists them all."""


def record_card_view(record: Record) -> dict[str, Any]:
    s = record.standing
    return {
        "tier": str(s.tier), "spend": s.spend_fen, "paid_orders": s.paid_orders,
        "auto_tags": [str(t) for t in s.tags], "tags": list(record.tags),
        "notes": [{"by": n.by, "text": n.text, "at": n.at} for n in record.notes[-CARD_NOTES:]],
        "cases": list(record.cases),
    }
