"""A buyer's record as agents see it: tier, automatic and agents' tags, notes, orders, cases.

Assembled from the order source, the after-sales cases and the customer store; the
arithmetic (spend, tier, tags) is the pure `bot.customers.tiers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.aftersales.cases import CaseState, CaseStore
from bot.customers.store import CustomerStore, Note
from bot.customers.tiers import Standing, TierRules, standing
from bot.money import format_yuan
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog, Tier
from bot.shop.orders import Order, OrderSource


@dataclass(frozen=True)
class Record:
    buyer: int
    name: str | None
    standing: Standing
    tags: tuple[str, ...]
    notes: tuple[Note, ...]
    orders: tuple[Order, ...]
    cases: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        s = self.standing
        return {
            "buyer": self.buyer, "name": self.name, "tier": str(s.tier), "spend": format_yuan(s.spend_fen),
            "paid_orders": s.paid_orders, "last_paid_at": s.last_paid_at.isoformat() if s.last_paid_at else None,
            "auto_tags": [str(t) for t in s.tags], "tags": list(self.tags),
            "notes": [{"by": n.by, "text": n.text, "at": n.at.isoformat()} for n in self.notes],
            "orders": [{"id": o.id, "status": str(o.status)} for o in self.orders], "cases": list(self.cases),
        }


class CustomerRecords:
    def __init__(self, store: CustomerStore, orders: OrderSource, cases: CaseStore) -> None:
        self.store = store
        self.orders = orders
        self.cases = cases

    async def record(self, catalog: Catalog, rules: RuleSet, tier_rules: TierRules, buyer: int,
                     now: datetime) -> Record:
        orders = await self.orders.orders_of(buyer)
        cases = await self.cases.of_buyer(buyer)
        person = catalog.buyers.get(buyer)
        manual = await self.store.manual_tier(buyer)
        if manual is None and person is not None and person.tier == Tier.vip:
            manual = Tier.vip
        result = standing(catalog, rules, tier_rules, orders, now, manual=manual, cases=len(cases),
                          disputed=sum(c.state == CaseState.disputed for c in cases))
        return Record(buyer, person.name if person else None, result, tuple(await self.store.tags(buyer)),
                      tuple(await self.store.notes(buyer)), tuple(orders), tuple(c.id for c in cases))

    async def annotate(self, buyer: int, command: str, words: str, by: int) -> list[str]:
        """An agent's /tag, /untag or /note on a buyer; returns the buyer's tags after it."""
        if command == "tag":
            await self.store.add_tag(buyer, words)
        elif command == "untag":
            await self.store.remove_tag(buyer, words)
        elif command == "note":
            await self.store.add_note(buyer, by, words)
        else:
            raise ValueError(f"unknown record command {command!r}")
        return await self.store.tags(buyer)

    async def known_buyers(self, catalog: Catalog, now: datetime) -> list[int]:
        """Buyers in people.yaml, with an order in the last year, or with a record (tags, notes, tier)."""
        recent = await self.orders.recent(now - timedelta(days=365))
        return sorted(set(catalog.buyers) | {o.buyer for o in recent} | set(await self.store.buyers()))
