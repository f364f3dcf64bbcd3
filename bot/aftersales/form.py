"""The returns/exchange form's steps as plain data: which question comes next.

The chat keeps a `Draft` in the aiogram FSM data (Redis), so the form survives a restart;
`advance` fills in what needs no question (a one-item order, a single unit, one-size
goods cannot be exchanged for another size) and names the next question.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.aftersales.decision import Kind
from bot.aftersales.policy import AftersalesPolicy, Reason
from bot.shop.catalog import Catalog
from bot.shop.orders import Order


class Step(StrEnum):
    item = "item"
    qty = "qty"
    kind = "kind"
    size = "size"
    sold_out = "sold_out"
    """The size chosen has no stock: say so and ask again."""
    reason = "reason"
    photos = "photos"
    ready = "ready"


@dataclass(frozen=True)
class Draft:
    order_id: str
    sku: str | None = None
    qty: int | None = None
    kind: Kind | None = None
    exchange_to: str | None = None
    reason: Reason | None = None
    photos: tuple[str, ...] = ()
    retention_declined: bool = False

    def to_data(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "sku": self.sku, "qty": self.qty,
                "kind": None if self.kind is None else str(self.kind), "exchange_to": self.exchange_to,
                "reason": None if self.reason is None else str(self.reason), "photos": list(self.photos),
                "retention_declined": self.retention_declined}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        return cls(order_id=str(data["order_id"]), sku=data.get("sku"), qty=data.get("qty"),
                   kind=Kind(data["kind"]) if data.get("kind") else None, exchange_to=data.get("exchange_to"),
                   reason=Reason(data["reason"]) if data.get("reason") else None,
                   photos=tuple(data.get("photos") or ()),
                   retention_declined=bool(data.get("retention_declined")))


def units_of(order: Order, sku: str) -> int:
    return sum(item.qty for item in order.items if item.sku == sku)


def advance(draft: Draft, order: Order, catalog: Catalog, policy: AftersalesPolicy) -> tuple[Draft, Step]:
    """Fill in what needs no question and return the next question (or `ready`)."""
    skus = list(dict.fromkeys(item.sku for item in order.items))
    if draft.sku is None:
        if len(skus) > 1:
            return draft, Step.item
        draft = replace(draft, sku=skus[0])
    sku = draft.sku or skus[0]
    if draft.qty is None:
        if units_of(order, sku) > 1:
            return draft, Step.qty
        draft = replace(draft, qty=1)
    qty = draft.qty or 1
    if draft.kind is None:
        if catalog.products[sku].one_size:
            draft = replace(draft, kind=Kind.return_)
        else:
            return draft, Step.kind
    if draft.kind == Kind.exchange and draft.exchange_to is None:
        return draft, Step.size
    if draft.kind == Kind.exchange and draft.exchange_to is not None:
        stock = catalog.products[sku].stock.get(draft.exchange_to, 0)
        if stock < qty:
            return replace(draft, exchange_to=None), Step.sold_out
    if draft.reason is None:
        return draft, Step.reason
    if draft.reason in policy.photos_for(order.shop) and not draft.photos:
        return draft, Step.photos
    return draft, Step.ready
