"""What the returns/exchange form and "我的售后" call: decide, register, list, dispute.

The handler stays thin: it parses buttons into a `Draft`, asks this service, and sends
what comes back. Orders come from the shop's `OrderSource`, so only the buyer's own
orders are ever found; the policy, catalogue and rules come from the knowledge snapshot
in force for the update.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.aftersales.cases import Case, CaseDraft, CaseState, CaseStore
from bot.aftersales.decision import Decision, Kind, Outcome, Request, decide
from bot.aftersales.form import Draft
from bot.aftersales.policy import AftersalesPolicy
from bot.clock import Clock
from bot.promotions.ruleset import RuleSet
from bot.shop.catalog import Catalog
from bot.shop.orders import Order, OrderSource, OrderStatus

log = logging.getLogger(__name__)

RETURNABLE = (OrderStatus.received,)
"""Orders the form offers: after-sales starts at receipt (before it, a person handles it)."""


@dataclass(frozen=True)
class Handled:
    """A decision and, when it was final, the case registered for it."""

    decision: Decision
    case: Case | None


class AftersalesService:
    def __init__(self, cases: CaseStore, orders: OrderSource, clock: Clock) -> None:
        self.cases = cases
        self.orders = orders
        self.clock = clock

    async def returnable(self, buyer_id: int) -> list[Order]:
        return [o for o in await self.orders.orders_of(buyer_id) if o.status in RETURNABLE]

    async def order_for(self, order_id: str, buyer_id: int) -> Order | None:
        """The buyer's own received order, else None (another buyer's reveals nothing)."""
        order = await self.orders.order_for(order_id, buyer_id)
        return order if order is not None and order.status in RETURNABLE else None

    async def already_returned(self, buyer_id: int, order_id: str) -> dict[str, int]:
        units: dict[str, int] = {}
        for case in await self.cases.of_buyer(buyer_id):
            if case.order == order_id and case.kind == Kind.return_ and case.state == CaseState.accepted:
                units[case.sku] = units.get(case.sku, 0) + case.qty
        return units

    async def decide(self, catalog: Catalog, rules: RuleSet, policy: AftersalesPolicy, order: Order,
                     draft: Draft) -> Handled:
        """Decide by the shop's policy; register the case unless the buyer still has to answer."""
        assert draft.sku is not None and draft.qty is not None and draft.reason is not None
        request = Request(order, {draft.sku: draft.qty}, draft.reason, self.clock.now(),
                          kind=draft.kind or Kind.return_, photos=len(draft.photos),
                          exchange_to=draft.exchange_to, retention_declined=draft.retention_declined,
                          already_returned=await self.already_returned(order.buyer, order.id))
        decision = decide(catalog, rules, policy, request)
        if decision.outcome in (Outcome.offer, Outcome.need_photos):
            return Handled(decision, None)
        if decision.outcome == Outcome.decline and decision.in_stock:
            return Handled(decision, None)  # a sold-out size: the buyer picks another
        state = CaseState.accepted if decision.outcome == Outcome.accept else CaseState.declined
        return Handled(decision, await self.cases.register(self._draft(order, draft, decision, state)))

    async def keep_with_offer(self, catalog: Catalog, rules: RuleSet, policy: AftersalesPolicy, order: Order,
                              draft: Draft) -> Handled:
        """The buyer keeps the item and takes the retention offer: registered as kept."""
        outcome = await self.decide(catalog, rules, policy, order, draft)
        decision = outcome.decision
        if decision.outcome != Outcome.offer:
            return outcome
        case = await self.cases.register(self._draft(order, draft, decision, CaseState.kept))
        return Handled(decision, case)

    async def my_cases(self, buyer_id: int) -> list[Case]:
        return list(reversed(await self.cases.of_buyer(buyer_id)))

    async def dispute(self, buyer_id: int, case_id: str) -> Case | None:
        """Mark the buyer's own case disputed; None for a case that is not theirs."""
        case = await self.cases.get(case_id)
        if case is None or case.buyer != buyer_id:
            return None
        return await self.cases.set_state(case_id, CaseState.disputed)

    @staticmethod
    def _draft(order: Order, draft: Draft, decision: Decision, state: CaseState) -> CaseDraft:
        assert draft.sku is not None and draft.qty is not None and draft.reason is not None
        size = next(i.size for i in order.items if i.sku == draft.sku)
        return CaseDraft(
            buyer=order.buyer, order=order.id, shop=order.shop, sku=draft.sku, size=size, qty=draft.qty,
            kind=str(draft.kind or Kind.return_), reason=str(draft.reason), outcome=str(decision.outcome),
            why=str(decision.why), state=state, refund_fen=decision.refund_fen, exchange_to=draft.exchange_to,
            photos=draft.photos, coupon=decision.coupon.name if decision.coupon else None,
            offer=decision.offer.name if decision.offer else None)


